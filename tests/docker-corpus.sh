#!/bin/sh
# Every real offline Docker root of the shared corpus (google/docker-explorer
# test trees: aufs 1.x and 2.x, overlay, overlay2, volumes; plaso's 1.x
# container): each container configuration parsed with its hostconfig.json,
# the containers listed with creation time, image, command and mounts.
. "$top_srcdir/tests/lib.sh"
need_corpus
command -v jq >/dev/null || skip "jq not installed"
DE=$SHARED_CORPUS/google__docker-explorer/test_data
[ -d "$DE" ] || skip "google__docker-explorer not in the corpus at $DE"

configs=$(find "$DE" -path '*/docker/containers/*' \( -name config.v2.json -o -name config.json \) | wc -l)
hostconfigs=$(find "$DE" -path '*/docker/containers/*' -name hostconfig.json | wc -l)
[ "$configs" -gt 0 ] || fail "no container configurations found under $DE"

"$BOXTRAIL" events -f jsonl --stats "$DE" >"$TMP/out" 2>"$TMP/err"
rc=$?
check "exit status" 0 "$rc"
grep -q ': warning: \|: error: ' "$TMP/err" && fail "warnings: $(grep -m3 'warning\|error' "$TMP/err")" || pass "no warnings"
check "every configuration read" "$configs" "$(grep -c 'format=docker-config records=[1-9].* failed=0 ' "$TMP/err")"
check "every hostconfig.json recognised" "$hostconfigs" "$(grep -c 'format=docker-hostconfig' "$TMP/err")"
check "one create per container" "$configs" "$(jq -r 'select(.fields.Action=="container.create") | .fields.ContainerID' "$TMP/out" | sort -u | wc -l | tr -d ' ')"
check "every create has time, image, command, privileged" "0" \
	"$(jq -r 'select(.fields.Action=="container.create" and (.time == null or .fields.Image == null or .fields.Command == null or .fields.Privileged == null)) | .file' "$TMP/out" | wc -l | tr -d ' ')"
check "container id is the directory name" "0" \
	"$(jq -r 'select(.fields.Action=="container.create") | select((.file | split("/") | .[-2]) != .fields.ContainerID) | .file' "$TMP/out" | wc -l | tr -d ' ')"

echo "containers (created, image, command, mounts):"
jq -r 'select(.fields.Action=="container.create") | "  \(.time) \(.fields.ContainerID[0:12]) \(.fields.ContainerName) image=\(.fields.Image) cmd=\(.fields.Command | tojson) mounts=\(.fields.Mounts // [] | join(","))"' "$TMP/out" | sort

# known facts of particular trees
check "volumes tree: bind mount" '/opt/vols/bind:/opt' \
	"$(jq -r 'select(.fields.ContainerID=="8b6e90cc742bd63f6acb7ecd40ddadb4e5dee27d8db2b739963f7cd2c7bcff4a" and .fields.Action=="container.create") | .fields.Mounts[] | select(startswith("/opt"))' "$TMP/out")"
check "overlay2: a created-only container has no start" "container.create" \
	"$(jq -r 'select(.fields.ContainerID=="10acac0b3466813c9e1f85e2aa7d06298e51fbfe86bbcb6b7a19dd33d3798f6a" and (.fields.Action|startswith("container.")) and .fields.Action!="container.output") | .fields.Action' "$TMP/out")"
check "aufs 1.x: legacy config.json" "angry_rosalind 2018-12-27T10:53:17.0967466Z" \
	"$(jq -r 'select(.fields.ContainerID=="de44dd97cfd1c8d1c1aad7f75a435603991a7a39fa4f6b20a69bf4458809209c" and .fields.Action=="container.create") | "\(.fields.ContainerName) \(.time)"' "$TMP/out")"
check "image history layers" "$(find "$DE" -path '*imagedb/content/sha256/*' -type f -exec jq '.history | length' {} + | awk '{s+=$1} END {print s}')" \
	"$(jq -r 'select(.fields.Action=="image.layer" and (.file | contains("imagedb"))) | .line' "$TMP/out" | wc -l | tr -d ' ')"
check "container output lines" "$(cat $(find "$DE" -name '*-json.log') | wc -l | tr -d ' ')" \
	"$(jq -r 'select(.fields.Action=="container.output") | .line' "$TMP/out" | wc -l | tr -d ' ')"

P=$SHARED_CORPUS/log2timeline__plaso/test_data/docker
if [ -d "$P" ]; then
	"$BOXTRAIL" events -f jsonl "$P" >"$TMP/out" 2>"$TMP/err"
	check "plaso: container, output, layer" "2 10 1" \
		"$(jq -r 'select(.fields.Action|startswith("container.s") or .=="container.create")|.line' "$TMP/out" | wc -l | tr -d ' ') $(jq -r 'select(.fields.Action=="container.output")|.line' "$TMP/out" | wc -l | tr -d ' ') $(jq -r 'select(.fields.Action=="image.layer")|.line' "$TMP/out" | wc -l | tr -d ' ')"
	check "plaso: time without zone read as UTC" "2016-01-07T16:49:10.0000000Z" \
		"$(jq -r 'select(.fields.Action=="container.output" and .line==1) | .time' "$TMP/out")"
	grep -q 'hostconfig.json beside it' "$TMP/err" && pass "plaso: missing hostconfig.json warned" || fail "plaso warning"
fi
finish
