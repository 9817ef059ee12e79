#!/usr/bin/env bash
# Builds, then runs every test with Node's test runner. Where a Secret Service can be started
# (dbus + gnome-keyring), the whole run happens inside a throwaway, unlocked one, so the keychain tests
# use a real keychain; in CI they fail rather than skip when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${AIGW_TEST_BUILT:-}" ] || npm run build --silent
export AIGW_TEST_BUILT=1

if [ -z "${AIGW_TEST_KEYCHAIN:-}" ] && command -v dbus-run-session >/dev/null 2>&1 \
   && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  exec bash .ci/keyring-session.sh bash "$0" "$@"
fi

mapfile -t files < <(find dist/test -name '*.test.js' | sort)
exec node --test --test-concurrency=2 "${files[@]}"
