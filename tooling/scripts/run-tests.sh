#!/usr/bin/env bash
# The README's test command (`pnpm test`): start the services every package needs once, run
# typecheck, lint and every package's tests through turbo, validate and build the catalog, then print
# one closing line with the test counts of this run. Extra arguments go to turbo (e.g. --filter=poc-redis-lock).
set -uo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
# Two tasks at a time by default: the suites share five real servers and two cores, and more parallel
# suites only trade wall time for timeouts. POC_TEST_CONCURRENCY=N changes it.
# Results depend on the Node major, which turbo does not hash by itself: make it part of the key.
POC_NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
export POC_NODE_MAJOR
node --import tsx packages/harness/src/cli/main.ts with-services -- \
  pnpm exec turbo run typecheck lint lint:workflows format:check test --summarize --concurrency="${POC_TEST_CONCURRENCY:-2}" "$@"
status=$?
# The catalog: every POC checked against POC_STANDARD.md (non-zero on any error), then the static
# page and catalog.json built into apps/catalog/dist.
pnpm --silent --filter @poc/catalog validate
validate=$?
pnpm --silent --filter @poc/catalog build
build=$?
[ $status -eq 0 ] && [ $validate -ne 0 ] && status=$validate
[ $status -eq 0 ] && [ $build -ne 0 ] && status=$build
node --import tsx packages/harness/src/cli/main.ts test-summary "$started"
summary=$?
[ $status -ne 0 ] && exit $status
exit $summary
