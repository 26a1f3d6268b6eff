"""Take the timetabled steps that are due, as the app's due work runner would, in a test.

Reads never take these steps (a GET never writes); ``service.due_work`` does, about once a
second. A test that moves a time into the past, or publishes a result something waits on, calls
:func:`settle` instead of waiting for the app's runner: it runs a round of its own and then
waits until nothing is due (the app's runner may be holding a row at that moment).
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy.ext.asyncio import create_async_engine

from service.due_work import BACKGROUND_WORKS, WORKS, DueWorkRunner, Step

HANG = 60.0  # seconds: only a runner that never acts takes this long


async def settle(database_url: str) -> list[Step]:
    """Every step due now, taken; the steps this call took (the app's runner may take some)."""
    engine = create_async_engine(database_url, pool_size=1)
    try:
        runner = DueWorkRunner(engine, (*WORKS, *BACKGROUND_WORKS))
        taken: list[Step] = []
        deadline = time.monotonic() + HANG
        while True:
            taken += await runner.tick()
            failed = [step for step in taken if not step.done]
            assert not failed, f"due steps failed: {failed}"
            async with engine.connect() as connection:
                pending = [
                    work.what
                    for work in (*WORKS, *BACKGROUND_WORKS)
                    if await connection.scalar(work.due().limit(1)) is not None
                ]
            if not pending:
                return taken
            assert time.monotonic() < deadline, f"due work never settled: {pending}"
            await asyncio.sleep(0.05)
    finally:
        await engine.dispose()
