#!/usr/bin/env bash
# The README's test command (`pnpm test`): start the services every package needs once, run
# typecheck, lint and every package's tests through turbo, then print one closing line with the
# test counts of this run. Extra arguments go to turbo (e.g. --filter=poc-redis-lock).
set -uo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
npx tsx packages/harness/src/cli/main.ts with-services -- npx turbo run typecheck lint test "$@"
status=$?
npx tsx packages/harness/src/cli/main.ts test-summary "$started"
summary=$?
[ $status -ne 0 ] && exit $status
exit $summary
