#!/bin/sh
# The whole test suite on a fresh Debian 12 machine (the README's second
# command and the first step of .ci/run): installs what is needed, builds, runs
# `make check` with warnings as errors, prints the failures if any.
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $(cat .ci/packages) >/dev/null
fi
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure -q --enable-werror
make -j"$(nproc)" >/dev/null
if ! make -j"$(nproc)" check; then
	cat test-suite.log | tail -100
	exit 1
fi
