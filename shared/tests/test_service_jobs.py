"""A service's background jobs end at shutdown even when a cancellation is lost."""

from __future__ import annotations

import asyncio
import contextlib

from ontour.service import stop_jobs


async def _loses_the_first_cancellation(started: asyncio.Event) -> None:
    # What a library's asyncio.wait_for does on Python 3.11 when the cancellation arrives as
    # the awaited work completes: the CancelledError never reaches the job, which runs on.
    started.set()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.sleep(3600)
    while True:
        await asyncio.sleep(0.01)


async def test_a_job_that_loses_a_cancellation_is_cancelled_again_until_it_ends():
    started = asyncio.Event()
    job = asyncio.create_task(_loses_the_first_cancellation(started))
    await started.wait()
    ended, unfinished = await stop_jobs([job], seconds=5)
    assert not unfinished, "one cancellation only: the job ran on"
    assert job in ended and job.cancelled()


async def test_a_job_that_never_ends_is_left_after_the_bound():
    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)

    job = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    ended, unfinished = await stop_jobs([job], seconds=0.3)
    assert unfinished == {job} and not ended
    released.set()  # the test's loop must not keep it for good
    job.cancel()
    await asyncio.wait({job})
