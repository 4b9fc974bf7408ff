#!/bin/sh
# A small subset of the official image's entrypoint: initdb on first start (skipped when the image
# already holds a data directory), trust or md5 for every host when asked, then the command.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments, as in the official image
  initdb -D "$PGDATA" -U "${POSTGRES_USER:-postgres}" --auth=trust --no-instructions ${POSTGRES_INITDB_ARGS:-}
  printf 'host all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-trust}" >> "$PGDATA/pg_hba.conf"
fi
exec "$@"
