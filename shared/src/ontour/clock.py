"""The Netherlands' calendar: "today" for rules such as "not held in the future".

``ONTOUR_TODAY`` (an ISO date) sets the day for every process that inherits it: a demo or a
test runs the tour as it would be on another day (timestamps stay real; only "today" moves).
"""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
OVERRIDE = "ONTOUR_TODAY"


def today() -> date:
    fixed = os.environ.get(OVERRIDE)
    return date.fromisoformat(fixed) if fixed else datetime.now(AMSTERDAM).date()
