"""What scheduling's edges (API and pages) have injected, typed as scheduling's own."""

from typing import Annotated

from ontour.service import settings_of

from scheduling.config import Settings

SettingsDep = Annotated[Settings, settings_of(Settings)]
