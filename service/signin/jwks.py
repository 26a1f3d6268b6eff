"""A provider's published signing keys (a JWK Set, RFC 7517 §5), fetched and kept fresh.

One :class:`JwksCache` per ``jwks_uri``: the OpenID Connect sign-in and the bearer-token check
(``PLENARY_JWT_JWKS_URL``) share it when they name the same address. The keys are refreshed in
the background every ``refresh_seconds``; a token whose ``kid`` the cache does not know makes
it fetch once more at once (a provider that rotated its key between two refreshes locks no one
out and needs no restart), but at most once per ``miss_seconds``, so a flood of tokens naming
made-up key ids cannot make Plenary hammer the provider. A failed fetch keeps the keys it had.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any, Final

import httpx
from joserfc.jwk import KeySet

__all__ = ["JwksCache", "JwksCaches", "JwksUnavailable"]

_log = logging.getLogger("plenary.jwks")

MISS_SECONDS: Final = 10.0
_FETCH_TIMEOUT: Final = 10.0


class JwksUnavailable(Exception):
    """The key set could not be fetched and none is held."""


class JwksCache:
    """The keys at ``url``. ``key_set(kid)`` answers from memory unless ``kid`` is unknown.

    ``monotonic`` is injectable so tests can move time; cost of a hit: one dict lookup.
    """

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        *,
        refresh_seconds: float,
        miss_seconds: float = MISS_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.refresh_seconds = refresh_seconds
        self._client = client
        self._miss_seconds = miss_seconds
        self._monotonic = monotonic
        self._keys: KeySet | None = None
        self._raw: dict[str, dict[str, Any]] = {}
        self._last_miss_fetch: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0
        """How many times the set was fetched (tests and metrics read it)."""

    @property
    def kids(self) -> frozenset[str]:
        """The key ids held now."""
        return frozenset(self._raw)

    def jwk(self, kid: str) -> Mapping[str, Any] | None:
        """The public JWK with ``kid`` as published, or None."""
        return self._raw.get(kid)

    async def refresh(self) -> None:
        """Fetch the set now; on failure keep what is held and raise ``JwksUnavailable``."""
        async with self._lock:
            try:
                answer = await self._client.get(self.url, timeout=_FETCH_TIMEOUT)
                answer.raise_for_status()
                document = answer.json()
                keys = [k for k in document["keys"] if isinstance(k, dict) and k.get("kid")]
                key_set = KeySet.import_key_set({"keys": keys})
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                _log.warning("signing keys not fetched from %s: %s", self.url, type(exc).__name__)
                raise JwksUnavailable(self.url) from None
            self._keys = key_set
            self._raw = {str(k["kid"]): k for k in keys}
            self.fetches += 1

    async def key_set(self, kid: str | None) -> KeySet:
        """The keys to verify a token whose header names ``kid``: fetched first if none are
        held, or fetched again once if ``kid`` is not among them."""
        if self._keys is None:
            await self.refresh()
        elif kid is not None and kid not in self._raw:
            now = self._monotonic()
            if self._last_miss_fetch is None or now - self._last_miss_fetch >= self._miss_seconds:
                self._last_miss_fetch = now
                _log.info("unknown signing key id: fetching the provider's keys again")
                # on failure the token fails for its unknown key, with the keys we hold
                with suppress(JwksUnavailable):
                    await self.refresh()
        if self._keys is None:  # refresh() either sets the keys or raises
            raise JwksUnavailable(self.url)
        return self._keys

    async def run(self, stop: asyncio.Event) -> None:
        """Refresh every ``refresh_seconds`` until ``stop`` is set."""
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.refresh_seconds)
            except TimeoutError:
                with suppress(JwksUnavailable):  # logged; the next round tries again
                    await self.refresh()


class JwksCaches:
    """One cache per key-set address, sharing one HTTP client and one refresh interval."""

    def __init__(self, client: httpx.AsyncClient, refresh_seconds: float) -> None:
        self._client = client
        self._refresh_seconds = refresh_seconds
        self._caches: dict[str, JwksCache] = {}
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def for_url(self, url: str) -> JwksCache:
        """The cache for ``url`` (made, and refreshed in the background, on first use)."""
        cache = self._caches.get(url)
        if cache is None:
            cache = JwksCache(url, self._client, refresh_seconds=self._refresh_seconds)
            self._caches[url] = cache
            self._tasks.append(asyncio.create_task(cache.run(self._stop), name="jwks-refresh"))
        return cache

    async def close(self) -> None:
        """Stop the background refreshes."""
        self._stop.set()
        for task in self._tasks:
            await task
