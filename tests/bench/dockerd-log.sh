#!/bin/sh
# Reading speed of `boxtrail events` on a large generated dockerd log (a
# benchmark, not a test: run it by hand). Usage:
#   tests/bench/dockerd-log.sh [BOXTRAIL] [MEGABYTES]
# Generates MEGABYTES (default 200) of logrus text lines in the mix a busy
# daemon with --debug writes (API calls with form data, containerd task
# lines, info lines with fields), then times `boxtrail events` writing JSON
# Lines to /dev/null and prints MB/s. The log is written to $TMPDIR and
# removed afterwards.
set -eu
BOXTRAIL=${1:-${BOXTRAIL:-./src/boxtrail}}
MB=${2:-200}
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/boxtrail-bench.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT
LOG=$TMPD/dockerd.log

# One block of representative lines; repeated with changing times and ids.
awk -v mb="$MB" 'BEGIN {
	target = mb * 1024 * 1024; n = 0; size = 0; srand(1)
	while (size < target) {
		s = n % 60; m = int(n / 60) % 60; h = int(n / 3600) % 24
		ts = sprintf("2024-05-01T%02d:%02d:%02d.%09dZ", h, m, s, n % 1000000000)
		id = sprintf("%08x%056d", n, 0)
		b = "time=\"" ts "\" level=debug msg=\"Calling POST /v1.43/containers/create?name=c" n "\"\n"
		b = b "time=\"" ts "\" level=debug msg=\"form data: {\\\"Cmd\\\":[\\\"sh\\\",\\\"-c\\\",\\\"id\\\"],\\\"HostConfig\\\":{\\\"Binds\\\":[\\\"/srv:/srv\\\"],\\\"NetworkMode\\\":\\\"default\\\",\\\"Privileged\\\":false},\\\"Image\\\":\\\"alpine\\\"}\"\n"
		b = b "time=\"" ts "\" level=debug msg=\"Calling POST /v1.43/containers/" id "/start\"\n"
		b = b "time=\"" ts "\" level=info msg=\"starting signal loop\" namespace=moby path=/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/" id " pid=" n " runtime=io.containerd.runc.v2\n"
		b = b "time=\"" ts "\" level=info msg=\"loading plugin \\\"io.containerd.event.v1.publisher\\\"...\" runtime=io.containerd.runc.v2 type=io.containerd.event.v1\n"
		b = b "time=\"" ts "\" level=debug msg=\"Calling GET /v1.43/containers/json?all=1\"\n"
		b = b "time=\"" ts "\" level=info msg=\"shim disconnected\" id=" id " namespace=moby\n"
		b = b "time=\"" ts "\" level=info msg=\"ignoring event\" container=" id " module=libcontainerd namespace=moby topic=/tasks/delete type=\"*events.TaskDelete\"\n"
		b = b "time=\"" ts "\" level=warning msg=\"Health check for container " id " error: context deadline exceeded\"\n"
		printf "%s", b
		size += length(b); n++
	}
}' >"$LOG"

bytes=$(wc -c <"$LOG")
lines=$(wc -l <"$LOG")
TIMER=
[ -x /usr/bin/time ] && TIMER="/usr/bin/time -f %M -o $TMPD/rss"
start=$(date +%s.%N)
$TIMER "$BOXTRAIL" events -f jsonl "$LOG" >/dev/null
end=$(date +%s.%N)
rss=$(cat "$TMPD/rss" 2>/dev/null || echo 0)
awk -v b="$bytes" -v l="$lines" -v s="$start" -v e="$end" -v r="$rss" 'BEGIN {
	t = e - s
	printf "dockerd text log: %.1f MB, %d lines in %.2f s: %.1f MB/s, %.0f lines/s", b / 1048576, l, t,
	       b / 1048576 / t, l / t
	if (r > 0)
		printf ", max RSS %.1f MiB", r / 1024
	printf "\n"
}'
