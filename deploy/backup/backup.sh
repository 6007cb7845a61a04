#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Back up On Tour: every service database and every JetStream stream.
#
#   deploy/backup/backup.sh [NAME]
#
# Writes $ONTOUR_BACKUP_DIR/NAME/ (NAME defaults to the UTC time, e.g. 20260301T020000Z):
#   postgres/<service>.dump     pg_dump, custom format (restore with pg_restore)
#   postgres/<service>.counts   exact row count per table, from the same snapshot
#   jetstream/<STREAM>/         backup.json (configuration, state) + stream.tar.s2 (the
#                               JetStream snapshot), no consumers; never the case keys
#                               nor the sessions (see lib.sh)
#   MANIFEST.txt, SHA256SUMS
#
# Order matters: the databases first, then the streams. Every event an outbox marked as
# sent in the dump is then in the stream backup. Consumer positions are not kept: after
# a restore the services re-read the streams and their inboxes skip what they applied.
#
# Modes and settings: see lib.sh (ONTOUR_BACKUP_MODE=compose|local, ONTOUR_BACKUP_DIR;
# ONTOUR_BACKUP_STREAMS=0 leaves out the streams). Compose mode needs the stack running.
# Requires psql 16 or newer (the postgres:18 image in compose mode).
set -euo pipefail

# shellcheck source=lib.sh
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
resolve_backup_dir

name="${1:-$(date -u +%Y%m%dT%H%M%SZ)}"
case "$name" in
*/* | .* | "") die "invalid backup name: '$name'" ;;
esac
target="$ONTOUR_BACKUP_DIR/$name"
[ -e "$target" ] && die "$target already exists"
mkdir -p "$target/postgres" "$target/jetstream"
log "backup $name -> $target ($mode)"

# One database: dump it inside a REPEATABLE READ transaction whose snapshot pg_dump
# shares (--snapshot), and count its rows in that same snapshot, so the counts are those
# of the dump even while the services keep writing.
backup_database() {
	local db="$1" dump
	dump="$(tool_path "$name/postgres/$db.dump")"
	{
		cat <<-'SQL'
			BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
			SELECT pg_export_snapshot() AS ontour_snapshot \gset
			\setenv ONTOUR_SNAPSHOT :ontour_snapshot
			\setenv ONTOUR_DUMP_DB :ontour_db
			\setenv ONTOUR_DUMP_FILE :ontour_dump_file
			\! pg_dump --format=custom --no-password --snapshot="$ONTOUR_SNAPSHOT" --dbname="$ONTOUR_DUMP_DB" --file="$ONTOUR_DUMP_FILE"
			\if :SHELL_ERROR
			DO $$ BEGIN RAISE EXCEPTION 'pg_dump failed'; END $$;
			\endif
		SQL
		cat "$backup_lib_dir/table-counts.sql"
		echo 'COMMIT;'
	} | pg psql --no-psqlrc --quiet --no-align --tuples-only \
		--field-separator="$(printf '\t')" --set=ON_ERROR_STOP=1 \
		--set=ontour_db="$db" --set=ontour_dump_file="$dump" --dbname="$db" \
		>"$target/postgres/$db.counts"
	# The dump must be readable by pg_restore, or this is no backup.
	pg pg_restore --list "$dump" >/dev/null
	log "  postgres/$db: $(wc -l <"$target/postgres/$db.counts") tables"
}

for db in "${ONTOUR_SERVICES[@]}"; do
	backup_database "$db"
done

if streams_enabled; then
	backup_streams "$name"
	for stream in "${ONTOUR_STREAMS[@]}"; do
		position="$(stream_position <"$target/jetstream/$stream/backup.json")"
		[ "${position#*\?}" = "$position" ] || die "no stream state in jetstream/$stream/backup.json"
		log "  jetstream/$stream: ${position%/*} messages, last sequence ${position#*/}"
	done
else
	log "  streams skipped (ONTOUR_BACKUP_STREAMS=0)"
fi

{
	echo "name: $name"
	echo "created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "mode: $mode"
	echo "databases: ${ONTOUR_SERVICES[*]}"
	if streams_enabled; then
		echo "streams: ${ONTOUR_STREAMS[*]}"
	else
		echo "streams:"
	fi
	echo "pg_dump: $(pg pg_dump --version)"
} >"$target/MANIFEST.txt"

if command -v sha256sum >/dev/null 2>&1; then
	sums="$(cd "$target" && find . -type f -print0 | sort -z | xargs -0 sha256sum)"
	printf '%s\n' "$sums" >"$target/SHA256SUMS"
fi

log "backup complete: $target"
echo "$target"
