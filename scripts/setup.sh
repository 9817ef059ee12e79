#!/usr/bin/env bash
# Installs what aigw and its test suite need on a Debian machine, then the npm packages.
#   - libsecret-1-dev: keytar's native build (without it the keychain is unavailable and the encrypted
#     file store is used);
#   - dbus, gnome-keyring: a real Secret Service for the keychain tests;
#   - tmux: the interactive (hidden prompt) tests;
#   - bash-completion, zsh, fish: the shell completion tests run in each real shell;
#   - man-db, groff-base: the man page test renders it and fails on any groff warning;
#   - wrk: the load generator `npm run bench` prefers (autocannon, a devDependency, stands in without it).
# Then the npm packages, and the other supported Node versions the test suite also runs on
# (scripts/other-nodes.sh, from the npm registry into .cache/).
# Installing needs root (or sudo); without it, the script says what is missing and carries on.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(libsecret-1-dev dbus gnome-keyring tmux bash-completion zsh fish man-db groff-base wrk)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo -n)
    echo "aigw setup: installing ${missing[*]}" >&2
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "aigw setup: please install ${missing[*]} (the keychain and terminal tests need them)" >&2
  fi
fi

# keytar and better-sqlite3 compile from source when no prebuilt binary can be fetched: point node-gyp
# at this Node's own headers instead of letting it download them — even over a `nodedir` in .npmrc,
# which may name another Node's headers and so build modules this Node refuses to load.
node_prefix="$(dirname "$(dirname "$(command -v node)")")"
if [ -f "$node_prefix/include/node/node.h" ]; then
  export npm_config_nodedir="$node_prefix"
fi
npm ci
bash scripts/other-nodes.sh install
