"""A real, certified OpenID Connect provider for tests: the npm package ``oidc-provider`` under
node, run by ``tests/oidc_provider.mjs`` on a free loopback port, with two RSA signing keys
(``A`` and ``B``) so a test can rotate from one to the other by restarting it.

The package lives in ``.plenary/node`` (``make oidc-provider`` installs it; so does the first
test that needs it, when npm is there). Tests skip, saying why, only when node or npm is not
installed and cannot be.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from joserfc.jwk import RSAKey

from tests.signin_mail import free_port

__all__ = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "REDIRECT_URI",
    "LocalProvider",
    "local_provider",
    "log_in_at_provider",
    "oidc_settings",
]

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = ROOT / ".plenary" / "node"
MODULE = NODE_DIR / "node_modules" / "oidc-provider" / "lib" / "index.js"
SCRIPT = Path(__file__).resolve().parent / "oidc_provider.mjs"
CLIENT_ID = "plenary"
CLIENT_SECRET = "a-test-client-secret-of-the-plenary-client"
REDIRECT_URI = "https://plenary.test/sign-in/oidc/callback"
_START_SECONDS = 30.0

ACCOUNTS: dict[str, dict[str, Any]] = {
    "alice": {
        "membership_number": "M00001",
        "email": "m00001@members.example",
        "email_verified": True,
    },
    "lapsed": {"membership_number": "M00022"},
    "stranger": {"membership_number": "M99999"},
    "nonumber": {"email": "someone@elsewhere.example", "email_verified": True},
    "officer": {"email": "ro@party.example", "email_verified": True},
    "unverified-officer": {"email": "ro@party.example", "email_verified": False},
}
"""Who can sign in at the test provider, and the claims it releases for each."""


def _ensure_installed() -> None:
    if MODULE.is_file():
        return
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed (apt-get install nodejs npm, as root)")
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    with (NODE_DIR / ".install-lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # test workers share the directory: one installs
        if MODULE.is_file():
            return
        npm = ["npm", "install", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"]
        done = subprocess.run(
            [*npm, "oidc-provider@9"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    if done.returncode != 0 or not MODULE.is_file():
        pytest.fail(f"npm could not install oidc-provider: {done.stderr.strip()[-400:]}")


def _key(kid: str) -> dict[str, Any]:
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})
    return dict(key.as_dict(private=True))


class LocalProvider:
    """The running provider: its issuer, its private keys, and a way to rotate them."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.keys = {"A": _key("A"), "B": _key("B")}
        self._workdir = workdir
        self.redirect_uris = [REDIRECT_URI]
        """Where the provider may send browsers back (change, then ``start`` again)."""
        self.claims_in_userinfo = False
        """Release the scopes' claims only at UserInfo, not in the ID token (then ``start``)."""
        self._process: subprocess.Popen[str] | None = None

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/jwks"

    def start(self, kids: Sequence[str] = ("A",)) -> None:
        """Run with the keys ``kids`` published, the first signing."""
        self.stop()
        config = {
            "module": str(MODULE),
            "issuer": self.issuer,
            "port": self.port,
            "client": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": self.redirect_uris,
            },
            "keys": [self.keys[k] for k in kids],
            "accounts": ACCOUNTS,
            "claimsInUserinfo": self.claims_in_userinfo,
        }
        path = self._workdir / "provider.json"
        path.write_text(json.dumps(config))
        process = subprocess.Popen(
            ["node", str(SCRIPT), str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NODE_ENV": "test"},
        )
        assert process.stdout is not None
        try:
            line = _read_line(process, _START_SECONDS)
        except TimeoutError:
            process.kill()
            raise
        if line.strip() != "ready":
            process.kill()
            errors = process.stderr.read() if process.stderr else ""
            raise RuntimeError(f"the test provider did not start: {line!r} {errors[-800:]}")
        self._process = process

    def rotate(self, kids: Sequence[str]) -> None:
        """The provider's operator changes its keys: a restart with ``kids``, same address."""
        self.start(kids)

    def stop(self) -> None:
        """Stop it (the provider is down until ``start``)."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            for stream in (self._process.stdout, self._process.stderr):
                if stream is not None:
                    stream.close()
            self._process = None


def _read_line(process: subprocess.Popen[str], seconds: float) -> str:
    import selectors

    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=seconds):
            raise TimeoutError("the test provider printed nothing")
    return process.stdout.readline()


@contextmanager
def local_provider(kids: Sequence[str] = ("A",)) -> Iterator[LocalProvider]:
    """A provider running for the ``with`` block, signing with the first of ``kids``."""
    _ensure_installed()
    with tempfile.TemporaryDirectory(prefix="plenary-oidc-") as workdir:
        provider = LocalProvider(Path(workdir))
        provider.start(kids)
        try:
            yield provider
        finally:
            provider.stop()


def oidc_settings(provider: LocalProvider) -> dict[str, str]:
    """The ``PLENARY_OIDC_*`` settings for a Plenary that signs in at ``provider``."""
    return {
        "PLENARY_OIDC_ISSUER": provider.issuer,
        "PLENARY_OIDC_CLIENT_ID": CLIENT_ID,
        "PLENARY_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "PLENARY_OIDC_SCOPES": "openid email membership",
        "PLENARY_OIDC_NAME": "Party Account",
    }


async def log_in_at_provider(
    at_provider: httpx.AsyncClient, authorization_url: str, account: str
) -> str:
    """Follow the provider's pages from ``authorization_url``, log in as ``account`` on its
    login form, and return the address it sends the browser back to (Plenary's callback)."""
    url = authorization_url
    for _ in range(20):
        if url.startswith(REDIRECT_URI):
            return url
        answer = await at_provider.get(url)
        if answer.status_code == 200 and 'name="account"' in answer.text:
            answer = await at_provider.post(url, data={"account": account})
        assert answer.status_code in (302, 303), answer.text[:400]
        url = urljoin(url, answer.headers["location"])
    raise AssertionError(f"the provider never sent the browser back: {url}")
