from aftercare.models import metadata
from ontour.db import run_migrations_env

run_migrations_env(metadata)
