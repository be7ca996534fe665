#!/bin/sh
# Docker daemon logs through the CLI: each fixture's facts, times, lines and
# counts (tests/data/docker, written from the documented formats).
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq not installed"
D=$top_srcdir/tests/data/docker
C1=b5c1fb2efc6d6b4674c2fdcc48ce01b43a3b7c03763c0c3355de0099ee0f8c73
C2=4b5e57f6eb2f42b9039b3d1e13929295f231749c510cbe341cd68036d9af97e2

# run FILE [OPTIONS...]: JSON Lines in $TMP/out, stderr in $TMP/err
run() {
	f=$1
	shift
	"$BOXTRAIL" events -f jsonl --stats "$@" "$f" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}
# q FILTER: jq -r over the last run's events, one line
q() { jq -r "$1" "$TMP/out" | tr '\n' ' ' | sed 's/ $//'; }
stat_of() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" "$TMP/err" | head -1; }

# ---- logrus text: every shape of line in one file
run "$D/dockerd-text.log"
check "text: exit status (a damaged line is a partial read)" 4 "$rc"
check "text: format" "format=dockerd-text" "$(grep -o 'format=[a-z-]*' "$TMP/err" | head -1)"
check "text: counts" "25 1 33 7" "$(stat_of records) $(stat_of failed) $(stat_of lines) $(stat_of skipped)"
check "text: source/channel/provider" "dockerd docker dockerd" "$(q 'select(.line==1) | "\(.source) \(.channel) \(.provider)"')"
check "text: UTC time from +01:00" "2019-02-16T23:35:20.1000000Z" "$(q 'select(.line==1) | .time')"
check "text: TimeOriginal" "2019-02-17T00:35:20.100000000+01:00" "$(q 'select(.line==1) | .fields.TimeOriginal')"
check "text: daemon.start x3" "1 4 5" "$(q 'select(.fields.Action=="daemon.start") | .line')"
check "text: unix socket is not TCP" "daemon.api_listen /var/run/docker.sock false" \
	"$(q 'select(.line==2) | "\(.fields.Action) \(.fields.ApiListen) \(.fields.ApiTcp)"')"
check "text: [::]:2375 is TCP" "true" "$(q 'select(.line==3) | .fields.ApiTcp')"
check "text: create paired with its form data" "container.create evil 8 alpine:3.18" \
	"$(q 'select(.line==6) | "\(.fields.Action) \(.fields.ContainerName) \(.fields.ApiBodyLine) \(.fields.Image)"')"
check "text: create facts" "true host host sh -c chroot /host sh" \
	"$(q 'select(.line==6) | "\(.fields.Privileged) \(.fields.PidMode) \(.fields.NetworkMode) \(.fields.Command)"')"
check "text: Binds" '["/:/host","/var/run/docker.sock:/var/run/docker.sock:ro"]' \
	"$(q 'select(.line==6) | .fields.Binds | tojson')"
check "text: MountSource" '["/","/var/run/docker.sock","/etc"]' "$(q 'select(.line==6) | .fields.MountSource | tojson')"
check "text: CapAdd, Devices, AutoRemove" '["SYS_ADMIN","SYS_PTRACE"] ["/dev/sda"] true' \
	"$(q 'select(.line==6) | "\(.fields.CapAdd | tojson) \(.fields.Devices | tojson) \(.fields.AutoRemove)"')"
check "text: PortBindings" '["0.0.0.0:12375->2375/tcp"]' "$(q 'select(.line==6) | .fields.PortBindings | tojson')"
check "text: the interleaved GET keeps its place" "7" "$(q 'select(.fields.ApiMethod=="GET") | .line')"
check "text: form data lines are not events of their own" "" "$(q 'select(.line==8 or .line==12) | .line')"
check "text: start by id" "container.start $C1" "$(q 'select(.line==9) | "\(.fields.Action) \(.fields.ContainerID)"')"
check "text: containerd signal loop" "containerd container.start $C1" \
	"$(q 'select(.line==10) | "\(.provider) \(.fields.Action) \(.fields.ContainerID)"')"
check "text: exec with its body" "container.exec cat /etc/shadow true 0" \
	"$(q 'select(.line==11) | "\(.fields.Action) \(.fields.Command) \(.fields.Privileged) \(.fields.User)"')"
check "text: pull" "image.pull alpine:latest" "$(q 'select(.line==15) | "\(.fields.Action) \(.fields.Image)"')"
check "text: escaped quotes and = in a message" 'user said "x=1" and y=2' "$(q 'select(.line==16) | .fields.Message')"
check "text: ContainerID from container=" "$C2" "$(q 'select(.line==16) | .fields.ContainerID')"
check "text: unescaped quotes in a message" 'loading plugin "io.containerd.grpc.v1.tasks"... containerd' \
	"$(q 'select(.line==17) | "\(.fields.Message) \(.fields.module)"')"
check "text: shim disconnected" "container.stop $C1" "$(q 'select(.line==18) | "\(.fields.Action) \(.fields.ContainerID)"')"
check "text: TaskDelete" "container.stop $C1" "$(q 'select(.line==19) | "\(.fields.Action) \(.fields.ContainerID)"')"
check "text: forced delete" "container.destroy true" "$(q 'select(.line==20) | "\(.fields.Action) \(.fields.Force)"')"
check "text: kill after timeout" "container.kill $C2 3" "$(q 'select(.line==21) | "\(.fields.Action) \(.fields.ContainerID) \(.level)"')"
check "text: invalid UTF-8 survives (escaped)" "2" "$(q 'select(.line==22) | .level')"
check "text: invalid UTF-8 bytes become U+FFFD in JSON" "bad bytes: \uFFFD\uFFFD here" \
	"$(q 'select(.line==22) | .fields.Message | gsub("\uFFFD"; "\\uFFFD")')"
check "text: CRLF line end" "crlf line" "$(q 'select(.line==23) | .fields.Message')"
check "text: panic is its own event" "1 panic true 2019-02-16T23:35:39.0000000Z" \
	"$(q 'select(.line==25) | "\(.level) \(.fields.LogLevel) \(.fields.TimeInferred) \(.time)"')"
check "text: goroutine dump attached" "4" "$(q 'select(.line==25) | .fields.Continuation | split("\n") | length')"
grep -q 'line 31: binary or control bytes' "$TMP/err" && pass "text: damaged line reported with its number" || fail "text: damaged line report"
grep -q 'line 33: last line has no line end' "$TMP/err" && pass "text: truncated last line reported" || fail "text: truncated line report"
check "text: truncated last line still read" "33" "$(q 'select(.line==33) | .line')"
check "text: every event has Action" "0" "$(q '[select(.fields.Action == null)] | length' | awk '{s+=$1} END {print s+0}')"

# ---- the same log gzip-rotated, and through standard input
gzip -c "$D/dockerd-text.log" >"$TMP/docker.log.1.gz"
run "$TMP/docker.log.1.gz"
check "gzip: same events" "25 33" "$(stat_of records) $(stat_of lines)"
check "gzip: same facts" "container.create evil" "$(q 'select(.line==6) | "\(.fields.Action) \(.fields.ContainerName)"')"
"$BOXTRAIL" events -f jsonl - <"$D/dockerd-text.log" >"$TMP/out" 2>"$TMP/err"
check "stdin: events" "25" "$(wc -l <"$TMP/out" | tr -d ' ')"
check "stdin: file is -" "-" "$(q 'select(.line==1) | .file')"
gzip -c "$D/dockerd-text.log" | "$BOXTRAIL" events -f jsonl - >"$TMP/out" 2>"$TMP/err"
check "stdin gzip: events" "25" "$(wc -l <"$TMP/out" | tr -d ' ')"

# ---- terminal shape
run "$D/dockerd-terminal.log"
check "terminal: ANSI-coloured level" "daemon.start 4" "$(q 'select(.line==1) | "\(.fields.Action) \(.level)"')"
check "terminal: create + body" "term busybox true" \
	"$(q 'select(.line==3) | "\(.fields.ContainerName) \(.fields.Image) \(.fields.Privileged)"')"
check "terminal: fields after padding" "moby 1234" "$(q 'select(.line==5) | "\(.fields.namespace) \(.fields.pid)"')"
check "terminal: a=b inside a padded message" "relative time message with a=b in it test" \
	"$(q 'select(.line==6) | "\(.fields.Message) \(.fields.component)"')"
check "terminal: relative time is no time" "null 0003" "$(q 'select(.line==6) | "\(.time) \(.fields.RelativeSeconds)"')"
check "terminal: long message, quoted field" "value quoted value" "$(q 'select(.line==7) | "\(.fields.key) \(.fields.other)"')"

# ---- a committed gzip-rotated log reads like its plain form
"$BOXTRAIL" events -f jsonl "$D/dockerd-terminal.log" | sed 's/"file":"[^"]*"//' >"$TMP/plain"
"$BOXTRAIL" events -f jsonl "$D/dockerd-terminal.log.1.gz" | sed 's/"file":"[^"]*"//' >"$TMP/gz"
cmp -s "$TMP/plain" "$TMP/gz" && [ -s "$TMP/gz" ] && pass "gzip-rotated fixture: same events" || fail "gzip-rotated fixture differs"

# ---- syslog-prefixed: host, year and zone inferred
run "$D/dockerd-syslog.log"
check "syslog: counts" "5 9 4" "$(stat_of records) $(stat_of lines) $(stat_of skipped)"
check "syslog: host and pid" "host1 7705" "$(q 'select(.line==1) | "\(.host) \(.fields.Pid)"')"
check "syslog: record time wins" "2023-12-31T22:59:58.1000000Z null" "$(q 'select(.line==1) | "\(.time) \(.fields.TimeInferred)"')"
check "syslog: year and zone inferred across new year" "2023-12-31T23:00:01.0000000Z true Jan  1 00:00:01" \
	"$(q 'select(.line==3) | "\(.time) \(.fields.TimeInferred) \(.fields.TimeOriginal)"')"
check "syslog: panic dump lines attached" "goroutine 1 [running]:|main.main()" \
	"$(q 'select(.line==3) | .fields.Continuation | split("\n") | join("|")')"
check "syslog: containerd by identifier" "containerd container.stop" "$(q 'select(.line==6) | "\(.provider) \(.fields.Action)"')"
check "syslog: RFC 3339 prefix" "2023-12-31T23:00:07.1234567Z true" "$(q 'select(.line==8) | "\(.time) \(.fields.ApiTcp)"')"
check "syslog: other programs skipped" "" "$(q 'select(.line==2 or .line==7) | .line')"
check "syslog: plain daemon line" "daemon.log 2023-12-31T23:00:09.0000000Z" "$(q 'select(.line==9) | "\(.fields.Action) \(.time)"')"
cp "$D/dockerd-syslog-noyear.log" "$TMP/noyear.log"
touch -d "2022-01-03 00:00:00 UTC" "$TMP/noyear.log"
run "$TMP/noyear.log"
check "syslog: year from mtime" "2021-12-30T10:00:00.0000000Z 2022-01-02T11:00:00.0000000Z" "$(q '.time')"
check "syslog: --assume-host does not override the evidence" "host2" "$(q 'select(.line==1) | .host')"

# ---- containerd's own log: every line is containerd's
run "$D/containerd.log"
check "containerd log: provider" "containerd containerd containerd" "$(q '.provider')"
check "containerd log: shim disconnected" "container.stop d35584c91f4085ba86dc3f6a9ba88be54f9e351d36b9427053475a9812d19898" \
	"$(q 'select(.line==3) | "\(.fields.Action) \(.fields.ContainerID)"')"

# ---- --log-format json
run "$D/dockerd-json.log" --assume-host dock1
check "json: format" "format=dockerd-json" "$(grep -o 'format=[a-z-]*' "$TMP/err" | head -1)"
check "json: counts" "5 1" "$(stat_of records) $(stat_of failed)"
check "json: --assume-host" "dock1" "$(q 'select(.line==1) | .host')"
check "json: Windows create body" "jsonc process file://gmsa.json" \
	"$(q 'select(.line==2) | "\(.fields.ContainerName) \(.fields.Isolation) \(.fields.CredentialSpec)"')"
check "json: Windows bind" '["C:\\:C:\\host"] ["C:\\"]' "$(q 'select(.line==2) | "\(.fields.Binds | tojson) \(.fields.MountSource | tojson)"')"
check "json: numeric field" "404 2" "$(q 'select(.line==5) | "\(.fields.status) \(.level)"')"
grep -q 'line 6: broken JSON record' "$TMP/err" && pass "json: broken line reported" || fail "json: broken line report"

# ---- journald export
run "$D/journald.json"
check "journald: counts" "13 1 13 2" "$(stat_of records) $(stat_of failed) $(stat_of lines) $(stat_of skipped)"
check "journald: host" "node7" "$(q 'select(.line==2 and .fields.Action=="daemon.start") | .host')"
check "journald: daemon.config once per command line" "2 12" "$(q 'select(.fields.Action=="daemon.config" and .provider=="dockerd") | .line')"
check "journald: -H tcp:// found" 'true ["tcp://0.0.0.0:2375"]' \
	"$(q 'select(.line==2 and .fields.Action=="daemon.config") | "\(.fields.ApiTcp) \(.fields.ApiListen | tojson)"')"
check "journald: unix -H only is not TCP" "null" "$(q 'select(.line==12 and .fields.Action=="daemon.config") | .fields.ApiTcp')"
check "journald: record time and realtime kept" "2023-11-14T22:13:20.1000000Z 1700000000100000" \
	"$(q 'select(.line==2 and .fields.Action=="daemon.start") | "\(.time) \(.fields.RealtimeTimestamp)"')"
check "journald: pairing through MESSAGE" "nsenter1 nsenter -t 1 -m -u -n -i sh host" \
	"$(q 'select(.line==4) | "\(.fields.ContainerName) \(.fields.Command) \(.fields.PidMode)"')"
check "journald: byte-array MESSAGE" "3" "$(q 'select(.line==6) | .level')"
check "journald: null MESSAGE: event without Message" "daemon.log null" "$(q 'select(.line==7) | "\(.fields.Action) \(.fields.Message)"')"
grep -q 'exported as null' "$TMP/err" && pass "journald: null fields noted" || fail "journald: null note"
check "journald: repeated field" "daemon.start" "$(q 'select(.line==8) | .fields.Action')"
check "journald: other units skipped" "" "$(q 'select(.line==9) | .line')"
grep -q '1 entries of programs other than dockerd' "$TMP/err" && pass "journald: other units counted in a note" ||
	fail "journald: other units note"
printf '%s\n' '{"__REALTIME_TIMESTAMP":"1700000000000000","_HOSTNAME":"h1","MESSAGE":"time=\"2023-11-14T22:13:20Z\" level=info msg=\"API listen on [::]:2375\""}' |
	"$BOXTRAIL" events -f jsonl - >"$TMP/out1" 2>/dev/null
check "journald: an entry naming no program is kept" "daemon.api_listen h1" \
	"$(jq -r '"\(.fields.Action) \(.host)"' "$TMP/out1")"
grep -q 'line 10: ' "$TMP/err" && pass "journald: broken line reported" || fail "journald: broken line report"
check "journald: systemd line about the unit kept" "systemd" "$(q 'select(.line==1) | .provider')"
check "journald: panic on stderr" "1 panic" "$(q 'select(.line==13) | "\(.level) \(.fields.LogLevel)"')"
"$BOXTRAIL" events -f jsonl - <"$D/journald.json" >"$TMP/out" 2>/dev/null
check "journald: from standard input" "13" "$(wc -l <"$TMP/out" | tr -d ' ')"

# ---- docker events
run "$D/docker-events.jsonl"
check "events: counts" "10 1" "$(stat_of records) $(stat_of failed)"
check "events: provider and nanosecond time" "docker-cli 2023-11-14T22:13:20.1234567Z 1700000000123456789" \
	"$(q 'select(.line==1) | "\(.provider) \(.time) \(.fields.TimeOriginal)"')"
check "events: create" "container.create $C1 evil alpine:3.18" \
	"$(q 'select(.line==1) | "\(.fields.Action) \(.fields.ContainerID) \(.fields.ContainerName) \(.fields.Image)"')"
check "events: exec_create" "container.exec sh -c id exec_create: sh -c id" \
	"$(q 'select(.line==3) | "\(.fields.Action) \(.fields.Command) \(.fields.EventAction)"')"
check "events: die" "container.stop 137" "$(q 'select(.line==9) | "\(.fields.Action) \(.fields.ExitCode)"')"
check "events: kill without legacy keys" "container.kill web 9 shop" \
	"$(q 'select(.line==8) | "\(.fields.Action) \(.fields.ContainerName) \(.fields.Signal) \(.fields["Attributes.com.docker.compose.project"])"')"
check "events: volume mount" "volume.mount $C1 /data" \
	"$(q 'select(.line==6) | "\(.fields.Action) \(.fields.ContainerID) \(.fields.MountTarget[0])"')"
check "events: network name kept" "network.connect bridge" "$(q 'select(.line==5) | "\(.fields.Action) \(.fields["Attributes.name"])"')"
check "events: image pull" "image.pull alpine:3.18" "$(q 'select(.line==7) | "\(.fields.Action) \(.fields.Image)"')"
check "events: legacy only" "container.destroy 2023-11-14T22:16:40.0000000Z" "$(q 'select(.line==10) | "\(.fields.Action) \(.time)"')"

# ---- Docker Desktop
run "$D/desktop-host.log"
check "desktop: counts" "6 7 1" "$(stat_of records) $(stat_of lines) $(stat_of skipped)"
check "desktop: host component" "docker-desktop com.docker.backend.exe 3" \
	"$(q 'select(.line==2) | "\(.provider) \(.fields.Component) \(.level)"')"
check "desktop: forwarded containerd record" "containerd container.start $C2 2023-09-13T17:24:48.6239876Z" \
	"$(q 'select(.line==3) | "\(.provider) \(.fields.Action) \(.fields.ContainerID) \(.time)"')"
check "desktop: continuation" "    DD0027: is there available disk space on the host?" "$(q 'select(.line==5) | .fields.Continuation')"
check "desktop: no level bracket" "null com.docker.diagnose" "$(q 'select(.line==7) | "\(.level) \(.fields.Component)"')"
run "$D/desktop-vm-dockerd.log"
check "desktop vm: dockerd lines" "docker-desktop dockerd container.start" \
	"$(q 'select(.line==3) | "\(.source) \(.provider) \(.fields.Action)"')"
check "desktop vm: plain line with prefix time" "daemon.log 2021-07-28T10:21:22.0000000Z" "$(q 'select(.line==4) | "\(.fields.Action) \(.time)"')"

# ---- Docker Desktop's current log/vm/init.log (JSON lines, a component each)
P=5e2f0c9a7b1d4e3f8a6b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f
run "$D/desktop-vm-init.log"
check "init.log: format, counts (a line that is no entry failed)" "docker-desktop-init 13 1 17 3" \
	"$(grep -o 'format=[a-z-]*' "$TMP/err" | head -1 | cut -d= -f2) $(stat_of records) $(stat_of failed) $(stat_of lines) $(stat_of skipped)"
grep -q 'line 13: not a Docker Desktop init.log entry' "$TMP/err" && pass "init.log: the line that is no entry reported" ||
	fail "init.log: no report of line 13"
check "init.log: init's own line at the entry's time" "docker-desktop docker-desktop init daemon.log 2025-11-04T09:00:00.1000000Z" \
	"$(q 'select(.line==1) | "\(.source) \(.provider) \(.fields.Component) \(.fields.Action) \(.time)"')"
check "init.log: containerd's msg is a logrus record, its own time" "containerd containerd 2025-11-04T09:00:00.2000000Z v2.1.4" \
	"$(q 'select(.line==2) | "\(.provider) \(.fields.Component) \(.time) \(.fields.version)"')"
check "init.log: dockerd's create paired with its form data (line 6)" "container.create probe true /run/desktop/mnt/host/c 6" \
	"$(q 'select(.line==5) | "\(.fields.Action) \(.fields.ContainerName) \(.fields.Privileged) \(.fields.MountSource[0]) \(.fields.ApiBodyLine)"')"
check "init.log: the 404'd create is unconfirmed, decided by the retry (line 9), the pull named" "false 9 true" \
	"$(q 'select(.line==5) | "\(.fields.Confirmed) \(.fields.ConfirmationLine) \(.fields.Confirmation | test("^unconfirmed: created again under the same name.*a pull of its image followed it$"))"')"
check "init.log: an old container's id (line 4) confirms nothing" "daemon.log null" \
	"$(q 'select(.line==8) | "\(.fields.Action) \(.fields.Confirmed)"')"
check "init.log: the retry confirmed by the start of its new id (line 11)" "true 11 confirmed: the client used the new id $P" \
	"$(q 'select(.line==9) | "\(.fields.Confirmed) \(.fields.ConfirmationLine) \(.fields.Confirmation)"')"
check "init.log: containerd's task of the new id" "containerd container.start $P" \
	"$(q 'select(.line==12) | "\(.provider) \(.fields.Action) \(.fields.ContainerID)"')"
check "init.log: a newline in msg keeps the entry one line" 'vpnkit-bridge forwarding port 8080\nto the host' \
	"$(q 'select(.line==14) | "\(.fields.Component) \(.fields.Message)"')"
check "init.log: a create at the end, started by name only: unconfirmed" "false null" \
	"$(q 'select(.line==15) | "\(.fields.Confirmed) \(.fields.ConfirmationLine)"')"
q 'select(.line==15) | .fields.Confirmation' | grep -q '^unconfirmed: the log ends' &&
	pass "init.log: unconfirmed because the log ends" || fail "init.log: line 15 $(q 'select(.line==15) | .fields.Confirmation')"
"$BOXTRAIL" hunt -f jsonl "$D/desktop-vm-init.log" --assume-host ws1 >"$TMP/hunt" 2>/dev/null
check "init.log: one host-access finding, from the confirmed create only" "1 9" \
	"$(jq -r 'select(.rule.id == "3d7a2c95-e1f4-4b6a-8d09-5c8e1b4f2a76")' "$TMP/hunt" | jq -s -r '"\(length) \([.[].evidence[] | .copies[].line] | join(","))"')"
# a JSON-lines log with a component key but no msg is not Docker Desktop's
printf '%s\n' '{"component":"dockerd","level":"info","message":"Starting up","ts":1762246800}' \
	'{"component":"containerd","level":"info","message":"loaded","ts":1762246801}' >"$TMP/comp.jsonl"
"$BOXTRAIL" events --stats "$TMP/comp.jsonl" >/dev/null 2>"$TMP/err"
grep -q 'format=docker-desktop-init' "$TMP/err" && fail "component without msg taken for init.log" ||
	pass "init.log: a JSON log with component but no msg is not taken for it"

# ---- text and CSV output work on Docker events too
"$BOXTRAIL" events -f text "$D/dockerd-terminal.log" >"$TMP/out" 2>&1
grep -q 'Action=container.create' "$TMP/out" && pass "text output" || fail "text output"
"$BOXTRAIL" events -f csv "$D/docker-events.jsonl" >"$TMP/out" 2>/dev/null
check "csv output rows" "11" "$(wc -l <"$TMP/out" | tr -d ' ')"

finish
