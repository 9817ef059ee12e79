#!/usr/bin/env bash
# Builds, installs what only the tests need (scripts/test-setup.sh: nothing when it is there already), then
# runs every test with Node's test runner, on this Node and then on the other supported versions
# (scripts/other-nodes.sh; `--this-node-only` skips those). Where a Secret Service can be started
# (dbus + gnome-keyring), the whole run happens inside a throwaway, unlocked one, so the keychain tests
# use a real keychain; in CI they fail rather than skip when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${AIGW_TEST_BUILT:-}" ]; then
  npm run build --silent
  bash scripts/test-setup.sh "$([ "${1:-}" = --this-node-only ] || echo all)"
fi
export AIGW_TEST_BUILT=1

if [ -z "${AIGW_TEST_KEYCHAIN:-}" ] && command -v dbus-run-session >/dev/null 2>&1 \
   && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  exec bash .ci/keyring-session.sh bash "$0" "$@"
fi

mapfile -t files < <(find dist/test -name '*.test.js' | sort)
# A test stuck for 5 minutes fails, and a file whose tests are done exits even if something it started
# still holds its event loop: either would otherwise hang the run instead of failing it. Four files at once,
# even on 2 cores: each spends much of its time waiting on the daemons, CLIs and timers it started, and the
# files share nothing (each has its own homes, ports and PostgreSQL cluster).
status=0
echo "aigw test: the suite on Node $(node --version)" >&2
node --test --test-concurrency=4 --test-timeout=300000 --test-force-exit "${files[@]}" || status=$?
# Then the same suite on the other supported Node versions (see other-nodes.sh).
[ "${1:-}" = --this-node-only ] || bash scripts/other-nodes.sh test || status=1
exit "$status"
