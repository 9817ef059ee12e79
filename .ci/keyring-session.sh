#!/usr/bin/env bash
# keyring-session.sh — run a command against a REAL, unlocked Secret Service.
#
#   Usage: bash .ci/keyring-session.sh <command> [args...]
#
# Starts a private D-Bus session bus (dbus-run-session), launches gnome-keyring-daemon
# (secrets component only) on it with a brand-new "login" keyring in a throwaway
# mktemp dir, unlocked with a random throwaway password, verifies over D-Bus that
# org.freedesktop.secrets is up and its "default" collection is unlocked, then runs
# the command with AIGW_TEST_KEYCHAIN=1 and exits with the command's exit status.
# Never prompts, never reads the caller's stdin for setup, every setup wait is bounded.
# The command itself is NOT time-limited. The keyring dir is deleted afterwards.
#
# Required Debian 12 packages (this script installs nothing):
#   dbus gnome-keyring            (dbus-run-session, dbus-send, gnome-keyring-daemon)
#   libsecret-1-dev               (only to build keytar from source via node-gyp)
#   libsecret-tools               (optional: secret-tool, handy for manual debugging)
#   e.g. apt-get install -y --no-install-recommends dbus gnome-keyring libsecret-1-dev
# Env knobs: AIGW_KEYRING_SETUP_TIMEOUT (seconds per setup step, default 15).
set -euo pipefail

SETUP_TIMEOUT="${AIGW_KEYRING_SETUP_TIMEOUT:-15}"
log() { printf 'keyring-session: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 70; }

if [ "$#" -eq 0 ]; then
  echo "usage: bash $0 <command> [args...]" >&2
  exit 64
fi

# ---------------------------------------------------------------- outer part
if [ -z "${AIGW_KEYRING_INNER:-}" ]; then
  for bin in dbus-run-session dbus-send gnome-keyring-daemon timeout mktemp; do
    command -v "$bin" >/dev/null 2>&1 || die "'$bin' not found (apt-get install dbus gnome-keyring)"
  done
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/aigw-keyring.XXXXXXXX")"
  chmod 700 "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  set +e
  AIGW_KEYRING_INNER=1 AIGW_KEYRING_TMP="$tmp" \
    dbus-run-session -- bash "${BASH_SOURCE[0]}" "$@"
  rc=$?
  set -e
  exit "$rc"
fi

# ---------------------------------------------------------------- inner part
# (running inside dbus-run-session: DBUS_SESSION_BUS_ADDRESS points at the private bus)
unset AIGW_KEYRING_INNER
tmp="${AIGW_KEYRING_TMP:?}"
unset AIGW_KEYRING_TMP
[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || die "no DBUS_SESSION_BUS_ADDRESS inside dbus-run-session"

kr_data="$tmp/data"   # XDG_DATA_HOME for the daemon -> $kr_data/keyrings/login.keyring
kr_run="$tmp/run"     # XDG_RUNTIME_DIR for the daemon -> $kr_run/keyring/control
mkdir -p -m 700 "$kr_data" "$kr_run"

# Only the keyring daemon sees these dirs; the command's environment is left alone.
kr_env=(env XDG_DATA_HOME="$kr_data" XDG_RUNTIME_DIR="$kr_run")

# If anything D-Bus-activates org.freedesktop.secrets, make the activated daemon use
# the throwaway dirs too (never the user's real ~/.local/share/keyrings).
timeout "$SETUP_TIMEOUT" dbus-update-activation-environment \
  XDG_DATA_HOME="$kr_data" XDG_RUNTIME_DIR="$kr_run" >/dev/null 2>&1 \
  || log "warning: could not update D-Bus activation environment"

bus_call() { # dest path method args...  -> dbus-send --print-reply output
  local dest="$1" path="$2" method="$3"; shift 3
  timeout 5 dbus-send --session --print-reply=literal --reply-timeout=4000 \
    --dest="$dest" "$path" "$method" "$@" 2>/dev/null
}

daemon_pid=""
cleanup_daemon() {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
}
trap cleanup_daemon EXIT

pw="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"

# 1) start the daemon and create/unlock a fresh "login" keyring with the password on stdin
out="$(printf '%s' "$pw" | timeout "$SETUP_TIMEOUT" "${kr_env[@]}" \
        gnome-keyring-daemon --daemonize --unlock --components=secrets 2>&1)" \
  || die "gnome-keyring-daemon --unlock failed: $out"
unset pw
# 2) initialize the running daemon (registers org.freedesktop.secrets on the bus)
out="$(timeout "$SETUP_TIMEOUT" "${kr_env[@]}" \
        gnome-keyring-daemon --start --components=secrets </dev/null 2>/dev/null)" \
  || die "gnome-keyring-daemon --start failed"
while IFS= read -r line; do   # export what it prints (e.g. GNOME_KEYRING_CONTROL=...)
  case "$line" in [A-Z_]*=*) export "${line?}" ;; esac
done <<<"$out"

# 3) wait (bounded) until the Secret Service is owned and the default collection is unlocked
deadline=$(( SECONDS + SETUP_TIMEOUT ))
ready=""
while [ "$SECONDS" -lt "$deadline" ]; do
  if bus_call org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
       string:org.freedesktop.secrets | grep -q true; then
    coll="$(bus_call org.freedesktop.secrets /org/freedesktop/secrets \
              org.freedesktop.Secret.Service.ReadAlias string:default | tr -d ' \n')" || coll=""
    if [ -n "$coll" ] && [ "$coll" != "/" ]; then
      locked="$(bus_call org.freedesktop.secrets "$coll" org.freedesktop.DBus.Properties.Get \
                  string:org.freedesktop.Secret.Collection string:Locked)" || locked=""
      if printf '%s' "$locked" | grep -q false; then ready=1; break; fi
    fi
  fi
  sleep 0.2
done
[ -n "$ready" ] || die "Secret Service not ready within ${SETUP_TIMEOUT}s (default collection='${coll:-?}' locked='${locked:-?}')"
daemon_pid="$(bus_call org.freedesktop.DBus / org.freedesktop.DBus.GetConnectionUnixProcessID \
               string:org.freedesktop.secrets | awk '{print $NF}')" || daemon_pid=""
log "Secret Service ready (gnome-keyring-daemon pid ${daemon_pid:-?}, default collection $coll unlocked)"

# 4) run the command; keep its exit status
export AIGW_TEST_KEYCHAIN=1
set +e
"$@"
rc=$?
set -e
exit "$rc"
