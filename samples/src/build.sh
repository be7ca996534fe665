#!/bin/sh
# Builds the sample EVTX files from their JSON Lines sources (used by `make samples`
# and by tests/samples.sh). Usage: build.sh EVTXGEN SRCDIR OUTDIR
#   SRCDIR: samples/src (the .jsonl files); OUTDIR: where SRV-BUILD01/ and DC01/ go.
set -eu
if [ $# -ne 3 ]; then
	echo "usage: $0 EVTXGEN SRCDIR OUTDIR" >&2
	exit 2
fi
evtxgen=$1 src=$2 out=$3
mkdir -p "$out/SRV-BUILD01" "$out/DC01"
for pair in SRV-BUILD01-Sysmon:SRV-BUILD01/Sysmon SRV-BUILD01-Security:SRV-BUILD01/Security \
	SRV-BUILD01-Application:SRV-BUILD01/Application DC01-Security:DC01/Security; do
	"$evtxgen" write "$src/${pair%%:*}.jsonl" "$out/${pair#*:}.evtx"
done
