from ontour.db import run_migrations_env
from scheduling.models import metadata

run_migrations_env(metadata)
