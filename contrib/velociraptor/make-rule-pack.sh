#!/bin/sh
# Builds boxtrail-rules.zip, the BoxtrailRules tool of the Velociraptor
# artifacts: the rule pack and the logsource mapping laid out as boxtrail's
# data directory (rules/, data/logsources.yml), which the artifacts unpack
# and hand to boxtrail as BOXTRAIL_DATADIR.
#   sh contrib/velociraptor/make-rule-pack.sh [DATADIR [OUT.zip]]
# DATADIR defaults to the source tree (or give the installed share/boxtrail).
# The map and the reduce must use the same pack: a state file records the
# rule set's fingerprint and a reduce with other rules refuses it.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
src=${1:-$here}
out=${2:-boxtrail-rules.zip}
[ -d "$src/rules" ] && [ -f "$src/data/logsources.yml" ] ||
	{ echo "make-rule-pack.sh: $src has no rules/ and data/logsources.yml" >&2; exit 2; }
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
cd "$src"
# python's zipfile: no zip(1) needed; entries in name order
python3 - "$out" <<'PY'
import os, sys, zipfile
out = sys.argv[1]
files = ["data/logsources.yml"]
for root, dirs, names in os.walk("rules"):
    dirs.sort()
    files += [os.path.join(root, n) for n in sorted(names) if n.endswith((".yml", ".yaml"))]
with zipfile.ZipFile(out + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
    for f in files:
        z.write(f)
os.replace(out + ".tmp", out)
print(f"{out}: {len(files)} files")
PY
