#!/bin/sh
# Builds the incident collections (tests/data/incidents/README.md) from their
# committed sources: copies each incident's collection/ tree (the text evidence
# as collected) and writes its EVTX files from src/*.jsonl with evtxgen, where
# src/EVTX says. The output is the same bytes on every run.
# Usage: build.sh EVTXGEN OUTDIR [INCIDENT...]   (default: every incident)
#   OUTDIR/<incident>/ is the collection, e.g. OUTDIR/linux-docker-host/lnx-ci-07/...
set -eu
if [ $# -lt 2 ]; then
	echo "usage: $0 EVTXGEN OUTDIR [INCIDENT...]" >&2
	exit 2
fi
evtxgen=$1 out=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- linux-docker-host desktop-workstation
for name; do
	src=$here/$name
	[ -f "$src/src/EVTX" ] || { echo "$0: $name: no such incident ($src/src/EVTX)" >&2; exit 2; }
	dst=$out/$name
	rm -rf "$dst"
	mkdir -p "$dst"
	# the text evidence, as collected (cp -R keeps names such as "[root]" as they are)
	cp -R "$src/collection/." "$dst/"
	# the EVTX files: "SOURCE.jsonl PATH/IN/THE/COLLECTION.evtx" per line
	grep -v -e '^#' -e '^[[:space:]]*$' "$src/src/EVTX" | while read -r jsonl evtx; do
		mkdir -p "$(dirname "$dst/$evtx")"
		"$evtxgen" write "$src/src/$jsonl" "$dst/$evtx"
	done
done
