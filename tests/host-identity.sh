#!/bin/sh
# Host identity from a host's own files (issue 15): each source gives its
# fact, each near miss gives none - loopback and 127.0.1.1 in /etc/hosts,
# the container bridge and veth pairs in `ip addr`, the name servers of a
# netplan file, a hostnamectl-style line - and a collection whose files name
# two hosts is reported, not guessed.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
export BOXTRAIL_DATADIR=$top_srcdir

U="$TMP/case/web07/uac-web07-linux-20260901"
mkdir -p "$U/[root]/etc/netplan" "$U/live_response/network"
printf 'web07\n' >"$U/[root]/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 web07\n::1 ip6-localhost ip6-loopback\n# managed\n192.0.2.7 web07.example.test web07\n192.0.2.1 gw.example.test\n' \
	>"$U/[root]/etc/hosts"
cat >"$U/[root]/etc/netplan/01-net.yaml" <<'YAML'
network:
  ethernets:
    ens3:
      addresses: [192.0.2.7/24, "2001:db8::7/64"]
      nameservers:
        addresses:
        - 192.0.2.53
YAML
cat >"$U/live_response/network/ip_addr_show.txt" <<'IP'
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536
    inet 127.0.0.1/8 scope host lo
2: ens3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500
    inet 192.0.2.7/24 brd 192.0.2.255 scope global ens3
    inet6 fe80::1/64 scope link
3: docker0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500
    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0
7: veth1a2b3c@if6: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500
    inet 169.254.3.3/16 scope link veth1a2b3c
IP
printf 'Static hostname: web07\n' >"$U/live_response/network/hostname.txt"

"$BOXTRAIL" events -f jsonl "$TMP/case" >"$TMP/ev.jsonl" 2>"$TMP/err"
check "events: exit status" 0 $?
facts() { jq -r "select(.source == \"host-config\" and .provider == \"$1\") | $2" "$TMP/ev.jsonl" | LC_ALL=C sort | tr '\n' ' '; }
check "hostname file: the name, as the event's host" "web07 " "$(facts hostname .host)"
check "hosts: the host's own and another name, no loopback entry" \
	"192.0.2.1=gw.example.test 192.0.2.7=web07.example.test web07 " \
	"$(facts hosts '.fields.IpAddress + "=" + .fields.HostNames')"
check "netplan: the interface's addresses, not the name server" \
	"192.0.2.7@ens3 2001:db8::7@ens3 " "$(facts netplan '.fields.IpAddress + "@" + .fields.Interface')"
check "ip addr: ens3 only (no loopback, docker0, veth, link-local)" \
	"192.0.2.7@ens3 " "$(facts ip-addr '.fields.IpAddress + "@" + .fields.Interface')"
check "every fact names its file and line" "0" \
	"$(jq -s '[.[] | select(.source == "host-config" and ((.file | length) == 0 or .line < 1))] | length' "$TMP/ev.jsonl")"

# boxtrail hosts: the collection, its host with the file that states it,
# and the host's addresses with theirs; a stable order for any --jobs.
"$BOXTRAIL" hosts -f jsonl "$TMP/case" >"$TMP/h.jsonl" 2>"$TMP/err"
check "hosts: exit status" 0 $?
check "hosts: one collection, its layout and host" "uac web07" \
	"$(jq -r 'select(.collection) | "\(.layout) \(.host)"' "$TMP/h.jsonl")"
jq -e -s 'map(select(.collection))[0].names[0].evidence | endswith("[root]/etc/hostname:1")' "$TMP/h.jsonl" >/dev/null \
	&& pass "hosts: the name's evidence is the hostname file, line 1" || fail "hosts: $(cat "$TMP/h.jsonl")"
check "hosts: web07's addresses and how each is known" \
	"192.0.2.7 etc-hosts,192.0.2.7 ip-addr,192.0.2.7 netplan,2001:db8::7 netplan" \
	"$(jq -r 'select(.collection) | [.addresses[] | "\(.address) \(.how)"] | sort | join(",")' "$TMP/h.jsonl")"
check "hosts: the gateway is another host's address" "gw.example.test" \
	"$(jq -r 'select(.address) | .host' "$TMP/h.jsonl")"
"$BOXTRAIL" hosts -f jsonl -j 1 "$TMP/case" >"$TMP/h1.jsonl" 2>/dev/null
cmp -s "$TMP/h.jsonl" "$TMP/h1.jsonl" && pass "hosts: the same output with one thread" || fail "hosts: output depends on --jobs"

# No finding lost for want of a host: a privileged, host-mounted container in
# an offline Docker tree that nothing names is still reported, with a note
# saying why its host is unknown and what names it; --assume-host PATH=NAME
# names it (the longest PATH holding a file wins over a shorter one and over
# a bare NAME).
D="$TMP/nohost/docker/containers/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
mkdir -p "$D"
cat >"$D/config.v2.json" <<'JSON'
{"ID":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","Created":"2026-09-01T10:00:00Z","Name":"/tools","Path":"sh","Args":[],"Config":{"Image":"alpine","Hostname":"0123456789ab","Cmd":["sh"]},"State":{"Running":true,"Pid":4242,"StartedAt":"2026-09-01T10:00:01Z","FinishedAt":"0001-01-01T00:00:00Z"}}
JSON
cat >"$D/hostconfig.json" <<'JSON'
{"Binds":["/:/host"],"Privileged":true,"NetworkMode":"default"}
JSON
"$BOXTRAIL" hunt -f jsonl "$TMP/nohost" >"$TMP/nh.jsonl" 2>"$TMP/err"
check "unknown host: the host-access finding is still made" 1 \
	"$(jq -s '[.[] | select(.rule.title == "Container Started With Access to the Host")] | length' "$TMP/nh.jsonl")"
jq -e -s '.[0].notes | any(test("names no host .*--assume-host PATH=NAME"))' "$TMP/nh.jsonl" >/dev/null \
	&& pass "unknown host: the note says why and what names it" || fail "unknown host note: $(jq -c '.notes' "$TMP/nh.jsonl")"
"$BOXTRAIL" hunt -f jsonl --assume-host other \
	--assume-host "$TMP/nohost=outer" --assume-host "$TMP/nohost/docker=inner" "$TMP/nohost" >"$TMP/nh2.jsonl" 2>/dev/null
check "--assume-host PATH=NAME: the longest path wins" "inner" "$(jq -r '.hosts | join(",")' "$TMP/nh2.jsonl")"
"$BOXTRAIL" hunt -f jsonl --assume-host "$TMP/elsewhere=x" --assume-host bare "$TMP/nohost" >"$TMP/nh3.jsonl" 2>/dev/null
check "--assume-host: a bare NAME for what no PATH holds" "bare" "$(jq -r '.hosts | join(",")' "$TMP/nh3.jsonl")"
"$BOXTRAIL" hunt --assume-host =x "$TMP/nohost" >/dev/null 2>"$TMP/err"
check "--assume-host =x is a usage error" 2 $?

# An address two hosts claim as their own (each one's netplan): reported, and
# it joins neither.
for h in app1 app2; do
	N="$TMP/shared/$h/uac-$h-linux-2026/[root]/etc"
	mkdir -p "$N/netplan"
	printf '%s\n' "$h" >"$N/hostname"
	printf 'network:\n  ethernets:\n    eth0:\n      addresses:\n      - 198.51.100.9/24\n' >"$N/netplan/01.yaml"
done
"$BOXTRAIL" hosts -f jsonl "$TMP/shared" >"$TMP/sh.jsonl" 2>"$TMP/err"
grep -q 'warning: 198.51.100.9 is claimed by two hosts at overlapping times, app1 (netplan, .*) and app2 (netplan, .*): it joins neither' "$TMP/err" \
	&& pass "an address two hosts claim: reported" || fail "shared address: $(cat "$TMP/err")"

# A container on the host's network tells its host's name; another does not.
C="$TMP/hostnet/docker/containers"
mkdir -p "$C/aaaa" "$C/bbbb"
printf '{"ID":"aaaa","Created":"2026-09-01T10:00:00Z","Name":"/mon","Config":{"Image":"mon","Hostname":"edge-04"},"State":{"StartedAt":"2026-09-01T10:00:01Z"}}' >"$C/aaaa/config.v2.json"
printf '{"NetworkMode":"host"}' >"$C/aaaa/hostconfig.json"
printf '{"ID":"bbbb","Created":"2026-09-01T10:00:00Z","Name":"/web","Config":{"Image":"web","Hostname":"bbbb12345678"},"State":{"StartedAt":"2026-09-01T10:00:01Z"}}' >"$C/bbbb/config.v2.json"
printf '{"NetworkMode":"bridge"}' >"$C/bbbb/hostconfig.json"
"$BOXTRAIL" hosts -f jsonl "$TMP/hostnet" >"$TMP/hn.jsonl" 2>"$TMP/err"
check "host-network container: its Hostname names the Docker root's host, a bridged one's does not" \
	"$TMP/hostnet/docker edge-04" \
	"$(jq -r -s '[.[] | select(.collection) | "\(.collection) \([.names[].name] | join(","))"] | join(";")' "$TMP/hn.jsonl")"

# dockerd's API address and a port published on one address are the daemon's
# host's; a port published on loopback and a listen on all addresses are not.
L="$TMP/dockerd/node3"
mkdir -p "$L/containers/cccc" "$L/uac-node3-linux-2026/[root]/etc"
printf 'node3\n' >"$L/uac-node3-linux-2026/[root]/etc/hostname"
cat >"$L/docker.log" <<'LOG'
time="2026-09-01T09:00:00.000000000Z" level=info msg="API listen on 203.0.113.4:2376"
time="2026-09-01T09:00:00.100000000Z" level=info msg="API listen on [::]:2375"
LOG
printf '{"ID":"cccc","Created":"2026-09-01T10:00:00Z","Name":"/web","Config":{"Image":"web"},"State":{"StartedAt":"2026-09-01T10:00:01Z"}}' >"$L/containers/cccc/config.v2.json"
printf '{"NetworkMode":"bridge","PortBindings":{"80/tcp":[{"HostIp":"203.0.113.5","HostPort":"8080"}],"443/tcp":[{"HostIp":"127.0.0.1","HostPort":"8443"}]}}' >"$L/containers/cccc/hostconfig.json"
"$BOXTRAIL" hosts -f jsonl "$TMP/dockerd" >"$TMP/dl.jsonl" 2>"$TMP/err"
check "dockerd listen and port binding: the host's addresses" \
	"203.0.113.4 dockerd-listen node3,203.0.113.5 port-binding node3" \
	"$(jq -r -s '[.[] | select(.address) | "\(.address) \(.how) \(.host)"] + [.[] | select(.collection) | .addresses[] | "\(.address) \(.how) \(.host)"] | sort | join(",")' "$TMP/dl.jsonl")"

# Two names in one collection: reported once, naming both and their files.
U2="$TMP/case2/db01/uac-db01-linux-20260901"
mkdir -p "$U2/[root]/etc" "$U2/live_response/network"
printf 'db01\n' >"$U2/[root]/etc/hostname"
printf 'db02\n' >"$U2/live_response/network/uname_-n.txt"
"$BOXTRAIL" hunt -f jsonl "$TMP/case2" >/dev/null 2>"$TMP/err2"
grep -q 'case2/db01: warning: this collection (uac) names 2 hosts, db01 (.*etc/hostname:1) and db02 (.*uname_-n.txt:1)' "$TMP/err2" \
	&& pass "two names in a collection: reported" || fail "no conflict report: $(cat "$TMP/err2")"
check "two names: reported once" 1 "$(grep -c 'names 2 hosts' "$TMP/err2")"
finish
