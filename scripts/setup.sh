#!/usr/bin/env bash
# Installs what aigw needs to run on a Debian machine, quietly: libsecret-1-dev (keytar's native build;
# without it the keychain is unavailable and the encrypted-file store is used), the npm packages, and the
# build. What only the tests need is installed by `npm test` (scripts/test-setup.sh).
# Installing Debian packages needs root (or sudo); without it, the script says what is missing and carries on.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
apt_install "the keychain binding's build" libsecret-1-dev

# keytar and better-sqlite3 compile from source when no prebuilt binary can be fetched: point node-gyp
# at this Node's own headers instead of letting it download them — even over a `nodedir` in .npmrc,
# which may name another Node's headers and so build modules this Node refuses to load.
node_prefix="$(dirname "$(dirname "$(command -v node)")")"
if [ -f "$node_prefix/include/node/node.h" ]; then
  export npm_config_nodedir="$node_prefix"
fi
# node-gyp compiles on every core (better-sqlite3's SQLite and its binding at once).
export JOBS=max
npm ci --no-fund --no-audit --no-update-notifier --loglevel=error
npm run build --silent
echo "aigw setup: done; bin/aigw is ready (\`npm link\` puts it on your PATH)" >&2
