#!/bin/sh
# A small subset of the official image's entrypoint: initdb on first start (skipped when the image
# already holds a data directory), POSTGRES_PASSWORD set for the superuser and POSTGRES_HOST_AUTH_METHOD
# (trust, md5 or scram-sha-256) required of every TCP client, then the command.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
user="${POSTGRES_USER:-postgres}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments, as in the official image
  initdb -D "$PGDATA" -U "$user" --auth=trust --no-instructions ${POSTGRES_INITDB_ARGS:-}
fi
# The image's data directory was made at build time: the password and the host rule are set per container.
if [ -n "${POSTGRES_PASSWORD:-}" ]; then
  printf "ALTER ROLE \"%s\" PASSWORD '%s';\n" "$user" "$POSTGRES_PASSWORD" | postgres --single -D "$PGDATA" -j postgres >/dev/null
fi
sed -i '/^host all all all /d' "$PGDATA/pg_hba.conf"
printf 'host all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-trust}" >> "$PGDATA/pg_hba.conf"
exec "$@"
