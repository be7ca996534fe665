#!/bin/sh
# The built-in pack on samples/ (the CORP.LOCAL incident, see samples/README.md):
# exactly the expected hits, rule by rule and record by record - the findings
# 1-4 of the README and nothing of its "must not be reported" list (two
# informational hits give context: the dockerd start, one mistyped password, and
# the container starts the correlations of hunt need; the roasted tickets also
# hit the informational RC4-ticket rule the overpass-the-hash correlation reads;
# the base rules of the Kerberos baselines hit every ticket event and Kerberos
# network logon: they make no finding alone; so do the members of the
# container baselines: SRV-BUILD01's docker.exe runs and its dockerd start).
set -u
LC_ALL=C
export LC_ALL
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
expected=$top_srcdir/tests/data/sigma/samples-hits.txt
out=${TMPDIR:-/tmp}/bt-sigma-samples.$$
trap 'rm -f "$out"' EXIT
# Paths relative to the source tree, as in the expected file.
(cd "$top_srcdir" && "$top_builddir/tests/rulescan" --worker "$BOXTRAIL" --hits samples) |
	grep '^hit' | sort > "$out"
if diff -u "$expected" "$out"; then
	echo "ok: $(wc -l < "$out") hits as expected on samples/"
	exit 0
fi
echo "FAIL: hits on samples/ differ from $expected"
exit 1
