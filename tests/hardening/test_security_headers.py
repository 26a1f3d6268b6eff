"""Security headers: pages allow no inline script and no framing, nothing is sniffed, and
HSTS is sent only when the request came over TLS (directly or via a trusted proxy)."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from service.security_headers import PAGE_CSP
from service.web import STATIC
from service.web.render import TEMPLATES
from tests.hardening.conftest import Serve


def _directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _assert_page_policy(response: httpx.Response) -> None:
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert all("unsafe" not in v for values in policy.values() for v in values)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_pages_forbid_inline_script_and_framing(serve: Serve) -> None:
    async with serve(base_url="https://plenary.test") as client:
        sign_in = await client.get("/sign-in")
        redirect = await client.get("/home")
        missing = await client.get("/contests/00000000-0000-0000-0000-000000000000")
    assert sign_in.status_code == 200
    assert sign_in.headers["content-type"].startswith("text/html")
    _assert_page_policy(sign_in)
    assert redirect.status_code == 303
    assert redirect.headers["X-Frame-Options"] == "DENY"
    assert missing.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in missing.headers["Content-Security-Policy"]


async def test_api_answers_and_unknown_paths_load_nothing_and_are_not_sniffed(
    serve: Serve, auth: Callable[..., dict[str, str]]
) -> None:
    async with serve() as client:
        me = await client.get("/api/v1/me", headers=auth("S1"))
        unknown = await client.get("/no/such/path")
        refused = await client.get("/api/v1/me")
    for response in (me, unknown, refused):
        policy = _directives(response.headers["Content-Security-Policy"])
        assert policy["default-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
    assert unknown.status_code == 404


async def test_hsts_only_over_tls(serve: Serve) -> None:
    async with serve(base_url="http://plenary.test") as plain:
        over_http = await plain.get("/health")
    async with serve(base_url="https://plenary.test", hsts_max_age=600) as tls:
        over_https = await tls.get("/health")
    assert "Strict-Transport-Security" not in over_http.headers
    assert over_https.headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains"


async def test_hsts_behind_a_trusted_proxy_that_terminated_tls(serve: Serve) -> None:
    forwarded = {"X-Forwarded-Proto": "https"}
    async with serve(peer="10.0.0.5", trusted_proxies=("10.0.0.0/8",)) as behind_proxy:
        trusted = await behind_proxy.get("/health", headers=forwarded)
        plain = await behind_proxy.get("/health", headers={"X-Forwarded-Proto": "http"})
    async with serve(peer="203.0.113.9", trusted_proxies=("10.0.0.0/8",)) as direct:
        untrusted = await direct.get("/health", headers=forwarded)
    assert trusted.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in plain.headers
    assert "Strict-Transport-Security" not in untrusted.headers


async def test_hsts_can_be_switched_off(serve: Serve) -> None:
    async with serve(base_url="https://plenary.test", hsts_max_age=0) as client:
        response = await client.get("/health")
    assert "Strict-Transport-Security" not in response.headers


async def test_the_api_documentation_loads_nothing_from_another_origin(serve: Serve) -> None:
    async with serve() as client:
        docs = await client.get("/schema")
    assert docs.status_code == 200
    assert docs.headers["Content-Security-Policy"] == PAGE_CSP
    assert docs.headers["X-Frame-Options"] == "DENY"
    assert "<script" not in docs.text
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", docs.text)
    assert "/api/v1/contests" in docs.text


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
_JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
_STYLE_ATTR = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)


def test_templates_carry_no_inline_script_handler_or_style() -> None:
    """What the page CSP forbids must not be in the pages, or it would silently not run."""
    offending = []
    templates = sorted(TEMPLATES.glob("*.html"))
    assert templates, f"no templates found under {TEMPLATES}"
    for template in templates:
        text = template.read_text()
        for name, pattern in (
            ("inline <script>", _INLINE_SCRIPT),
            ("on…= handler", _HANDLER),
            ("javascript: URL", _JS_URL),
            ("style= attribute", _STYLE_ATTR),
        ):
            offending += [f"{template.name}: {name}" for _ in pattern.finditer(text)]
    assert not offending, offending


def test_static_scripts_are_files_the_policy_allows() -> None:
    scripts = sorted(STATIC.glob("*.js"))
    assert scripts
    assert "script-src 'self'" in PAGE_CSP
    for script in scripts:
        assert "eval(" not in script.read_text(), f"{script.name} uses eval, which CSP blocks"
