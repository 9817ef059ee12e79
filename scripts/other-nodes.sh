#!/usr/bin/env bash
# aigw supports Node 20, 22 and 24; the test suite runs on each. The Node on PATH runs it first (test.sh);
# this script provides and runs the other two, in .cache/ (git-ignored):
#   bash scripts/other-nodes.sh install   (from test-setup.sh) Node binaries from the npm registry's
#                                         node-<os>-<arch> packages, and for each a node_modules whose
#                                         native modules (better-sqlite3, keytar) are built for it;
#   bash scripts/other-nodes.sh test      (from test.sh, after the build) copies the built tree next to
#                                         each of those node_modules and runs the suite there.
# AIGW_TEST_NODES overrides which majors `test` runs, e.g. AIGW_TEST_NODES=24, or '' for none.
set -euo pipefail
cd "$(dirname "$0")/.."

SUPPORTED=(20 22 24)
current="$(node -p 'process.versions.node.split(".")[0]')"
others=()
for major in "${SUPPORTED[@]}"; do [ "$major" = "$current" ] || others+=("$major"); done
[ -z "${AIGW_TEST_NODES+set}" ] || read -r -a others <<<"${AIGW_TEST_NODES//,/ }"

ROOT="$PWD"
node_home() { echo "$ROOT/.cache/node/$1/package"; }
tree_dir() { echo "$ROOT/.cache/compat/$1"; }

install_one() {
  local major="$1" home tree package
  home="$(node_home "$major")"
  tree="$(tree_dir "$major")"
  package="node-$(node -p 'process.platform')-$(node -p 'process.arch')@$major"
  if [ ! -x "$home/bin/node" ]; then
    echo "aigw test setup: fetching Node $major ($package) for the test suite" >&2
    rm -rf "$(dirname "$home")" && mkdir -p "$(dirname "$home")"
    (cd "$(dirname "$home")" && npm pack "$package" --silent >/dev/null && tar -xzf ./*.tgz && rm ./*.tgz)
  fi
  # Reinstalled when the lockfile changes; the native modules compile against that Node's own headers.
  if ! cmp -s package-lock.json "$tree/package-lock.json" || [ ! -d "$tree/node_modules" ]; then
    echo "aigw test setup: installing node_modules for Node $("$home/bin/node" --version)" >&2
    rm -rf "$tree" && mkdir -p "$tree"
    cp package.json package-lock.json "$tree/"
    (
      cd "$tree"
      export PATH="$home/bin:$PATH" npm_config_nodedir="$home"
      npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
      npm rebuild better-sqlite3 --loglevel=error >/dev/null
      # keytar is optional, as in the main install: without it the keychain tests fail and say why.
      npm rebuild keytar --loglevel=error >/dev/null || echo "aigw test setup: keytar did not build for Node $major" >&2
    )
  fi
}

test_one() {
  local major="$1" home tree
  home="$(node_home "$major")"
  tree="$(tree_dir "$major")"
  if [ ! -x "$home/bin/node" ] || ! cmp -s package-lock.json "$tree/package-lock.json"; then
    echo "aigw test: Node $major's node_modules are missing or out of date; run \`npm test\` (not --this-node-only) to install them" >&2
    return 1
  fi
  # The built tree as it is now, beside that Node's node_modules: a module resolves its imports from
  # where its file really is, so a symlinked tree would load the native modules built for this Node.
  find "$tree" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name package-lock.json -exec rm -rf {} +
  tar -c --exclude=./node_modules --exclude=./package-lock.json --exclude=./.git --exclude=./.cache \
    --exclude='./.aigw-test-*' . | tar -x -C "$tree"
  echo "aigw test: the suite on Node $("$home/bin/node" --version)" >&2
  (cd "$tree" && PATH="$home/bin:$PATH" bash scripts/test.sh --this-node-only)
}

case "${1:-}" in
  install) for major in "${others[@]}"; do install_one "$major"; done ;;
  test)
    failed=()
    for major in "${others[@]}"; do test_one "$major" || failed+=("$major"); done
    if ((${#failed[@]})); then
      echo "aigw test: failed on Node ${failed[*]}" >&2
      exit 1
    fi
    ;;
  *) echo "usage: bash $0 install|test" >&2; exit 64 ;;
esac
