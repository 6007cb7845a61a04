"""The refusals of scheduling's use cases as problems (RFC 9457), for the API and the pages."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ontour.web.api import conflict
from ontour.web.problems import Problem

from scheduling.domain.session import StepRefused
from scheduling.usecases.sessions import RulesBroken
from scheduling.usecases.unit import NotFound, Refused, VersionConflict


@contextlib.contextmanager
def refusals_as_problems() -> Iterator[None]:
    try:
        yield
    except NotFound as error:
        raise Problem(404, str(error)) from None
    except VersionConflict as error:
        raise conflict(error.current) from None
    except Refused as error:
        raise Problem(409, str(error)) from None
    except StepRefused as error:
        raise Problem(409, f"Dit kan niet: {error}.") from None
    except RulesBroken as error:
        raise Problem(
            422,
            "Deze wijziging breekt een harde regel: " + " ".join(error.messages),
            invalid_params=[{"name": "sessie", "reason": m} for m in error.messages],
        ) from None
