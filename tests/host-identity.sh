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
