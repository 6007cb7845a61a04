#!/usr/bin/env sh
# Fill every empty secret in an env file (default: .env) with a random 64-character hex
# value; values already set are kept. That covers Keycloak too: KEYCLOAK_ADMIN_PASSWORD,
# ONTOUR_DB_PASSWORD_KEYCLOAK, ONTOUR_DEMO_PASSWORD (the demo users' first password;
# 64 characters meet the realm's password policy) and ONTOUR_OIDC_CLIENT_SECRET, which
# the realm import registers for the client `ontour`. Usage:
#   cp .env.example .env && deploy/compose/new-env.sh .env
set -eu

file="${1:-.env}"
if [ ! -f "$file" ]; then
	echo "no such file: $file (copy .env.example first)" >&2
	exit 1
fi

random_hex() {
	od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
}

# A Fernet-style key: 32 random bytes, url-safe base64.
random_key() {
	head -c 32 /dev/urandom | base64 | tr '+/' '-_'
}

tmp="$(mktemp "${file}.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
while IFS= read -r line || [ -n "$line" ]; do
	case "$line" in
	*_MASTER_KEYS=)
		printf '%s%s\n' "$line" "$(random_key)"
		;;
	*_PASSWORD= | *_SECRET_KEY= | *_SECRET= | *_PASSWORD_*=)
		printf '%s%s\n' "$line" "$(random_hex)"
		;;
	*)
		printf '%s\n' "$line"
		;;
	esac
done <"$file" >"$tmp"
chmod 600 "$tmp"
mv "$tmp" "$file"
trap - EXIT
echo "secrets filled in $file"
