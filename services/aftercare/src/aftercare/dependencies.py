"""What aftercare's edges (API and pages) have injected, typed as aftercare's own."""

from typing import Annotated

from fastapi import Depends, Request
from ontour.messaging.streams import CASE_KEY_BUCKET
from ontour.service import get_runtime, settings_as

from aftercare.config import Settings
from aftercare.keystore import CaseKeys


def settings(request: Request) -> Settings:
    """Aftercare's settings, for a helper that has the request at hand."""
    return settings_as(get_runtime(request), Settings)


async def case_keys(request: Request) -> CaseKeys:
    """The case-key bucket, opened once per process (only aftercare's NATS user may)."""
    state = request.app.state
    if not hasattr(state, "case_keys"):
        js = get_runtime(request).broker.connection.jetstream()
        state.case_keys = CaseKeys(await js.key_value(CASE_KEY_BUCKET))
    keys: CaseKeys = state.case_keys
    return keys


CaseKeysDep = Annotated[CaseKeys, Depends(case_keys)]
