#!/bin/sh
# A static boxtrail for endpoints and fleet tools (README, Scaling out): one
# x86-64 Linux executable with no shared-library dependency, and its rule
# pack beside it.
#   sh contrib/static-build.sh [OUTDIR]     (default: ./static)
# writes OUTDIR/boxtrail and OUTDIR/boxtrail-rules.zip (the pack the
# Velociraptor artifacts ship; contrib/velociraptor/make-rule-pack.sh).
# Builds in a private copy of the source (`./configure --enable-static-binary`),
# so an in-place build is left alone. Needs the -dev packages of .ci/packages:
# Debian ships .a files for libevtx, libbfio, libxml2 (with ICU and liblzma),
# pcre2, json-c, libyaml, zlib and nettle, but none for libsystemd and ISA-L:
# the static binary reads no binary journal files (it says so for each; give
# it `journalctl -o json` exports, or read them with a regular build) and
# checks EVTX CRCs with zlib. Checked at the end: ldd must call it "not a
# dynamic executable".
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-static}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/boxtrail-static.XXXXXX")
trap 'rm -rf "$work"' EXIT
top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null || true)
if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(cd "$src" && pwd -P)" ]; then
	# a git checkout: the source as checked out (tracked files, with their
	# changes); an unpacked release inside some other checkout is copied
	(cd "$src" && git ls-files -z | xargs -0 tar -cf -) | tar -xf - -C "$work"
else
	cp -R "$src/." "$work"
	chmod -R u+w "$work"   # make distcheck's source is read-only
	rm -rf "$work/_build"  # ... and holds its build
	[ ! -f "$work/Makefile" ] || make -C "$work" distclean >/dev/null
fi
cd "$work"
autoreconf -fi >/dev/null 2>&1
./configure -q --enable-static-binary
make -j"$(nproc)" src/boxtrail >build.log 2>&1 || { tail -n 30 build.log >&2; exit 1; }
if ldd src/boxtrail 2>&1 | grep -q 'not a dynamic executable'; then
	echo "static-build: src/boxtrail is static ($(wc -c <src/boxtrail) bytes)"
else
	echo "static-build: src/boxtrail has shared-library dependencies:" >&2
	ldd src/boxtrail >&2
	exit 1
fi
mkdir -p "$out"
cp src/boxtrail "$out/boxtrail"
sh contrib/velociraptor/make-rule-pack.sh "$work" "$out/boxtrail-rules.zip" >/dev/null
echo "static-build: $out/boxtrail and $out/boxtrail-rules.zip"
