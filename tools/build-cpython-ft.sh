#!/usr/bin/env bash
# Builds the oracle interpreters for the free-threaded profiles (issue 11):
# CPython 3.13.15 from Debian's source archive (suite unstable), once with
# --disable-gil (free-threaded, "3.13t") and once as the default build, each
# out of tree into a cache folder outside the repository:
#   $LIFECHECK_CACHE/cpython-3.13.15t/python   (free-threaded)
#   $LIFECHECK_CACHE/cpython-3.13.15/python    (default build)
# LIFECHECK_CACHE defaults to ~/.cache/lifecheck. Nothing is written into the
# repository. The build is slow (tens of minutes on one core) and shares the
# machine: it runs under `nice` with one job unless JOBS says otherwise.
# Re-running is cheap: a finished build is kept.
set -euo pipefail

VERSION=3.13.15
DEBIAN_VERSION=3.13.15-1
CACHE=${LIFECHECK_CACHE:-$HOME/.cache/lifecheck}
JOBS=${JOBS:-1}
SRC=$CACHE/src-$VERSION

say() { echo "build-cpython-ft: $*" >&2; }

sudo=()
[ "$(id -u)" -ne 0 ] && sudo=(sudo)

# The deb-src entry for unstable on the mirror the machine already uses.
add_source_entry() {
  local list=/etc/apt/sources.list.d/lifecheck-unstable-src.sources
  [ -f "$list" ] && return 0
  local mirror
  mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
           awk '{print $2}' | grep -v -- '-security' | grep debian | head -1 || true)
  if [ -z "$mirror" ]; then
    mirror=$(grep -h '^deb ' /etc/apt/sources.list 2>/dev/null |
             awk '{print $2}' | grep -v -- '-security' | grep debian | head -1 || true)
  fi
  [ -n "$mirror" ] || { say "no Debian mirror found in /etc/apt/sources.list*"; exit 2; }
  say "adding deb-src for unstable on $mirror ($list)"
  printf 'Types: deb-src\nURIs: %s\nSuites: unstable\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" | "${sudo[@]}" tee "$list" >/dev/null
  "${sudo[@]}" apt-get update -q
}

fetch_source() {
  [ -d "$SRC/Python" ] && return 0
  local missing=()
  for p in dpkg-dev gcc make; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] || "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

  mkdir -p "$SRC"
  (cd "$SRC" && apt-get source -q "python3.13=$DEBIAN_VERSION")
  local dir
  dir=$(find "$SRC" -maxdepth 1 -type d -name 'python3.13-*' | head -1)
  [ -n "$dir" ] || { say "apt-get source produced no python3.13 directory"; exit 2; }
  ln -sfn "$(basename "$dir")" "$SRC/Python"
}

# build NAME CONFIGURE_ARGS...
build_one() {
  local name=$1
  shift
  local out=$CACHE/$name
  if [ -x "$out/python" ] && [ -f "$out/.lifecheck-built" ]; then
    say "$out/python already built"
    return 0
  fi
  mkdir -p "$out"
  say "configuring $name ($*)"
  (cd "$out" && nice -n 10 "$SRC/Python/configure" -q "$@" >configure.log 2>&1)
  say "building $name with $JOBS job(s) (log: $out/make.log)"
  (cd "$out" && nice -n 10 make -j"$JOBS" >make.log 2>&1)
  "$out/python" -c 'import sys, gc, weakref, threading; print(sys.version)'
  touch "$out/.lifecheck-built"
}

add_source_entry
fetch_source
build_one "cpython-${VERSION}t" --disable-gil "$@"
build_one "cpython-$VERSION" "$@"
say "free-threaded: $CACHE/cpython-${VERSION}t/python"
say "default:       $CACHE/cpython-$VERSION/python"
