#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Restore drill: restore a backup into a FRESH stack and check that nothing is missing.
#
#   deploy/backup/restore-drill.sh NAME
#
# 1. verifies the checksums (SHA256SUMS);
# 2. starts a separate, empty compose project (ONTOUR_DRILL_PROJECT, default
#    ontour-restore-drill) with only PostgreSQL and NATS; its first start creates the
#    logins and empty databases (deploy/postgres/init/), as in production;
# 3. restores every database (pg_restore) and every backed-up stream (`nats stream
#    restore`, locally `ontour streams restore`); the case keys and the sessions are never
#    in a backup (lib.sh): the live case-key bucket is left as it is, so a case erased
#    after the backup stays erased;
# 4. compares the row count of every table, and the message count and last sequence of
#    every stream, with those recorded at backup time;
# 5. starts the streams job and the four services on the restored data and waits until
#    they are healthy (they migrate forward if the backup is older than the code);
# 6. removes the drill project and its volumes (ONTOUR_DRILL_KEEP=1 keeps them).
# The production stack is not touched; the drill publishes no fixed host ports.
#
# ONTOUR_BACKUP_MODE=local restores into the PostgreSQL server and NATS server the usual
# environment variables point at (see lib.sh); it creates the logins and databases with
# deploy/postgres/init/10-ontour-databases.sh (ONTOUR_DB_PASSWORD_* required), refuses a
# database that already has tables and a stream that already holds messages, runs
# `ontour streams ensure` after the restore instead of step 5 (the buckets never in a
# backup come back empty, or stay as they are). ONTOUR_BACKUP_STREAMS=0 skips the streams.
# Exit status 0 only if every count matches.
set -euo pipefail

# shellcheck source=lib.sh
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
resolve_backup_dir

name="${1:-}"
[ -n "$name" ] || die "usage: $0 NAME (a directory in $ONTOUR_BACKUP_DIR)"
source_dir="$ONTOUR_BACKUP_DIR/$name"
[ -d "$source_dir/postgres" ] || die "no backup at $source_dir"

if [ -f "$source_dir/SHA256SUMS" ] && command -v sha256sum >/dev/null 2>&1; then
	(cd "$source_dir" && sha256sum --quiet --check SHA256SUMS) || die "checksums do not match"
	log "checksums ok"
fi

if [ "$mode" = compose ]; then
	project="${ONTOUR_DRILL_PROJECT:-ontour-restore-drill}"
	[ "$project" != ontour ] || die "the drill never runs in the production project"
	compose_cmd+=(-p "$project")
	# One NATS server, one instance, and host ports chosen by Docker: the drill runs next
	# to the production stack without clashing with it.
	export COMPOSE_PROFILES="" NATS_CONFIG=nats.conf NATS_STREAM_REPLICAS=1 ONTOUR_REPLICAS=1
	export ONTOUR_PUBLISH_ADDRESS=127.0.0.1 NATS_MONITOR_HOST_PORT=0 ONTOUR_HTTP_HOST_PORT=0
	export GRAFANA_HOST_PORT=0 JAEGER_HOST_PORT=0 PROMETHEUS_HOST_PORT=0
	cleanup() {
		if [ "${ONTOUR_DRILL_KEEP:-0}" = 1 ]; then
			log "drill project kept: docker compose -p $project down --volumes"
		else
			"${compose_cmd[@]}" down --volumes --remove-orphans >&2 || true
		fi
	}
	trap cleanup EXIT
	log "fresh stack: project $project"
	"${compose_cmd[@]}" up --detach --wait postgres nats >&2
else
	log "local: creating logins and databases"
	POSTGRES_USER="${PGUSER:-postgres}" POSTGRES_DB="${PGDATABASE:-postgres}" \
		bash "$repo_root/deploy/postgres/init/10-ontour-databases.sh" >&2
fi

failures=0

restore_database() {
	local db="$1" dump existing restored expected
	dump="$(tool_path "$name/postgres/$db.dump")"
	existing="$(table_counts "$db")"
	[ -z "$existing" ] || die "database $db is not empty: the drill restores into a fresh one"
	pg pg_restore --exit-on-error --single-transaction --no-password --dbname="$db" "$dump"
	# Into variables first: a failing count must stop the drill, not compare as empty.
	restored="$(table_counts "$db")"
	expected="$(cat "$source_dir/postgres/$db.counts")"
	if [ "$restored" = "$expected" ]; then
		log "  postgres/$db: $(grep -c . <<<"$expected" || true) tables, counts match"
	else
		log "  postgres/$db: COUNTS DIFFER (< restored, > backup)"
		diff <(printf '%s\n' "$restored") <(printf '%s\n' "$expected") >&2 || true
		failures=$((failures + 1))
	fi
}

# Every stream as it is after the restore, compared with its state in the backup.
check_streams() {
	local restored="$1" stream expected actual
	for stream in "${ONTOUR_STREAMS[@]}"; do
		expected="$(stream_position <"$source_dir/jetstream/$stream/backup.json")"
		actual="$(sed -n "s/^$stream //p" <<<"$restored")"
		if [ -z "$actual" ]; then
			log "  jetstream/$stream: RESTORE FAILED"
			failures=$((failures + 1))
		elif [ "$actual" = "$expected" ]; then
			log "  jetstream/$stream: ${actual%/*} messages, last sequence ${actual#*/}, as in the backup"
		else
			log "  jetstream/$stream: STREAM DIFFERS: messages/last sequence $actual, backup has $expected"
			failures=$((failures + 1))
		fi
	done
}

for db in "${ONTOUR_SERVICES[@]}"; do
	restore_database "$db"
done
if streams_enabled; then
	# A failing restore is reported per stream below, not here.
	check_streams "$(restore_streams "$name" || true)"
	if [ "$failures" -eq 0 ] && [ "$mode" = local ]; then
		# What no backup holds: the buckets (an empty session bucket, the case-key bucket
		# if it is gone too); and every stream brought in line with this version's
		# definition. In compose the streams job does this before the services start.
		ontour_streams ensure --replicas "${NATS_STREAM_REPLICAS:-1}" >&2
		log "  streams ensured (buckets that are never in a backup created where missing)"
	fi
fi

if [ "$failures" -eq 0 ] && [ "$mode" = compose ] && [ "${ONTOUR_DRILL_SERVICES:-1}" != 0 ]; then
	log "starting the services on the restored data"
	"${compose_cmd[@]}" up --detach --wait "${ONTOUR_SERVICES[@]}" >&2
	log "  services healthy"
fi

if [ "$failures" -ne 0 ]; then
	die "restore drill of $name FAILED: $failures difference(s)"
fi
log "restore drill of $name passed"
