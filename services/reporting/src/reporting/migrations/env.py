from ontour.db import run_migrations_env
from reporting.models import metadata

run_migrations_env(metadata)
