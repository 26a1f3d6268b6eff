"""No Docker engine runs here, so the compose file and Dockerfile are checked as documents."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_database_is_the_official_postgres_image_with_a_health_check() -> None:
    db = _compose()["services"]["db"]
    assert db["image"].split(":")[0] == "postgres"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert db["environment"]["POSTGRES_DB"] == "plenary"


def test_app_is_built_here_wired_to_the_database_and_checked_for_readiness() -> None:
    compose = _compose()
    app = compose["services"]["app"]
    db = compose["services"]["db"]["environment"]
    assert app["build"] == "."
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    url = app["environment"]["DATABASE_URL"]
    assert (
        url
        == f"postgresql://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@db:5432/{db['POSTGRES_DB']}"
    )
    assert "ports" not in app  # reached only through the proxy
    assert "/ready" in " ".join(app["healthcheck"]["test"])
    assert app["environment"]["PLENARY_HOST"] == "0.0.0.0"


def _packages() -> list[str]:
    """The packages pyproject.toml ships (``tool.setuptools.packages.find``)."""
    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return [pattern.rstrip("*") for pattern in found["packages"]["find"]["include"]]


def test_dockerfile_installs_every_package_and_serves() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "roll" in _packages()  # the image once shipped without the roll
    for package in _packages():
        assert f"COPY {package} ./{package}" in dockerfile
    assert 'CMD ["plenary", "serve"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert "USER plenary" in dockerfile


def test_the_image_installs_exactly_the_locked_files() -> None:
    """Every runtime dependency is pinned with a hash, and the image installs them that way
    before the project itself (``--no-deps``: nothing unlocked gets in)."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-cache-dir --no-deps ." in dockerfile
    lock = (ROOT / "requirements.lock").read_text()
    pins = dict(
        re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\\n    --hash=sha256:[0-9a-f]{64}$", lock, re.M)
    )
    names = {_normalise(name) for name in pins}
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for requirement in declared:
        if "win32" in requirement and "!=" not in requirement:
            continue
        name = _normalise(re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0])
        assert name in names, f"{name} is not in requirements.lock: run make lock"
    assert len(pins) == lock.count("--hash=sha256:")


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def test_the_bundled_proxy_is_the_only_address_the_app_believes() -> None:
    compose = _compose()
    proxy, app = compose["services"]["proxy"], compose["services"]["app"]
    assert proxy["image"].split(":")[0] == "nginx"
    assert "./deploy/nginx/plenary.conf.template:" in " ".join(proxy["volumes"])
    assert proxy["environment"]["PLENARY_UPSTREAM"] == "app:8000"
    fixed = proxy["networks"]["plenary"]["ipv4_address"]
    assert app["environment"]["PLENARY_TRUSTED_PROXIES"] == fixed
    assert "127.0.0.1:8080:8080" in proxy["ports"]


def test_keys_are_made_once_into_the_volume_every_app_process_reads() -> None:
    services = _compose()["services"]
    keys, app = services["keys"], services["app"]
    assert keys["command"] == ["plenary", "keys", "create"]
    assert app["depends_on"]["keys"]["condition"] == "service_completed_successfully"
    assert keys["volumes"] == app["volumes"]
    for name in ("PLENARY_DATA_DIR", "PLENARY_LOG_ORIGIN"):
        assert keys["environment"][name] == app["environment"][name]
    assert "PLENARY_GENERATE_KEYS" not in app["environment"]
