"""What intake's endpoints share beyond the common ones (:mod:`ontour.web.api`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from ontour.contracts.intake import ORGANISATION_CODE

CbsCode = Annotated[str, Path(pattern=ORGANISATION_CODE, description="CBS-code (GMxxxx of PVxx).")]
