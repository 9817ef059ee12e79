#!/usr/bin/env bash
# What only the test suite needs, installed by `npm test` (scripts/test.sh) the first time and skipped
# after that:
#   - dbus, gnome-keyring: a real Secret Service for the keychain tests;
#   - tmux: the interactive (hidden prompt) tests;
#   - bash-completion, zsh, fish: the shell completion tests run in each real shell;
#   - man-db, groff-base: the man page test renders it and fails on any groff warning;
#   - systemd: systemd-analyze checks the unit `aigw daemon install` writes;
#   - openssl: self-signed certificates for the management API over TLS;
#   - wrk: the load generator `npm run bench` prefers (autocannon, a devDependency, stands in without it);
#   - postgresql: the PostgreSQL Store tests start a throwaway cluster of their own (test/helpers/postgres.ts);
#   - with `all`, the other supported Node versions the suite also runs on (scripts/other-nodes.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
apt_install "the test suite" dbus gnome-keyring tmux bash-completion zsh fish man-db groff-base wrk systemd openssl postgresql
[ "${1:-}" != all ] || bash scripts/other-nodes.sh install
