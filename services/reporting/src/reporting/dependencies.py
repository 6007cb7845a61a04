"""What reporting's edges (API and pages) have injected, typed as reporting's own."""

from typing import Annotated

from ontour.service import settings_of

from reporting.config import Settings

SettingsDep = Annotated[Settings, settings_of(Settings)]
