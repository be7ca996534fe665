#!/bin/bash
# The mutated-evidence sweep (tests/sweep/evtx-sweep.py), sampled: every kind
# of damage on generated files, the samples and, when ../shared/corpus is
# there, a few real files drawn by the seed. `make sweep` runs every mutation.
#   BOXTRAIL_SWEEP_SEED   seed (default 1; the run prints it)
#   BOXTRAIL_SWEEP_SAMPLE mutations per file (default 120; 0: all)
#   BOXTRAIL_SWEEP_CORPUS corpus files drawn (default 3)
#   BOXTRAIL_SWEEP_LOCAL  0: not the generated files and samples
. "$top_srcdir/tests/lib.sh"
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || skip "python3 is not installed"
evtxgen=$top_builddir/tests/tools/evtxgen
seed=${BOXTRAIL_SWEEP_SEED:-1}
sample=${BOXTRAIL_SWEEP_SAMPLE:-120}
ncorpus=${BOXTRAIL_SWEEP_CORPUS:-3}
echo "sweep: seed $seed, $sample mutations per file (BOXTRAIL_SWEEP_SEED, BOXTRAIL_SWEEP_SAMPLE)"

files=()
if [ "${BOXTRAIL_SWEEP_LOCAL:-1}" != 0 ]; then
	"$evtxgen" write --records-per-chunk 2 "$top_srcdir/tests/data/evtxgen/types.jsonl" \
		"$TMP/types.evtx" && files+=("$TMP/types.evtx") || fail "evtxgen write"
	"$evtxgen" scale --quiet --size 512K --file-size 512K --seed "$seed" --out "$TMP/scale" \
		&& files+=("$TMP/scale/Sysmon-0001.evtx" "$TMP/scale/Security-0001.evtx") \
		|| fail "evtxgen scale"
	files+=("$top_srcdir"/samples/*/*.evtx)
	# logs with a past, where recovery does most: cleared and reused, wrapped
	for sc in broken mixed; do
		"$evtxgen" history --quiet --scenario $sc --records-per-chunk 50 --new-records-per-chunk 60 \
			--truth "$TMP/$sc.truth" "$top_srcdir/tests/data/evtxgen/history-old.jsonl" \
			"$top_srcdir/tests/data/evtxgen/history-new.jsonl" "$TMP/history-$sc.evtx" &&
			files+=("$TMP/history-$sc.evtx") || fail "evtxgen history $sc"
	done
	"$evtxgen" history --quiet --scenario wrapped --max-chunks 3 --records-per-chunk 54 \
		--truth "$TMP/wrapped.truth" "$top_srcdir/tests/data/evtxgen/history-old.jsonl" \
		"$top_srcdir/tests/data/evtxgen/history-new.jsonl" "$TMP/history-wrapped.evtx" &&
		files+=("$TMP/history-wrapped.evtx") || fail "evtxgen history wrapped"
fi
if [ "$ncorpus" -gt 0 ] && [ -f "${SHARED_CORPUS:-/nonexistent}/MANIFEST.tsv" ]; then
	# real files libevtx reads (MANIFEST: evtxinfo counts), up to 2 MiB
	while IFS= read -r f; do files+=("$SHARED_CORPUS/$f"); done < <(
		awk -F'\t' 'NR > 1 && $9 == "yes" && $10 != "" && $5 <= 2097152 { print $1 }' \
			"$SHARED_CORPUS/MANIFEST.tsv" | grep '\.evtx$' | sort |
			"$PY" -c "import random, sys; l = sys.stdin.read().split('\n')[:-1]; random.Random($seed).shuffle(l); print('\n'.join(l[:$ncorpus]))")
elif [ "$ncorpus" -gt 0 ]; then
	echo "note: ../shared/corpus is absent: the sweep runs on generated files and samples only"
fi

"$PY" "$top_srcdir/tests/sweep/evtx-sweep.py" --boxtrail "$BOXTRAIL" --seed "$seed" --sample "$sample" \
	--timeout "${BOXTRAIL_SWEEP_TIMEOUT:-120}" --work "$TMP/work" --keep "$top_builddir/sweep-failures" \
	"${files[@]}" || fail "the sweep found problems (damaged copies kept in sweep-failures/)"
finish
