#!/usr/bin/env bash
# The README's test command (`pnpm test`): start the services every package needs once, run
# typecheck, lint and every package's tests through turbo, then print one closing line with the
# test counts of this run. Extra arguments go to turbo (e.g. --filter=poc-redis-lock).
set -uo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
pnpm exec tsx packages/harness/src/cli/main.ts with-services -- pnpm exec turbo run typecheck lint test "$@"
status=$?
pnpm exec tsx packages/harness/src/cli/main.ts test-summary "$started"
summary=$?
[ $status -ne 0 ] && exit $status
exit $summary
