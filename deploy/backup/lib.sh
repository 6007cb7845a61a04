# shellcheck shell=bash
# Shared by backup.sh and restore-drill.sh: what to back up, and how to run the tools.
#
# ONTOUR_BACKUP_MODE=compose (default): PostgreSQL and NATS tools run in the compose
#   stack's `pg-tools` and `nats-cli` containers (profile `tools`, see compose.yaml); the
#   backup directory is mounted there as /backups.
# ONTOUR_BACKUP_MODE=local: psql, pg_dump and pg_restore from PATH, and for the streams
#   `ontour streams backup|restore` (the JetStream snapshot API from Python; no NATS
#   command-line tool installs from the registries we use; ONTOUR_CLI names another
#   `ontour`), configured by their usual environment (PGHOST, PGPORT, PGUSER, PGPASSWORD;
#   NATS_URL, NATS_USER, NATS_PASSWORD), e.g. in a Kubernetes CronJob (the service image has
#   `ontour`) or on an operator's machine.
# Both modes write a stream's backup the same way: backup.json and stream.tar.s2.

# Keep in step with the backbone (tests/deploy checks both lists): one database per
# service, one stream per producing service plus the dead letters and the audit anchors
# (a restored audit trail is verified against them). Deliberately NOT backed up (see
# ontour.messaging.backup): the key-value buckets KV_ontour_case_keys (aftercare's case
# keys: an erased case must stay erased after restoring an older backup) and
# KV_ontour_sessions (short-lived browser sessions; everyone signs in again).
# shellcheck disable=SC2034 # used by the scripts that source this file
ONTOUR_SERVICES=(intake scheduling aftercare reporting)
# shellcheck disable=SC2034
ONTOUR_STREAMS=(ONTOUR_AFTERCARE ONTOUR_INTAKE ONTOUR_SCHEDULING ONTOUR_DEADLETTERS ONTOUR_AUDIT_ANCHORS)

backup_lib_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$backup_lib_dir/../.." && pwd)"
mode="${ONTOUR_BACKUP_MODE:-compose}"
case "$mode" in
compose | local) ;;
*)
	echo "ONTOUR_BACKUP_MODE must be compose or local, not '$mode'" >&2
	exit 2
	;;
esac

log() {
	printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2
}

die() {
	log "ERROR: $*"
	exit 1
}

# The backup root: ONTOUR_BACKUP_DIR from the environment, else from .env, else the
# default of compose.yaml. Relative paths are relative to the repository (as in compose).
resolve_backup_dir() {
	local dir="${ONTOUR_BACKUP_DIR:-}"
	if [ -z "$dir" ] && [ -f "$repo_root/.env" ]; then
		dir="$(sed -n 's/^ONTOUR_BACKUP_DIR=//p' "$repo_root/.env" | tail -n 1)"
	fi
	dir="${dir:-./deploy/backup/data}"
	case "$dir" in
	/*) ;;
	*) dir="$repo_root/${dir#./}" ;;
	esac
	mkdir -p "$dir"
	# Compose mounts the same directory into the tool containers.
	ONTOUR_BACKUP_DIR="$(cd "$dir" && pwd)"
	export ONTOUR_BACKUP_DIR
}

# The tool containers write into the backup directory as the calling user.
if [ "$mode" = compose ]; then
	ONTOUR_BACKUP_USER="${ONTOUR_BACKUP_USER:-$(id -u):$(id -g)}"
	export ONTOUR_BACKUP_USER
fi

# The compose command; restore-drill.sh points it at a separate project.
compose_cmd=(docker compose --project-directory "$repo_root" -f "$repo_root/compose.yaml")

# A path below the backup root as the tools see it.
tool_path() {
	if [ "$mode" = compose ]; then
		printf '/backups/%s' "$1"
	else
		printf '%s/%s' "$ONTOUR_BACKUP_DIR" "$1"
	fi
}

# Run a PostgreSQL client program (psql, pg_dump, pg_restore); stdin is passed on.
pg() {
	if [ "$mode" = compose ]; then
		"${compose_cmd[@]}" run --rm -T pg-tools "$@"
	else
		"$@"
	fi
}

# Run the nats CLI as the `ops` user (compose only: the nats-cli tool container).
nats_cli() {
	"${compose_cmd[@]}" run --rm -T nats-cli "$@"
}

# Run `ontour streams ...` (local only) against NATS_URL as NATS_USER.
ontour_streams() {
	local url=()
	[ -z "${NATS_URL:-}" ] || url=(--nats-url "$NATS_URL")
	"${ONTOUR_CLI:-ontour}" streams "$@" "${url[@]}"
}

# Back up every stream of ONTOUR_STREAMS (messages, no consumers) into jetstream/<STREAM>/
# of the backup NAME: the nats CLI per stream in compose, one `ontour streams backup` locally.
backup_streams() {
	local name="$1" stream
	if [ "$mode" = compose ]; then
		for stream in "${ONTOUR_STREAMS[@]}"; do
			nats_cli stream backup --no-progress --no-consumers "$stream" \
				"$(tool_path "$name/jetstream/$stream")" >&2
		done
	else
		ontour_streams backup "$ONTOUR_BACKUP_DIR/$name/jetstream" "${ONTOUR_STREAMS[@]}" >&2
	fi
}

# Restore every stream of the backup NAME into a server that does not have them yet. Prints
# "STREAM MESSAGES/LAST_SEQ" for each stream restored, as the server then reports it; a
# stream that could not be restored is missing from the output (the reason is on stderr).
restore_streams() {
	local name="$1" stream messages last_seq replicas="${NATS_STREAM_REPLICAS:-1}"
	if [ "$mode" = compose ]; then
		for stream in "${ONTOUR_STREAMS[@]}"; do
			nats_cli stream restore --no-progress --replicas "$replicas" \
				"$(tool_path "$name/jetstream/$stream")" >&2 || continue
			printf '%s %s\n' "$stream" "$(nats_cli stream info "$stream" --json | stream_position)"
		done
	else
		ontour_streams restore --replicas "$replicas" "$ONTOUR_BACKUP_DIR/$name/jetstream" \
			"${ONTOUR_STREAMS[@]}" | while IFS="$(printf '\t')" read -r stream messages last_seq; do
			printf '%s %s/%s\n' "$stream" "$messages" "$last_seq"
		done
	fi
}

# Messages and last sequence ("N/SEQ") of a stream's JSON (stream info, or backup.json).
stream_position() {
	local json messages last_seq
	json="$(cat)"
	messages="$(json_messages <<<"$json" || true)"
	last_seq="$(json_last_seq <<<"$json" || true)"
	printf '%s/%s' "${messages:-?}" "${last_seq:-?}"
}

# Exact row counts of one database (see table-counts.sql).
table_counts() {
	pg psql --no-psqlrc --quiet --no-align --tuples-only --field-separator="$(printf '\t')" \
		--set=ON_ERROR_STOP=1 --dbname="$1" <"$backup_lib_dir/table-counts.sql"
}

# The message count in a stream's JSON (`nats stream info --json`, or the backup.json a
# stream backup writes): the first "messages" field is the state's.
json_messages() {
	grep -o '"messages": *[0-9]*' | head -n 1 | grep -o '[0-9]*$'
}

# Its last sequence: a restore must end where the backup ended, not just hold as many.
json_last_seq() {
	grep -o '"last_seq": *[0-9]*' | head -n 1 | grep -o '[0-9]*$'
}

streams_enabled() {
	[ "${ONTOUR_BACKUP_STREAMS:-1}" != 0 ]
}
