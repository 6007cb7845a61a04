#!/usr/bin/env bash
# One database and one login per On Tour service, least privilege:
# - the login `<service>` owns only the database `<service>` (it migrates it at start-up);
#   no superuser, no CREATEDB, no CREATEROLE, no replication;
# - CONNECT on every database is revoked from PUBLIC, so a login reaches its own
#   database only (and the maintenance databases not at all).
#
# Run by the official postgres image on its first start (/docker-entrypoint-initdb.d/),
# as the superuser over the local socket. Safe to run again (e.g. after adding a service
# or rotating passwords):
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/10-ontour-databases.sh
# Passwords: ONTOUR_DB_PASSWORD_<SERVICE> (required). Services: ONTOUR_DB_SERVICES
# (default: intake scheduling aftercare reporting; compose.yaml adds `keycloak`, so
# Keycloak gets its own database and login on the same terms).
set -euo pipefail

services="${ONTOUR_DB_SERVICES:-intake scheduling aftercare reporting}"
superuser="${POSTGRES_USER:-postgres}"
maintenance_db="${POSTGRES_DB:-$superuser}"

run_psql() {
	psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "$superuser" "$@"
}

# Check everything before changing anything.
for service in $services; do
	case "$service" in
	*[!a-z_]* | "")
		echo "invalid service name: '$service'" >&2
		exit 1
		;;
	esac
	password_var="ONTOUR_DB_PASSWORD_${service^^}"
	if [ -z "${!password_var:-}" ]; then
		echo "$password_var is not set" >&2
		exit 1
	fi
done

for service in $services; do
	password_var="ONTOUR_DB_PASSWORD_${service^^}"
	password="${!password_var}"

	# psql variables (:'name', :"name") quote the values; nothing is spliced into SQL text.
	run_psql --dbname "$maintenance_db" \
		--set=role="$service" --set=password="$password" <<-'SQL'
		SELECT format('CREATE ROLE %I', :'role')
		 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
		ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
		  NOBYPASSRLS INHERIT CONNECTION LIMIT 50 PASSWORD :'password';
		SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0',
		              :'role', :'role', 'UTF8')
		 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'role') \gexec
		ALTER DATABASE :"role" OWNER TO :"role";
		REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
		GRANT CONNECT, TEMPORARY ON DATABASE :"role" TO :"role";
	SQL
	echo "database and login ready: $service"
done

# Nobody but the superuser connects to the maintenance databases.
run_psql --dbname "$maintenance_db" <<-'SQL'
	REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
	REVOKE CONNECT ON DATABASE template1 FROM PUBLIC;
SQL
