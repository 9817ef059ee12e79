# Sourced by setup.sh and test-setup.sh. apt_install WHY PKG...: installs the Debian packages of the list
# that are missing, with apt's and debconf's chatter kept out of sight unless it fails.
apt_install() {
  local why="$1" pkg missing=() sudo=() log
  shift
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "aigw setup: please install ${missing[*]} (for $why)" >&2
    return 0
  fi
  [ "$(id -u)" = 0 ] || sudo=(sudo -n)
  echo "aigw setup: installing ${missing[*]} (for $why)" >&2
  log="$(mktemp)"
  if ! { "${sudo[@]}" apt-get update -qq &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "aigw setup: could not install ${missing[*]}; carrying on without them" >&2
  fi
  rm -f "$log"
}
