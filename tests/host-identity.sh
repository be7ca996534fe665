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
# Docker's copy of the host's /etc/hosts in a host-network container's folder
# is the host's; the hosts file of a bridged container is its own
printf '127.0.0.1 localhost\n198.51.100.44 edge-04.example.test edge-04\n' >"$C/aaaa/hosts"
printf '127.0.0.1 localhost\n172.17.0.9 bbbb12345678\n198.51.100.99 decoy.example.test\n' >"$C/bbbb/hosts"
printf '{"ID":"bbbb","Created":"2026-09-01T10:00:00Z","Name":"/web","Config":{"Image":"web","Hostname":"bbbb12345678"},"State":{"StartedAt":"2026-09-01T10:00:01Z"}}' >"$C/bbbb/config.v2.json"
printf '{"NetworkMode":"bridge"}' >"$C/bbbb/hostconfig.json"
# a container's address: on the default bridge every host reuses it (no link);
# on a network of its own (macvlan) the LAN sees it (a link to the host)
python3 - "$C/bbbb/config.v2.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["NetworkSettings"] = {"Networks": {"bridge": {"IPAddress": "172.17.0.5"}}}
json.dump(d, open(sys.argv[1], "w"))
PY
mkdir -p "$C/dddd"
printf '{"ID":"dddd","Created":"2026-09-01T10:00:00Z","Name":"/scan","Config":{"Image":"scan","Hostname":"dddd12345678"},"State":{"StartedAt":"2026-09-01T10:00:01Z"},"NetworkSettings":{"Networks":{"lan":{"IPAddress":"192.0.2.77"}}}}' >"$C/dddd/config.v2.json"
printf '{"NetworkMode":"lan"}' >"$C/dddd/hostconfig.json"
"$BOXTRAIL" hosts -f jsonl "$TMP/hostnet" >"$TMP/hn.jsonl" 2>"$TMP/err"
check "a host-network container's hosts file is the host's; a bridged one's is not" \
	"198.51.100.44 etc-hosts" \
	"$(jq -r -s '[.[] | select(.collection) | .addresses[] | select(.how == "etc-hosts") | "\(.address) \(.how)"] | join(",")' "$TMP/hn.jsonl")"
check "container addresses: a macvlan one links, a default-bridge one does not" "192.0.2.77" \
	"$(jq -r -s '[.[] | select(.collection) | .addresses[] | select(.how == "container-network") | .address] | join(",")' "$TMP/hn.jsonl")"
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

# The other configuration sources of a host's addresses, each with its near
# miss: `ifconfig -a` (both formats; not lo, docker0, veth, link-local),
# NetworkManager keyfiles (not dns= nor the gateway after an address),
# ifupdown (not gateway, dns-nameservers, lo), systemd-networkd (not
# Gateway=, DNS=), DHCP leases (not the router nor the server).
V="$TMP/case3/web08/uac-web08-linux-20260901"
mkdir -p "$V/[root]/etc/NetworkManager/system-connections" "$V/[root]/etc/network" \
	"$V/[root]/etc/systemd/network" "$V/[root]/var/lib/dhcp" "$V/[root]/var/lib/NetworkManager" \
	"$V/[root]/run/systemd/netif/leases" "$V/live_response/network"
printf 'web08\n' >"$V/[root]/etc/hostname"
cat >"$V/live_response/network/ifconfig_-a.txt" <<'IFC'
docker0: flags=4099<UP,BROADCAST,MULTICAST>  mtu 1500
        inet 172.17.0.1  netmask 255.255.0.0  broadcast 172.17.255.255
eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
        inet 192.0.2.8  netmask 255.255.255.0  broadcast 192.0.2.255
        inet6 fe80::5054:ff:fe12:3456  prefixlen 64  scopeid 0x20<link>

lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536
        inet 127.0.0.1  netmask 255.0.0.0
eth1      Link encap:Ethernet  HWaddr 52:54:00:12:34:57
          inet addr:198.51.100.8  Bcast:198.51.100.255  Mask:255.255.255.0
          inet6 addr: 2001:db8::8/64 Scope:Global
          inet6 addr: fe80::1/64 Scope:Link
veth12ab  Link encap:Ethernet  HWaddr 52:54:00:12:34:58
          inet addr:10.99.0.1  Bcast:10.99.0.255  Mask:255.255.255.0
IFC
cat >"$V/[root]/etc/NetworkManager/system-connections/Wired.nmconnection" <<'NM'
[connection]
id=Wired
interface-name=ens4
[ipv4]
method=manual
address1=192.0.2.18/24,192.0.2.1
addresses=192.0.2.19/24;192.0.2.20/24;
dns=192.0.2.53;
gateway=192.0.2.1
[ipv6]
addresses1=2001:db8::18;64;2001:db8::1;
NM
cat >"$V/[root]/etc/network/interfaces" <<'IFUPDOWN'
auto lo
iface lo inet loopback
    address 127.0.0.1
iface eth2 inet static
    address 192.0.2.28/24
    gateway 192.0.2.1
    dns-nameservers 192.0.2.53
IFUPDOWN
cat >"$V/[root]/etc/systemd/network/10-eth3.network" <<'NETWORKD'
[Match]
Name=eth3
[Network]
Address=192.0.2.38/24
Gateway=192.0.2.1
DNS=192.0.2.53
NETWORKD
cat >"$V/[root]/var/lib/dhcp/dhclient.eth4.leases" <<'LEASE'
lease {
  interface "eth4";
  fixed-address 203.0.113.48;
  option routers 203.0.113.1;
  option dhcp-lease-time 86400;
  option dhcp-server-identifier 203.0.113.1;
  renew 2 2026/08/11 10:00:00;
  expire 2 2026/08/11 22:00:00;
}
LEASE
printf '# This is private data. Do not parse.\nADDRESS=203.0.113.58\nROUTER=203.0.113.1\nSERVER_ADDRESS=203.0.113.1\n' \
	>"$V/[root]/var/lib/NetworkManager/internal-0b7c1d2e-11aa-eth5.lease"
printf 'ADDRESS=203.0.113.68\nROUTER=203.0.113.1\n' >"$V/[root]/run/systemd/netif/leases/2"
"$BOXTRAIL" events -f jsonl "$TMP/case3" >"$TMP/ev.jsonl" 2>"$TMP/err"
check "events (more sources): exit status" 0 $?
check "ifconfig: eth0 and eth1, both formats (no lo, docker0, veth, link-local)" \
	"192.0.2.8@eth0 198.51.100.8@eth1 2001:db8::8@eth1 " "$(facts ifconfig '.fields.IpAddress + "@" + .fields.Interface')"
check "NetworkManager: the addresses, not dns= nor the gateways" \
	"192.0.2.18@ens4 192.0.2.19@ens4 192.0.2.20@ens4 2001:db8::18@ens4 " \
	"$(facts networkmanager '.fields.IpAddress + "@" + .fields.Interface')"
check "ifupdown: eth2's address, not the gateway, name server or lo" \
	"192.0.2.28@eth2 " "$(facts ifupdown '.fields.IpAddress + "@" + .fields.Interface')"
check "networkd: Address=, not Gateway= nor DNS=" \
	"192.0.2.38@eth3 " "$(facts networkd '.fields.IpAddress + "@" + .fields.Interface')"
check "DHCP leases: the host's address with its span, not the router nor the server" \
	"203.0.113.48@eth4 2026-08-10T22:00:00.0000000Z..2026-08-11T22:00:00.0000000Z 203.0.113.58@eth5 .. 203.0.113.68@ .. " \
	"$(facts dhcp-lease '.fields.IpAddress + "@" + (.fields.Interface // "") + " " + (.time // "") + ".." + (.fields.LeaseEnd // "")')"
"$BOXTRAIL" hosts -f jsonl "$TMP/case3" >"$TMP/h3.jsonl" 2>"$TMP/err"
check "hosts: each source's addresses are web08's" \
	"192.0.2.18 networkmanager,192.0.2.19 networkmanager,192.0.2.20 networkmanager,192.0.2.28 ifupdown,192.0.2.38 networkd,192.0.2.8 ifconfig,198.51.100.8 ifconfig,2001:db8::18 networkmanager,2001:db8::8 ifconfig,203.0.113.48 dhcp-lease,203.0.113.58 dhcp-lease,203.0.113.68 dhcp-lease" \
	"$(jq -r 'select(.collection and .host == "web08") | [.addresses[] | "\(.address) \(.how)"] | sort | join(",")' "$TMP/h3.jsonl")"
check "hosts: nothing links the gateways or name servers" "" "$(jq -r 'select(.address) | .address' "$TMP/h3.jsonl")"

# DHCP hands an address out again: two hosts' leases of one address one after
# the other are no conflict; leases that overlap are (the near miss).
lease() { # host renew-date expire-date
	D="$TMP/dhcp/$1/uac-$1-linux-2026/[root]"
	mkdir -p "$D/etc" "$D/var/lib/dhcp"
	printf '%s\n' "$1" >"$D/etc/hostname"
	printf 'lease {\n  fixed-address 203.0.113.77;\n  option dhcp-lease-time 86400;\n  renew 1 %s 12:00:00;\n  expire 1 %s 00:00:00;\n}\n' \
		"$2" "$3" >"$D/var/lib/dhcp/dhclient.leases"
}
lease pc1 2026/08/01 2026/08/02
lease pc2 2026/08/05 2026/08/06
"$BOXTRAIL" hosts -f jsonl "$TMP/dhcp" >"$TMP/dh.jsonl" 2>"$TMP/err"
check "DHCP reuse: no conflict when the leases follow each other" "" "$(grep 'claimed by two hosts' "$TMP/err")"
check "DHCP reuse: each host holds the address for its lease's span" \
	"pc1 2026-08-01T00:00:00.0000000Z 2026-08-02T00:00:00.0000000Z;pc2 2026-08-05T00:00:00.0000000Z 2026-08-06T00:00:00.0000000Z" \
	"$(jq -r -s '[.[] | select(.collection) | .addresses[] | "\(.host) \(.first) \(.last)"] | sort | join(";")' "$TMP/dh.jsonl")"
lease pc2 2026/08/01 2026/08/02
"$BOXTRAIL" hosts -f jsonl "$TMP/dhcp" >/dev/null 2>"$TMP/err"
grep -q 'warning: 203.0.113.77 is claimed by two hosts at overlapping times, pc1 (dhcp-lease, .*) and pc2 (dhcp-lease, .*)' "$TMP/err" \
	&& pass "DHCP leases that overlap: reported" || fail "overlapping leases: $(cat "$TMP/err")"

# A DHCP client's journal lines: the address systemd-networkd or
# NetworkManager acquired is the entry's host's from the entry's time; the
# gateway, the server, another program's look-alike line and other entries
# are not (those stay left out and counted as before).
J="$TMP/jdhcp/lnx09"
mkdir -p "$J"
cat >"$J/journal.json" <<'JSON'
{"__REALTIME_TIMESTAMP":"1786442400000000","__SEQNUM":"10","_HOSTNAME":"lnx09","SYSLOG_IDENTIFIER":"systemd-networkd","_COMM":"systemd-networkd","MESSAGE":"eth0: DHCPv4 address 10.20.30.9/24, gateway 10.20.30.1 acquired from 10.20.30.2"}
{"__REALTIME_TIMESTAMP":"1786442401000000","__SEQNUM":"11","_HOSTNAME":"lnx09","SYSLOG_IDENTIFIER":"NetworkManager","_COMM":"NetworkManager","MESSAGE":"<info>  [1786442401.1234] dhcp4 (ens5):   address 10.20.31.9"}
{"__REALTIME_TIMESTAMP":"1786442401000000","__SEQNUM":"12","_HOSTNAME":"lnx09","SYSLOG_IDENTIFIER":"NetworkManager","_COMM":"NetworkManager","MESSAGE":"<info>  [1786442401.1235] dhcp4 (ens5):   gateway 10.20.31.1"}
{"__REALTIME_TIMESTAMP":"1786442402000000","__SEQNUM":"13","_HOSTNAME":"lnx09","SYSLOG_IDENTIFIER":"myapp","_COMM":"myapp","MESSAGE":"eth0: DHCPv4 address 10.20.30.99/24, gateway 10.20.30.1 acquired from 10.20.30.2"}
{"__REALTIME_TIMESTAMP":"1786442403000000","__SEQNUM":"14","_HOSTNAME":"lnx09","SYSLOG_IDENTIFIER":"sshd","_COMM":"sshd","MESSAGE":"Accepted publickey for root"}
JSON
"$BOXTRAIL" events -f jsonl "$TMP/jdhcp" >"$TMP/jd.jsonl" 2>"$TMP/err"
check "journal DHCP lines: the acquired addresses, with the entry's host and time" \
	"10.20.30.9@eth0 lnx09 2026-08-11T10:00:00.0000000Z #10,10.20.31.9@ens5 lnx09 2026-08-11T10:00:01.0000000Z #11" \
	"$(jq -r -s '[.[] | select(.source == "host-config" and .provider == "dhcp") | "\(.fields.IpAddress)@\(.fields.Interface) \(.host) \(.time) #\(.record_id)"] | join(",")' "$TMP/jd.jsonl")"
check "journal DHCP lines: nothing else becomes an event" "2" "$(wc -l <"$TMP/jd.jsonl" | tr -d ' ')"
grep -q 'journal.json: 3 entries of programs other than dockerd, containerd and docker-proxy left out' "$TMP/err" \
	&& pass "journal DHCP lines: the other entries are left out and counted" || fail "left out: $(cat "$TMP/err")"
"$BOXTRAIL" hosts -f jsonl "$TMP/jdhcp" >"$TMP/jh.jsonl" 2>/dev/null
check "journal DHCP lines: lnx09's addresses from the entry's time" \
	"10.20.30.9 dhcp-log 2026-08-11T10:00:00.0000000Z,10.20.31.9 dhcp-log 2026-08-11T10:00:01.0000000Z" \
	"$(jq -r 'select(.collection) | [.addresses[] | "\(.address) \(.how) \(.first)"] | sort | join(",")' "$TMP/jh.jsonl")"

# Two names in one collection: reported once, naming both and their files.
U2="$TMP/case2/db01/uac-db01-linux-20260901"
mkdir -p "$U2/[root]/etc" "$U2/live_response/network"
printf 'db01\n' >"$U2/[root]/etc/hostname"
printf 'db02\n' >"$U2/live_response/network/uname_-n.txt"
"$BOXTRAIL" hunt -f jsonl "$TMP/case2" >/dev/null 2>"$TMP/err2"
grep -q 'case2/db01: warning: this collection (uac) names 2 hosts, db01 (.*etc/hostname:1) and db02 (.*uname_-n.txt:1)' "$TMP/err2" \
	&& pass "two names in a collection: reported" || fail "no conflict report: $(cat "$TMP/err2")"
check "two names: reported once" 1 "$(grep -c 'names 2 hosts' "$TMP/err2")"

# hunt notes each file's collection, whatever file came before: a folder whose
# first file states the same host as another folder's last one is still noted
# (a walked file's path memory is reused for the next one: the notes were once
# kept by pointer, and Y's DC01 went unnoted), at every --jobs
mkdir -p "$TMP/case3/X" "$TMP/case3/Y"
"$top_builddir/tests/tools/evtxgen" write "$top_srcdir/tests/data/evtxgen/types.jsonl" "$TMP/case3/X/Security.evtx" ||
	fail "evtxgen"
cp "$TMP/case3/X/Security.evtx" "$TMP/case3/Y/Security.evtx"
cp "$top_srcdir/samples/SRV-BUILD01/Sysmon.evtx" "$TMP/case3/Y/Sysmon.evtx"
for j in 1 2; do
	"$BOXTRAIL" hunt -j $j -f jsonl "$TMP/case3" >/dev/null 2>"$TMP/err3"
	grep -q 'case3/Y: warning: this collection (folder) names 2 hosts, DC01.corp.local .*and SRV-BUILD01' "$TMP/err3" \
		&& pass "--jobs $j: the second folder's two hosts reported" || fail "--jobs $j: $(grep case3 "$TMP/err3")"
done
finish
