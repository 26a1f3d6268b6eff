"""Behind the bundled nginx, every client has a per-address casting limit of its own (issue 19).

In the compose deployment every connection reaches the app from the proxy. Unless the app
believes the proxy's ``X-Forwarded-For`` (``PLENARY_TRUSTED_PROXIES``, which ``plenary serve``
also hands to uvicorn), the per-address limit counts the whole election as one client. Here
real nginx (Debian's) runs ``deploy/nginx/plenary.conf.template`` in front of a real
``plenary serve``; two clients connect from two loopback addresses; the limit is 3 casts.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from service.settings import Settings
from tests.deploy.nginx import nginx_in_front
from tests.faults.fleet import fleet, prepared, tokens, wait_until_ready
from tests.faults.workload import set_up

# nginx connects to the app from 127.0.0.1; clients connect to nginx from other loopback
# addresses, which nothing trusts.
PROXY_ONLY = {
    "PLENARY_TRUSTED_PROXIES": "127.0.0.1",
    "PLENARY_CAST_RATE_PER_ADDRESS": "3",
    # One window for the whole test, so no window boundary falls inside it.
    "PLENARY_RATE_WINDOW": "31536000",
}


def _client(base_url: str, address: str) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=10)


async def test_each_client_behind_nginx_has_its_own_cast_limit(
    settings: Settings, tmp_path: Path
) -> None:
    settings = await prepared(settings)
    auth = tokens(settings)
    with fleet(settings, 1, tmp_path / "service.log", PROXY_ONLY) as group:
        await wait_until_ready(group)
        async with httpx.AsyncClient(base_url=group.urls[0], timeout=10) as direct:
            setting = await set_up(direct, auth, members=12)
        upstream = group.urls[0].removeprefix("http://")
        with nginx_in_front(upstream) as proxy:
            cast = f"/api/v1/contests/{setting.contest}/ballots"

            async def vote(client: httpx.AsyncClient, member: str, **headers: str) -> int:
                r = await client.post(
                    cast, json={"choice": "for"}, headers={**auth(member), **headers}
                )
                return r.status_code

            async with _client(proxy, "127.0.0.2") as a, _client(proxy, "127.0.0.3") as b:
                assert [await vote(a, f"K{n:04d}") for n in (1, 2, 3)] == [201, 201, 201]
                assert await vote(a, "K0004") == 429
                # Another client behind the same proxy still has its whole allowance.
                assert [await vote(b, f"K{n:04d}") for n in (5, 6)] == [201, 201]
                # The edge proxy replaces what a client claims: naming itself someone else
                # does not give client A another allowance.
                assert await vote(a, "K0007", **{"X-Forwarded-For": "198.51.100.9"}) == 429
            # Straight to the app from client A's address, a claimed address is not believed
            # either: A's allowance is still spent.
            async with _client(group.urls[0], "127.0.0.2") as sneak:
                assert await vote(sneak, "K0008", **{"X-Forwarded-For": "198.51.100.9"}) == 429
