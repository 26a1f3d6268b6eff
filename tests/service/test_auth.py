"""Bearer tokens: good ones are accepted, every kind of bad one is a 401 problem+json."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from service.auth import issue_token
from service.keys import SigningKey, ensure_private_key, jwk_thumbprint, load_private_key
from service.settings import Settings
from tests.conftest import running


def _key(settings: Settings) -> SigningKey:
    return load_private_key(ensure_private_key(settings)[0])


def _claims(settings: Settings, **over):
    now = int(time.time())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": "M00001",
        "roles": ["member"],
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_generated_key_is_private_to_its_owner(settings: Settings) -> None:
    path, created = ensure_private_key(settings)
    assert created
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert ensure_private_key(settings) == (path, False)


async def test_good_token_is_accepted(client: httpx.AsyncClient, token) -> None:
    response = await _me(client, token("RO1", "returning_officer"))
    assert response.status_code == 200
    body = response.json()
    assert body["subject"] == "RO1"
    assert body["roles"] == ["returning_officer"]
    assert body["on_roll"] is False


def _forged(settings: Settings, case: str) -> str:
    key = _key(settings)
    if case == "no token":
        return ""
    if case == "garbage":
        return "not-a-jwt"
    if case == "bad signature":
        other = ed25519.Ed25519PrivateKey.generate()
        return jwt.encode(_claims(settings), other, algorithm="EdDSA", headers={"kid": key.kid})
    if case == "alg none":
        header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": key.kid}).encode())
        body = base64.urlsafe_b64encode(json.dumps(_claims(settings)).encode())
        return f"{header.decode().rstrip('=')}.{body.decode().rstrip('=')}."
    if case == "hmac with the public key":
        public = key.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        hs_header = {"alg": "HS256", "kid": key.kid, "typ": "JWT"}
        segments = [
            base64.urlsafe_b64encode(json.dumps(hs_header).encode()).rstrip(b"="),
            base64.urlsafe_b64encode(json.dumps(_claims(settings)).encode()).rstrip(b"="),
        ]
        import hashlib
        import hmac

        signing_input = b".".join(segments)
        signature = hmac.new(public, signing_input, hashlib.sha256).digest()
        return (signing_input + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode()
    if case == "expired":
        past = int(time.time()) - 4000
        return jwt.encode(
            _claims(settings, iat=past, nbf=past, exp=past + 60),
            key.key,
            algorithm="EdDSA",
            headers={"kid": key.kid},
        )
    if case == "not yet valid":
        future = int(time.time()) + 4000
        return jwt.encode(
            _claims(settings, iat=future, nbf=future, exp=future + 60),
            key.key,
            algorithm="EdDSA",
            headers={"kid": key.kid},
        )
    if case == "wrong issuer":
        return jwt.encode(
            _claims(settings, iss="elsewhere"), key.key, algorithm="EdDSA", headers={"kid": key.kid}
        )
    if case == "wrong audience":
        return jwt.encode(
            _claims(settings, aud="elsewhere"), key.key, algorithm="EdDSA", headers={"kid": key.kid}
        )
    if case == "missing sub":
        return jwt.encode(
            _claims(settings, sub=None), key.key, algorithm="EdDSA", headers={"kid": key.kid}
        )
    if case == "unknown kid":
        return jwt.encode(_claims(settings), key.key, algorithm="EdDSA", headers={"kid": "nobody"})
    raise AssertionError(case)


BAD_TOKENS = [
    "no token",
    "garbage",
    "bad signature",
    "alg none",
    "hmac with the public key",
    "expired",
    "not yet valid",
    "wrong issuer",
    "wrong audience",
    "missing sub",
    "unknown kid",
]


@pytest.mark.parametrize("case", BAD_TOKENS)
async def test_bad_token_is_401_problem(
    client: httpx.AsyncClient, settings: Settings, case: str
) -> None:
    forged = _forged(settings, case)
    headers = {"Authorization": f"Bearer {forged}"} if forged else {}
    response = await client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401, (case, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401
    assert body["detail"]


async def test_keys_rotate_by_kid(tmp_path: Path, database_url: str) -> None:
    """Two public keys configured: a token signed by either is accepted, selected by kid."""
    from service.app import create_app

    old, new = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    paths = []
    for name, key in (("old", old), ("new", new)):
        path = tmp_path / f"{name}.pub.pem"
        path.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        paths.append(path)
    settings = Settings(
        data_dir=tmp_path / "d", database_url=database_url, jwt_public_keys=tuple(paths)
    )
    app = create_app(settings)
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for key in (old, new):
                signing = SigningKey(
                    kid=jwk_thumbprint(key.public_key()), algorithm="EdDSA", key=key
                )
                good = issue_token(signing, settings, subject="M1")
                assert (await _me(client, good)).status_code == 200
            local = _key(settings)  # a key the service was not told about
            assert (
                await _me(client, issue_token(local, settings, subject="M1"))
            ).status_code == 401


def test_token_command_prints_a_token_the_service_accepts(
    settings: Settings, capsys, monkeypatch
) -> None:
    from service.auth import TokenVerifier
    from service.cli import main
    from service.keys import load_verification_keys

    monkeypatch.setenv("PLENARY_DATA_DIR", str(settings.data_dir))
    assert main(["keys", "create"]) == 0  # the service makes up no key of its own
    capsys.readouterr()
    assert main(["token", "--member", "M00007", "--role", "chair", "--ttl", "60"]) == 0
    printed = capsys.readouterr().out.strip()
    identity = TokenVerifier(load_verification_keys(settings), settings).verify(printed)
    assert identity.subject == "M00007"
    assert identity.roles == {"chair"}


async def test_keys_from_a_jwks_file_are_selected_by_their_kid(
    tmp_path: Path, database_url: str
) -> None:
    """Keys published as JWKS (as a sign-on provider does) are trusted by the kid they name."""
    from service.app import create_app

    key = ed25519.Ed25519PrivateKey.generate()
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key()))
    jwk["kid"] = "sso-2026"
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}))
    settings = Settings(data_dir=tmp_path / "d", database_url=database_url, jwt_jwks_file=jwks)
    app = create_app(settings)
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            good = issue_token(
                SigningKey(kid="sso-2026", algorithm="EdDSA", key=key), settings, subject="M1"
            )
            assert (await _me(client, good)).status_code == 200
            other = issue_token(
                SigningKey(kid="other", algorithm="EdDSA", key=key), settings, subject="M1"
            )
            response = await _me(client, other)
            assert response.status_code == 401
            assert "kid" in response.json()["detail"]


@pytest.mark.parametrize("good", [True, False], ids=["good token", "bad token"])
async def test_each_request_verifies_its_token_once(
    app, client: httpx.AsyncClient, token, settings: Settings, good: bool
) -> None:
    """Issue 20: the rate limiter and the auth middleware share one verification a request."""
    bearer = token("RO1", "returning_officer") if good else _forged(settings, "bad signature")
    verifier = app.state.token_verifier
    before = verifier.verifications
    response = await _me(client, bearer)
    assert response.status_code == (200 if good else 401)
    assert verifier.verifications - before == 1
    await _me(client, bearer)
    assert verifier.verifications - before == 2  # kept per request, not across requests
