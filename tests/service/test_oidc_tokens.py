"""ID tokens and bearer tokens checked against a real provider's published keys (oidc-provider
under node): the signature, the claims, the key-set cache refetching once on a new ``kid``
and refreshing in the background, and API bearer tokens verified through
``PLENARY_JWT_JWKS_URL`` across a key rotation."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt as pyjwt
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from litestar import Litestar

from service.settings import Settings
from service.signin.jwks import JwksCache, JwksCaches
from service.signin.oidc_client import OidcClient, OidcRefused
from service.signin.oidc_settings import OidcSettings
from tests.conftest import running, without_rate_limits
from tests.oidc_provider import CLIENT_ID, LocalProvider, local_provider, oidc_settings

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalProvider]:
    with local_provider(("A",)) as running_provider:
        yield running_provider


@pytest.fixture
def changing_provider(provider: LocalProvider) -> Iterator[LocalProvider]:
    yield provider
    provider.start(("A",))


@pytest.fixture
async def client(provider: LocalProvider) -> AsyncIterator[OidcClient]:
    async with httpx.AsyncClient() as http:
        caches = JwksCaches(http, refresh_seconds=3600)
        yield OidcClient(OidcSettings.from_env(oidc_settings(provider)), http, caches)
        await caches.close()


def id_token(key: dict[str, Any], issuer: str, **changes: Any) -> str:
    """An ID token signed with ``key`` (a private JWK), valid unless ``changes`` spoil it."""
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": CLIENT_ID,
        "sub": "alice",
        "nonce": "the-nonce",
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 600,
        "membership_number": "M00001",
    }
    header = {"alg": "RS256", "kid": key["kid"], **changes.pop("header", {})}
    claims.update(changes)
    return jwt.encode(
        header, {k: v for k, v in claims.items() if v is not None}, RSAKey.import_key(key)
    )


async def refusal(client: OidcClient, token: str, nonce: str = "the-nonce") -> str:
    with pytest.raises(OidcRefused) as refused:
        await client.check_id_token(token, nonce=nonce, now=NOW)
    return refused.value.reason


async def test_a_token_signed_by_the_providers_key_for_this_client_is_accepted(
    client: OidcClient, provider: LocalProvider
) -> None:
    claims = await client.check_id_token(
        id_token(provider.keys["A"], provider.issuer), nonce="the-nonce", now=NOW
    )
    assert claims["membership_number"] == "M00001"


async def test_a_token_signed_by_another_key_under_the_providers_kid_is_refused(
    client: OidcClient, provider: LocalProvider
) -> None:
    impostor = RSAKey.generate_key(2048, parameters={"kid": "A"}).as_dict(private=True)
    assert await refusal(client, id_token(impostor, provider.issuer)) == "token_signature"


async def test_a_token_naming_an_unknown_key_fetches_the_keys_once_then_is_refused(
    client: OidcClient, provider: LocalProvider
) -> None:
    cache = await client.keys()
    await cache.refresh()
    before = cache.fetches
    impostor = RSAKey.generate_key(2048, parameters={"kid": "Z"}).as_dict(private=True)
    token = id_token(impostor, provider.issuer)
    assert await refusal(client, token) == "token_signature"
    assert await refusal(client, token) == "token_signature"
    assert cache.fetches == before + 1  # the second within the miss interval fetches nothing


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"exp": int(NOW.timestamp()) - 3600}, "token_expired"),
        ({"aud": "another-client"}, "token_invalid"),
        ({"iss": "https://elsewhere.example"}, "token_invalid"),
        ({"sub": None}, "token_invalid"),
        ({"iat": int(NOW.timestamp()) + 3600}, "token_invalid"),
        ({"nonce": "another-nonce"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"aud": [CLIENT_ID, "another-client"]}, "token_invalid"),  # no azp naming us
    ],
)
async def test_a_token_with_a_wrong_claim_is_refused_for_that_reason(
    client: OidcClient, provider: LocalProvider, changes: dict[str, Any], reason: str
) -> None:
    assert await refusal(client, id_token(provider.keys["A"], provider.issuer, **changes)) == reason


async def test_an_unsigned_or_hmac_token_is_refused(
    client: OidcClient, provider: LocalProvider
) -> None:
    claims = {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "alice", "nonce": "the-nonce"}
    unsigned = pyjwt.encode(claims, None, algorithm="none", headers={"kid": "A"})  # type: ignore[arg-type]
    assert await refusal(client, unsigned) == "token_signature"
    hmac_token = pyjwt.encode(claims, "x" * 32, algorithm="HS256", headers={"kid": "A"})
    assert await refusal(client, hmac_token) == "token_signature"
    assert await refusal(client, "not-a-token") == "token_invalid"


async def test_unknown_kids_in_a_flood_fetch_the_keys_at_most_once_a_miss_interval(
    provider: LocalProvider,
) -> None:
    clock = [100.0]
    async with httpx.AsyncClient() as http:
        cache = JwksCache(
            provider.jwks_uri,
            http,
            refresh_seconds=3600,
            miss_seconds=10,
            monotonic=lambda: clock[0],
        )
        await cache.key_set(None)
        for kid in ("X1", "X2", "X3"):
            await cache.key_set(kid)
        assert cache.fetches == 2
        clock[0] += 10
        await cache.key_set("X4")
        assert cache.fetches == 3


async def test_the_background_refresh_learns_a_rotated_key_without_any_token(
    changing_provider: LocalProvider,
) -> None:
    async with httpx.AsyncClient() as http:
        caches = JwksCaches(http, refresh_seconds=0.05)
        cache = caches.for_url(changing_provider.jwks_uri)
        await cache.refresh()
        assert cache.kids == {"A"}
        changing_provider.rotate(("B", "A"))
        deadline = time.monotonic() + 30  # a bound against a hang, not a timing claim
        while "B" not in cache.kids:
            assert time.monotonic() < deadline, "the background refresh never fetched key B"
            await asyncio.sleep(0.05)
        await caches.close()


async def test_a_provider_down_keeps_the_keys_already_held(
    changing_provider: LocalProvider,
) -> None:
    async with httpx.AsyncClient() as http:
        cache = JwksCache(changing_provider.jwks_uri, http, refresh_seconds=3600, miss_seconds=0)
        await cache.refresh()
        changing_provider.stop()
        assert (await cache.key_set("B")).get_by_kid("A") is not None


# Bearer tokens for the API, verified against PLENARY_JWT_JWKS_URL.


@pytest.fixture
def settings(tmp_path: Path, database_url: str, provider: LocalProvider) -> Settings:
    return without_rate_limits(
        Settings(
            data_dir=tmp_path / "plenary",
            database_url=database_url,
            extra={"PLENARY_JWT_JWKS_URL": provider.jwks_uri},
        )
    )


@pytest.fixture
async def api(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="https://plenary.test") as c:
            yield c


def bearer(key: dict[str, Any], settings: Settings, subject: str = "M00003") -> dict[str, str]:
    issued = int(time.time())
    token = pyjwt.encode(
        {
            "iss": settings.jwt_issuer,
            "aud": settings.jwt_audience,
            "sub": subject,
            "iat": issued,
            "exp": issued + 300,
        },
        pyjwt.PyJWK(key).key,
        algorithm="RS256",
        headers={"kid": key["kid"]},
    )
    return {"Authorization": f"Bearer {token}"}


async def test_a_bearer_token_signed_by_a_published_key_is_accepted_across_a_rotation(
    api: httpx.AsyncClient,
    changing_provider: LocalProvider,
    settings: Settings,
    auth: Callable[..., dict[str, str]],
) -> None:
    me = await api.get("/api/v1/me", headers=bearer(changing_provider.keys["A"], settings))
    assert me.status_code == 200, me.text
    assert me.json()["subject"] == "M00003"
    changing_provider.rotate(("B",))
    me = await api.get("/api/v1/me", headers=bearer(changing_provider.keys["B"], settings))
    assert me.status_code == 200, me.text
    assert (await api.get("/api/v1/me", headers=auth("M00004"))).status_code == 200  # pinned


async def test_a_bearer_token_from_an_unpublished_key_is_refused(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "Q"}).as_dict(private=True)
    refused = await api.get("/api/v1/me", headers=bearer(stranger, settings))
    assert refused.status_code == 401
    assert "names no key" in refused.text
