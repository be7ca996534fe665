#!/usr/bin/env python3
"""Writes the sources of incident 2, "linux-docker-host" (EXPECTED.md beside this file).

A Linux CI host (lnx-ci-07, Docker Engine with --debug) and the domain controller
ADDC02 of ACME.INTERNAL on 2026-08-12 (UTC). Outputs, relative to --out (default:
this script's folder):
  src/ADDC02-Security.jsonl     evtxgen input of ADDC02's Security log
  src/EVTX                      which .evtx file each .jsonl becomes (for build.sh)
  collection/lnx-ci-07/...      the Linux host's evidence as collected (text files)
and prints the key events (file, record or line, time) on stdout.

Deterministic: its own PRNG, no clock; a run reproduces the committed files byte
for byte (tests/incidents-evidence.sh checks it).
"""
import argparse
import datetime
import hashlib
import json
import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the source tree (EXTRA_DIST ships the folder)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from incidentlib import (Clock, Domain, Log, Rng, Security, SEC_GUID, SEC_PROVIDER,  # noqa: E402
                         go_json, go_struct_json, logrus_text, write_lines, write_text)

GEN = "tests/data/incidents/linux-docker-host/mkincident.py"
C = Clock(datetime.datetime(2026, 8, 12))
T = Clock.T
R = Rng(20260812)

REALM = "ACME.INTERNAL"
DNS = "acme.internal"
DOM = Domain("ACME", REALM, "S-1-5-21-2873614059-3349052761-1420958837", {
    "Administrator": 500, "krbtgt": 502, "ADDC02$": 1000, "ADDC03$": 1001,
    "p.kowalski": 1108, "m.ferreira": 1109, "a.novak": 1112, "h.lindqvist": 1118,
    "APP-LEG03$": 1122, "WS-ACME-0142$": 1140, "WS-ACME-0157$": 1141, "FS01$": 1142,
    "LNX-CI-07$": 1150,
    "svc_mssql01": 1201, "svc_jira": 1202, "svc_veeam": 1203, "svc_sharepoint": 1204,
    "svc_adfs": 1205, "svc_reporting": 1210, "svc_kiosk": 1230, "svc_scan2mail": 1231,
})
SEC = Security(DOM, R)

HOST = "lnx-ci-07"
HOST_FQDN = "lnx-ci-07.acme.internal"
HOST_IP = "10.20.5.37"
HOST_MAC = "00:50:56:9a:3c:71"
DC = "ADDC02.acme.internal"
DC_IP = "10.20.0.10"
DC2_IP = "10.20.0.11"
WS1, WS1_IP = "WS-ACME-0142", "10.20.12.48"
WS2, WS2_IP = "WS-ACME-0157", "10.20.12.61"
FS, FS_IP = "FS01", "10.20.1.20"
LEGACY, LEGACY_IP = "APP-LEG03", "10.20.7.15"

UAC_DIR = "uac-lnx-ci-07-linux-20260812103044"
API = "/v1.52"
ENGINE = "29.1.3"
BOOT = datetime.datetime(2026, 8, 3, 5, 11, 52, 406113)       # the host's last boot
DOCKERD_PID = "1184"
CMDLINE = "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock"


def hexid(what, n=64):
    """A stable, random-looking id (container, exec, network, image)."""
    return hashlib.sha256(("incident-2/" + what).encode()).hexdigest()[:n]


SYSDIAG_ID = hexid("container/sysdiag")
WEB_ID = hexid("container/web")
PROBE_ID = hexid("container/blackbox")
BRIDGE_ID = hexid("network/bridge")
TOOLBOX = "ghcr.io/example-sec/toolbox:2.4"
TOOLBOX_LABELS = {"org.opencontainers.image.source": "https://github.com/example-sec/toolbox",
                  "org.opencontainers.image.version": "2.4"}
STOLEN_CCACHE = "/tmp/krb5cc_1587401112_Kq3ZtA"      # a.novak's sssd ccache on the host


# ---------------------------------------------------------------- journald export

class Journal:
    """`journalctl -u docker -o json` lines of the daemon's stderr (logrus text)."""

    def __init__(self):
        self.lines = []            # (ticks, seq, logrus line, key)
        self.seq = 0
        self.boot_id = hexid("boot", 32)
        self.machine_id = hexid("machine-id", 32)
        self.seqnum_id = hexid("seqnum-id", 32)
        self.stream_id = hexid("stream", 32)
        self.invocation = hexid("invocation", 32)

    def log(self, ticks, level, msg, fields=(), key=None):
        text = logrus_text(C.nano9(ticks, R.below(100)), level, msg, fields)
        self.lines.append((ticks, self.seq, text, key))
        self.seq += 1

    def write(self, path, keys):
        self.lines.sort(key=lambda e: (e[0], e[1]))
        boot_us = int((BOOT - datetime.datetime(1970, 1, 1)).total_seconds() * 1_000_000)
        seqnum = 0x1a2f3c
        out = []
        for n, (ticks, _, text, key) in enumerate(self.lines, 1):
            rt = C.epoch_us(ticks) + 40 + R.below(160)
            mono = rt - boot_us
            seqnum += 1 + R.below(40)
            xor = R.hexs(16, upper=False)
            e = {
                "__CURSOR": "s=%s;i=%x;b=%s;m=%x;t=%x;x=%s" % (self.seqnum_id, seqnum, self.boot_id,
                                                              mono, rt, xor),
                "__REALTIME_TIMESTAMP": str(rt), "__MONOTONIC_TIMESTAMP": str(mono),
                "__SEQNUM": str(seqnum), "__SEQNUM_ID": self.seqnum_id, "_BOOT_ID": self.boot_id,
                "_TRANSPORT": "stdout", "PRIORITY": "6", "SYSLOG_FACILITY": "3", "_UID": "0",
                "_GID": "0", "_CAP_EFFECTIVE": "1ffffffffff", "_SELINUX_CONTEXT": "unconfined\n",
                "_MACHINE_ID": self.machine_id, "_HOSTNAME": HOST, "_RUNTIME_SCOPE": "system",
                "_SYSTEMD_SLICE": "system.slice", "_STREAM_ID": self.stream_id,
                "SYSLOG_IDENTIFIER": "dockerd", "_PID": DOCKERD_PID, "_COMM": "dockerd",
                "_EXE": "/usr/bin/dockerd", "_CMDLINE": CMDLINE,
                "_SYSTEMD_CGROUP": "/system.slice/docker.service",
                "_SYSTEMD_UNIT": "docker.service", "_SYSTEMD_INVOCATION_ID": self.invocation,
                "MESSAGE": text,
            }
            out.append(json.dumps(e, ensure_ascii=False, separators=(",", ":")))
            if key:
                keys.append(("docker.service.json", "line %d" % n, C.rfc(ticks), key))
        write_lines(path, out)


# ---------------------------------------------------------------- docker events

class Events:
    """`docker events --format '{{json .}}'` as saved by the responder (API 1.52:
    no legacy status/id/from)."""

    def __init__(self):
        self.ev = []               # (ticks, seq, dict, key)
        self.seq = 0

    def add(self, ticks, typ, action, actor, attrs, key=None):
        self.ev.append((ticks, self.seq, {
            "Type": typ, "Action": action, "Actor": {"ID": actor, "Attributes": dict(sorted(
                attrs.items()))}, "scope": "local", "time": C.epoch_s(ticks),
            "timeNano": C.epoch_ns(ticks, R.below(100))}, key))
        self.seq += 1

    def container(self, ticks, action, cid, name, image, labels, more=None, key=None):
        a = dict(labels)
        a.update({"image": image, "name": name})
        a.update(more or {})
        self.add(ticks, "container", action, cid, a, key)

    def network(self, ticks, action, cid):
        self.add(ticks, "network", action, BRIDGE_ID, {"container": cid, "name": "bridge",
                                                        "type": "bridge"})

    def write(self, path, keys):
        self.ev.sort(key=lambda e: (e[0], e[1]))
        out = []
        for n, (ticks, _, e, key) in enumerate(self.ev, 1):
            out.append(go_struct_json(e))
            if key:
                keys.append(("docker-events.json", "line %d" % n, C.rfc(ticks), key))
        write_lines(path, out)


# ---------------------------------------------------------------- request bodies

def create_body(image, cmd, binds=None, privileged=False, labels=None, env=None, attach=False,
                stdin=False, network="default", mounts_cache=None):
    """The docker CLI's (and the runner's) create request as dockerd's debug
    middleware logs it: decoded into a map and encoded again."""
    host_config = {
        "AutoRemove": False, "Binds": binds, "BlkioDeviceReadBps": [], "BlkioDeviceReadIOps": [],
        "BlkioDeviceWriteBps": [], "BlkioDeviceWriteIOps": [], "BlkioWeight": 0,
        "BlkioWeightDevice": [], "CapAdd": None, "CapDrop": None, "Cgroup": "",
        "CgroupParent": "", "CgroupnsMode": "", "ConsoleSize": [0, 0], "ContainerIDFile": "",
        "CpuCount": 0, "CpuPercent": 0, "CpuPeriod": 0, "CpuQuota": 0, "CpuRealtimePeriod": 0,
        "CpuRealtimeRuntime": 0, "CpuShares": 0, "CpusetCpus": "", "CpusetMems": "",
        "DeviceCgroupRules": None, "DeviceRequests": None, "Devices": [], "Dns": [],
        "DnsOptions": [], "DnsSearch": [], "ExtraHosts": None, "GroupAdd": None,
        "IOMaximumBandwidth": 0, "IOMaximumIOps": 0, "IpcMode": "", "Isolation": "",
        "Links": None, "LogConfig": {"Config": {}, "Type": ""}, "MaskedPaths": None,
        "Memory": 0, "MemoryReservation": 0, "MemorySwap": 0, "MemorySwappiness": -1,
        "NanoCpus": 0, "NetworkMode": network, "OomKillDisable": None, "OomScoreAdj": 0,
        "PidMode": "", "PidsLimit": None, "PortBindings": {}, "Privileged": privileged,
        "PublishAllPorts": False, "ReadonlyPaths": None, "ReadonlyRootfs": False,
        "RestartPolicy": {"MaximumRetryCount": 0, "Name": "no"}, "SecurityOpt": None,
        "ShmSize": 0, "UTSMode": "", "Ulimits": None, "UsernsMode": "", "VolumeDriver": "",
        "VolumesFrom": None,
    }
    return {
        "AttachStderr": attach, "AttachStdin": stdin, "AttachStdout": attach, "Cmd": cmd,
        "Domainname": "", "Entrypoint": None, "Env": env or [], "HostConfig": host_config,
        "Hostname": "", "Image": image, "Labels": labels or {},
        "NetworkingConfig": {"EndpointsConfig": {}}, "OnBuild": None, "OpenStdin": stdin,
        "StdinOnce": stdin, "Tty": False, "User": "", "Volumes": {}, "WorkingDir": "",
    }


def exec_body(cmd, env=None):
    return {"AttachStderr": True, "AttachStdin": False, "AttachStdout": True, "Cmd": cmd,
            "ConsoleSize": [0, 0], "Detach": False, "DetachKeys": "", "Env": env,
            "Privileged": False, "Tty": False, "User": "", "WorkingDir": ""}


# ---------------------------------------------------------------- /var/lib/docker

PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def masked():
    return (["/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
             "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
             "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"],
            ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])


def hostconfig(binds, network, privileged, ports=None, restart="no"):
    mp, rp = (None, None) if privileged else masked()
    return {
        "Binds": binds, "ContainerIDFile": "", "LogConfig": {"Type": "json-file", "Config": {}},
        "NetworkMode": network, "PortBindings": ports or {},
        "RestartPolicy": {"Name": restart, "MaximumRetryCount": 0}, "AutoRemove": False,
        "VolumeDriver": "", "VolumesFrom": None, "ConsoleSize": [0, 0], "CapAdd": None,
        "CapDrop": None, "CgroupnsMode": "private", "Dns": [], "DnsOptions": [], "DnsSearch": [],
        "ExtraHosts": None, "GroupAdd": None, "IpcMode": "private", "Cgroup": "", "Links": None,
        "OomScoreAdj": 0, "PidMode": "", "Privileged": privileged, "PublishAllPorts": False,
        "ReadonlyRootfs": False, "SecurityOpt": None, "UTSMode": "", "UsernsMode": "",
        "ShmSize": 67108864, "Runtime": "runc", "Isolation": "", "CpuShares": 0, "Memory": 0,
        "NanoCpus": 0, "CgroupParent": "", "BlkioWeight": 0, "BlkioWeightDevice": [],
        "BlkioDeviceReadBps": [], "BlkioDeviceWriteBps": [], "BlkioDeviceReadIOps": [],
        "BlkioDeviceWriteIOps": [], "CpuPeriod": 0, "CpuQuota": 0, "CpuRealtimePeriod": 0,
        "CpuRealtimeRuntime": 0, "CpusetCpus": "", "CpusetMems": "", "Devices": [],
        "DeviceCgroupRules": None, "DeviceRequests": None, "MemoryReservation": 0,
        "MemorySwap": 0, "MemorySwappiness": None, "OomKillDisable": None, "PidsLimit": None,
        "Ulimits": None, "CpuCount": 0, "CpuPercent": 0, "IOMaximumIOps": 0,
        "IOMaximumBandwidth": 0, "MaskedPaths": mp, "ReadonlyPaths": rp,
    }


def config_v2(cid, name, image, cmd, path_args, created, started, running, pid, hostname,
              network, ip, mac, mounts, labels, apparmor, env=None, workdir=""):
    d = "/var/lib/docker/containers/" + cid
    if network == "host":
        nets = {"host": {"IPAMConfig": None, "Links": None, "Aliases": None, "MacAddress": "",
                         "DriverOpts": None, "GwPriority": 0, "NetworkID": hexid("network/host"),
                         "EndpointID": hexid("endpoint/" + name), "Gateway": "", "IPAddress": "",
                         "IPPrefixLen": 0, "IPv6Gateway": "", "GlobalIPv6Address": "",
                         "GlobalIPv6PrefixLen": 0, "DNSNames": None}}
    else:
        nets = {"bridge": {"IPAMConfig": None, "Links": None, "Aliases": None, "MacAddress": mac,
                           "DriverOpts": None, "GwPriority": 0, "NetworkID": BRIDGE_ID,
                           "EndpointID": hexid("endpoint/" + name), "Gateway": "172.17.0.1",
                           "IPAddress": ip, "IPPrefixLen": 16, "IPv6Gateway": "",
                           "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "DNSNames": None}}
    return {
        "StreamConfig": {},
        "State": {"Running": running, "Paused": False, "Restarting": False, "OOMKilled": False,
                  "RemovalInProgress": False, "Dead": False, "Pid": pid, "ExitCode": 0,
                  "Error": "", "StartedAt": started, "FinishedAt": "0001-01-01T00:00:00Z",
                  "Health": None},
        "ID": cid, "Created": created, "Managed": False, "Path": path_args[0],
        "Args": path_args[1:],
        "Config": {"Hostname": hostname, "Domainname": "", "User": "", "AttachStdin": False,
                   "AttachStdout": False, "AttachStderr": False, "Tty": False,
                   "OpenStdin": False, "StdinOnce": False, "Env": env or [PATH_ENV], "Cmd": cmd,
                   "Image": image, "Volumes": None, "WorkingDir": workdir, "Entrypoint": None,
                   "OnBuild": None, "Labels": labels},
        "Image": "sha256:" + hexid("image/" + image),
        "ImageManifest": None,
        "NetworkSettings": {"Bridge": "", "SandboxID": hexid("sandbox/" + name),
                            "SandboxKey": "" if network == "host" else
                            "/var/run/docker/netns/" + hexid("sandbox/" + name, 12),
                            "HairpinMode": False, "LinkLocalIPv6Address": "",
                            "LinkLocalIPv6PrefixLen": 0, "Networks": nets, "Service": None,
                            "Ports": {}, "SecondaryIPAddresses": None,
                            "SecondaryIPv6Addresses": None, "HasSwarmEndpoint": False},
        "LogPath": "%s/%s-json.log" % (d, cid), "Name": "/" + name, "Driver": "overlay2",
        "OS": "linux", "RestartCount": 0, "HasBeenStartedBefore": True,
        "HasBeenManuallyStopped": False, "MountPoints": mounts, "SecretReferences": None,
        "ConfigReferences": None, "MountLabel": "", "ProcessLabel": "",
        "AppArmorProfile": apparmor, "SeccompProfile": "", "NoNewPrivileges": False,
        "HostnamePath": d + "/hostname", "HostsPath": d + "/hosts", "ShmPath": d + "/mounts/shm",
        "ResolvConfPath": d + "/resolv.conf", "LocalLogCacheMeta": {"HaveNotifyEnabled": False},
    }


def bind_mount(src, dst, rw=True):
    return {"Source": src, "Destination": dst, "RW": rw, "Name": "", "Driver": "", "Type": "bind",
            "Propagation": "rprivate", "Spec": {"Type": "bind", "Source": src, "Target": dst,
                                                **({} if rw else {"ReadOnly": True})},
            "SkipMountpointCreation": False}


ETC_HOSTS = """127.0.0.1 localhost
127.0.1.1 lnx-ci-07

# The following lines are desirable for IPv6 capable hosts
::1     ip6-localhost ip6-loopback
fe00::0 ip6-localnet
ff00::0 ip6-mcastprefix
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters

# Managed by Ansible (role base_linux) - local changes are overwritten
10.20.5.37    lnx-ci-07.acme.internal lnx-ci-07
10.20.0.10    addc02.acme.internal addc02
10.20.0.11    addc03.acme.internal addc03
10.20.3.15    gitlab.acme.internal gitlab
10.20.3.16    registry.acme.internal registry
"""

BRIDGE_HOSTS = """127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::	ip6-localnet
ff00::	ip6-mcastprefix
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
%s	%s
"""

CONTAINER_RESOLV = """# Generated by Docker Engine.
# This file can be edited; Docker Engine will not make further changes once it
# has been modified.

nameserver 10.20.0.10
nameserver 10.20.0.11
search acme.internal

# Based on host file: '/run/systemd/resolve/resolv.conf' (legacy)
# Overrides: []
"""

NETPLAN = """# This file is generated from information provided by the datasource.  Changes
# to it will not persist across an instance reboot.  To disable cloud-init's
# network configuration capabilities, write a file
# /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg with the following:
# network: {config: disabled}
network:
    ethernets:
        eth0:
            addresses:
            - 10.20.5.37/24
            match:
                macaddress: 00:50:56:9a:3c:71
            nameservers:
                addresses:
                - 10.20.0.10
                - 10.20.0.11
                search:
                - acme.internal
            routes:
            -   to: default
                via: 10.20.5.1
            set-name: eth0
    version: 2
"""

IP_ADDR_SHOW = """1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host noprefixroute 
       valid_lft forever preferred_lft forever
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000
    link/ether 00:50:56:9a:3c:71 brd ff:ff:ff:ff:ff:ff
    altname enp11s0
    inet 10.20.5.37/24 brd 10.20.5.255 scope global eth0
       valid_lft forever preferred_lft forever
    inet6 fe80::250:56ff:fe9a:3c71/64 scope link 
       valid_lft forever preferred_lft forever
3: docker0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default 
    link/ether 02:42:5b:8e:1c:d4 brd ff:ff:ff:ff:ff:ff
    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0
       valid_lft forever preferred_lft forever
    inet6 fe80::42:5bff:fe8e:1cd4/64 scope link 
       valid_lft forever preferred_lft forever
5: veth3a1f2c9@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master docker0 state UP group default 
    link/ether 9e:41:07:d2:6b:3e brd ff:ff:ff:ff:ff:ff link-netnsid 0
    inet6 fe80::9c41:7ff:fed2:6b3e/64 scope link 
       valid_lft forever preferred_lft forever
61: vethb7e04d1@if60: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master docker0 state UP group default 
    link/ether 5a:c3:18:9f:e2:07 brd ff:ff:ff:ff:ff:ff link-netnsid 1
    inet6 fe80::58c3:18ff:fe9f:e207/64 scope link 
       valid_lft forever preferred_lft forever
"""

HOSTNAMECTL = """ Static hostname: lnx-ci-07
       Icon name: computer-vm
         Chassis: vm
      Machine ID: %s
         Boot ID: %s
  Virtualization: vmware
Operating System: Ubuntu 24.04.2 LTS
          Kernel: Linux 6.8.0-71-generic
    Architecture: x86-64
 Hardware Vendor: VMware, Inc.
  Hardware Model: VMware Virtual Platform
Firmware Version: 6.00
   Firmware Date: Thu 2020-11-12
    Firmware Age: 5y 9month 4w
"""

UAC_LOG = """2026-08-12 10:30:44 +0000 INFO UAC (Unix-like Artifacts Collector) 3.1.0
2026-08-12 10:30:44 +0000 INFO Command line: ./uac -p ir_triage -a live_response/containers/docker.yaml /mnt/case-0812
2026-08-12 10:30:44 +0000 INFO Operating system: linux
2026-08-12 10:30:44 +0000 INFO System architecture: x86_64
2026-08-12 10:30:44 +0000 INFO Hostname: lnx-ci-07
2026-08-12 10:30:44 +0000 INFO Mount point: /
2026-08-12 10:30:44 +0000 INFO Running as: root
2026-08-12 10:30:45 +0000 INFO Artifacts collection started
2026-08-12 10:41:12 +0000 INFO Artifacts collection complete
2026-08-12 10:41:12 +0000 INFO Output file: uac-lnx-ci-07-linux-20260812103044.tar.gz
"""

DAEMON_JSON = """{
  "debug": true,
  "log-driver": "json-file",
  "log-opts": {"max-size": "50m", "max-file": "3"}
}
"""

RESPONDER_NOTES = """Responder notes, lnx-ci-07 (case 2026-0812)
2026-08-12 10:26 UTC  ssh as a.novak (break-glass sudo), commands run before UAC:
  sudo docker events --since 2026-08-12T06:00:00 --until 2026-08-12T10:27:00 --format '{{json .}}' > docker-events.json
  sudo journalctl -u docker -o json --since "2026-08-12 06:00:00" --until "2026-08-12 10:28:00" > docker.service.json
2026-08-12 10:30 UTC  UAC 3.1.0, profile ir_triage (+ docker artifacts), output in uac-lnx-ci-07-linux-20260812103044/
"""


def build(out):
    keys = []
    srcdir = os.path.join(out, "src")
    host_dir = os.path.join(out, "collection", HOST)
    uac = os.path.join(host_dir, UAC_DIR)
    root = os.path.join(uac, "[root]")
    os.makedirs(srcdir, exist_ok=True)
    J = Journal()
    E = Events()
    dc = Log(C, "ADDC02-Security.jsonl", 48210331, {
        "channel": "Security", "provider": SEC_PROVIDER, "provider_guid": SEC_GUID,
        "computer": DC, "process_id": 716}, GEN)

    # --- routine CI jobs (GitLab runner, docker executor): unprivileged, a cache volume
    runner = "runner-t3xq9zpa-project-118-concurrent-0"
    ci_image = "registry.acme.internal/ci/python:3.12"
    shell = ["sh", "-c", "if [ -x /usr/local/bin/bash ]; then\n\texec /usr/local/bin/bash \n"
             "elif [ -x /usr/bin/bash ]; then\n\texec /usr/bin/bash \nelif [ -x /bin/bash ]; then"
             "\n\texec /bin/bash \nelse\n\techo shell not found\n\texit 1\nfi\n\n"]
    jobs = [(T(7, 14, 9, 512_300), 48711, 204), (T(7, 52, 40, 118_900), 48714, 371),
            (T(8, 37, 2, 740_100), 48720, 188), (T(9, 21, 55, 306_400), 48726, 455),
            (T(9, 44, 18, 91_700), 48729, 262)]
    for t, job_id, dur in jobs:
        name = "%s-%s-build" % (runner, hexid("job/%d" % job_id, 16))
        cid = hexid("container/job-%d" % job_id)
        labels = {"com.gitlab.gitlab-runner.job.id": str(job_id),
                  "com.gitlab.gitlab-runner.job.ref": "main",
                  "com.gitlab.gitlab-runner.job.stage": "test",
                  "com.gitlab.gitlab-runner.managed": "true",
                  "com.gitlab.gitlab-runner.pipeline.id": str(9100 + job_id % 97),
                  "com.gitlab.gitlab-runner.project.id": "118",
                  "com.gitlab.gitlab-runner.runner.id": "t3xq9zpa",
                  "com.gitlab.gitlab-runner.type": "build"}
        body = create_body(ci_image, shell, ["%s-cache-3c3f060a0374fc8bc39395164f415a70:/cache"
                                             % runner], labels=labels, attach=True, stdin=True,
                           network="", env=["CI=true", "CI_JOB_ID=%d" % job_id,
                                            "CI_PROJECT_PATH=platform/billing-api",
                                            "GITLAB_CI=true"])
        J.log(t, "debug", "Calling HEAD /_ping")
        J.log(t + 41_200, "debug", "Calling POST %s/containers/create?name=%s" % (API, name))
        J.log(t + 42_100, "debug", "form data: " + go_json(body),
              key="CI job %d create (benign: a cache volume, not privileged)" % job_id
              if job_id == 48729 else None)
        J.log(t + 3_118_600, "debug", "Calling POST %s/containers/%s/attach?stderr=1&stdin=1"
              "&stdout=1&stream=1" % (API, cid))
        J.log(t + 3_402_900, "debug", "Calling POST %s/containers/%s/start" % (API, cid))
        J.log(t + 3_511_300, "debug", "Assigning addresses for endpoint %s's interface on "
              "network bridge" % name)
        E.container(t + 3_090_000, "create", cid, name, ci_image, labels)
        E.container(t + 3_130_000, "attach", cid, name, ci_image, labels)
        E.network(t + 3_560_000, "connect", cid)
        E.container(t + 4_022_000, "start", cid, name, ci_image, labels,
                    key="CI job %d start (benign)" % job_id if job_id == 48729 else None)
        te = t + dur * 10_000_000
        J.log(te, "info", "ignoring event", [("container", cid), ("module", "libcontainerd"),
                                            ("namespace", "moby"), ("topic", "/tasks/delete"),
                                            ("type", "*events.TaskDelete")])
        E.container(te + 12_000, "die", cid, name, ci_image, labels,
                    {"execDuration": str(dur), "exitCode": "0"})
        E.network(te + 190_000, "disconnect", cid)
        J.log(te + 2_731_000, "debug", "Calling DELETE %s/containers/%s?force=1&v=1" % (API, cid))
        E.container(te + 2_905_000, "destroy", cid, name, ci_image, labels)

    # --- the attack (ci-deploy's stolen SSH key; ci-deploy is in the docker group)
    t = T(10, 6, 12, 418_000)
    J.log(t, "debug", "Calling HEAD /_ping")
    J.log(t + 6_300, "debug", "Calling POST %s/images/create?fromImage=ghcr.io%%2Fexample-sec"
          "%%2Ftoolbox&tag=2.4" % API, key="image pull of the toolbox")
    E.add(T(10, 6, 31, 772_000), "image", "pull", TOOLBOX, {"name": "ghcr.io/example-sec/toolbox"})
    run_cmd = ["sleep", "infinity"]
    t = T(10, 7, 41, 306_000)
    J.log(t, "debug", "Calling HEAD /_ping")
    J.log(t + 4_100, "debug", "Calling POST %s/containers/create?name=sysdiag" % API,
          key="create sysdiag")
    J.log(t + 4_700, "debug", "form data: " + go_json(create_body(
        TOOLBOX, run_cmd, ["/:/host"], privileged=True)),
        key="sysdiag create body: Privileged true, Binds /:/host")
    created = C.nano(T(10, 7, 41, 402_957), 13)
    E.container(T(10, 7, 41, 402_957), "create", SYSDIAG_ID, "sysdiag", TOOLBOX, TOOLBOX_LABELS,
                key="create sysdiag")
    J.log(T(10, 7, 41, 711_408), "debug", "Calling POST %s/containers/%s/start"
          % (API, SYSDIAG_ID), key="start sysdiag")
    J.log(T(10, 7, 41, 726_115), "debug", "Assigning addresses for endpoint sysdiag's interface "
          "on network bridge")
    E.network(T(10, 7, 41, 741_220), "connect", SYSDIAG_ID)
    started = C.nano(T(10, 7, 41, 918_734), 12)
    E.container(T(10, 7, 41, 921_046), "start", SYSDIAG_ID, "sysdiag", TOOLBOX, TOOLBOX_LABELS,
                key="start sysdiag")

    execs = [
        (T(10, 9, 58, 203_500), hexid("exec/asrep"), None,
         ["python3", "/opt/impacket/examples/GetNPUsers.py", "acme.internal/", "-dc-ip", DC_IP,
          "-usersfile", "/host/home/ci-deploy/.cache/pip/.u", "-no-pass", "-format", "hashcat",
          "-outputfile", "/host/var/tmp/.sysd/asrep.txt"], 7_420_000),
        (T(10, 12, 30, 517_200), hexid("exec/kerberoast"), ["KRB5CCNAME=/host" + STOLEN_CCACHE],
         ["python3", "/opt/impacket/examples/GetUserSPNs.py", "-k", "-no-pass", "-dc-ip", DC_IP,
          "-dc-host", "addc02.acme.internal", "-request", "-outputfile",
          "/host/var/tmp/.sysd/tgs.txt", "acme.internal/a.novak"], 6_980_000),
    ]
    for t, eid, env, cmd, dur in execs:
        what = cmd[1].rsplit("/", 1)[1]
        J.log(t, "debug", "Calling HEAD /_ping")
        J.log(t + 3_900, "debug", "Calling POST %s/containers/sysdiag/exec" % API,
              key="exec %s in sysdiag" % what)
        J.log(t + 4_300, "debug", "form data: " + go_json(exec_body(cmd, env)))
        E.container(t + 5_100, "exec_create: " + " ".join(cmd), SYSDIAG_ID, "sysdiag", TOOLBOX,
                    TOOLBOX_LABELS, {"execID": eid}, key="exec_create %s" % what)
        J.log(t + 9_800, "debug", "Calling POST %s/exec/%s/start" % (API, eid))
        J.log(t + 10_100, "debug", "form data: " + go_json({"ConsoleSize": [0, 0], "Detach": False,
                                                            "Tty": False}))
        J.log(t + 10_600, "debug", "starting exec command %s in container %s" % (eid, SYSDIAG_ID))
        E.container(t + 118_000, "exec_start: " + " ".join(cmd), SYSDIAG_ID, "sysdiag", TOOLBOX,
                    TOOLBOX_LABELS, {"execID": eid})
        E.container(t + dur, "exec_die", SYSDIAG_ID, "sysdiag", TOOLBOX, TOOLBOX_LABELS,
                    {"execID": eid, "exitCode": "0"})
        J.log(t + dur + 9_400, "debug", "Calling GET %s/exec/%s/json" % (API, eid))

    # --- the responder's own calls before collecting (10:26-10:28)
    t = T(10, 26, 51, 207_000)
    J.log(t, "debug", "Calling HEAD /_ping")
    J.log(t + 3_800, "debug", "Calling GET %s/containers/json?all=1" % API)
    t = T(10, 27, 3, 911_000)
    J.log(t, "debug", "Calling HEAD /_ping")
    J.log(t + 4_000, "debug", "Calling GET %s/events?since=%d&until=%d"
          % (API, C.epoch_s(T(6, 0, 0)), C.epoch_s(T(10, 27, 0))))

    # --- ADDC02: the roasting, from lnx-ci-07's address (NATed from the container)
    asrep_ports = [41822, 41836, 41850]
    t = T(10, 10, 1, 94_000)
    for i, user in enumerate(["svc_kiosk", "svc_scan2mail", "h.lindqvist"]):
        tt = t + i * 7_310_000
        dc.add(tt, SEC.e4768(user, HOST_IP, etype="0x17", preauth="0", options="0x50800000",
                             port=asrep_ports[i]),
               key="AS-REP roasting: 4768 without pre-auth, RC4, for " + user)
    t = T(10, 12, 33, 606_000)
    dc.add(t, SEC.e4769("a.novak", "ADDC02$", HOST_IP, etype="0x12", options="0x40810010",
                        port=42104), key="TGS for ldap/ADDC02 (AES; the SPN search)")
    roast = ["svc_mssql01", "svc_jira", "svc_veeam", "svc_sharepoint", "svc_adfs"]
    t = T(10, 12, 34, 418_000)
    for i, svc in enumerate(roast):
        tt = t + i * 4_870_000
        dc.add(tt, SEC.e4769("a.novak", svc, HOST_IP, etype="0x17", options="0x40810010",
                             port=42110 + 6 * i), key="Kerberoasting: RC4 TGS for " + svc)

    # --- ADDC02: benign look-alikes
    # a.novak's own sssd login on lnx-ci-07 at 07:31 (AES, pre-auth): the TGT later stolen
    dc.add(T(7, 31, 7, 230_000), SEC.e4768("a.novak", HOST_IP),
           key="a.novak TGT from 10.20.5.37 (benign: AES, pre-auth; the ccache later stolen)")
    # a mistyped user name from a workstation: 0x6 (unknown principal)
    t = T(8, 14, 22, 481_000)
    dc.add(t, SEC.e4768_failed("m.fereira", WS2_IP), key="4768 0x6 unknown user (benign)")
    dc.add(t + 63_000_000, SEC.e4768("m.ferreira", WS2_IP))
    # the legacy application server's computer account gets RC4 for a service without AES keys
    t = T(8, 52, 9, 77_000)
    dc.add(t, SEC.e4768("APP-LEG03$", LEGACY_IP))
    dc.add(t + 1_204_000, SEC.e4769("APP-LEG03$", "svc_reporting", LEGACY_IP, etype="0x17"),
           key="RC4 TGS for svc_reporting requested by APP-LEG03$ (benign legacy)")

    # --- ADDC02: routine traffic all morning (AES), including the later roasted services
    clients = [("p.kowalski", WS1_IP, WS1), ("WS-ACME-0142$", WS1_IP, WS1),
               ("m.ferreira", WS2_IP, WS2), ("WS-ACME-0157$", WS2_IP, WS2),
               ("FS01$", FS_IP, FS), ("p.kowalski", WS1_IP, WS1)]
    services = ["ADDC02$", "ADDC02$", "FS01$", "svc_mssql01", "svc_jira", "svc_sharepoint",
                "WS-ACME-0142$"]
    t = T(7, 25, 0)
    while t < T(10, 35, 0):
        user, ip, ws = R.choice(clients)
        k = R.below(20)
        if k < 5:
            dc.add(t, SEC.e4768(user, ip))
        elif k < 12:
            svc = R.choice(services)
            if svc.rstrip("$") == user.rstrip("$"):
                svc = "ADDC02$"
            dc.add(t, SEC.e4769(user, svc, ip))
        elif k < 16:
            ev, lid = SEC.e4624(user, REALM if not user.endswith("$") else "ACME", 3, ip,
                                SEC.port())
            dc.add(t, ev)
            dc.add(t + 3_000_000 + R.below(40_000_000), SEC.e4634(user, "ACME", lid, 3))
        elif k < 18 and not user.endswith("$"):
            # NTLM logons name the client's workstation (an identity fact about WS-*, FS01)
            ev, lid = SEC.e4624(user, "ACME", 3, ip, SEC.port(), workstation=ws, auth="NTLM",
                                proc_name="NtLmSsp ", lm="NTLM V2", key_length=128)
            dc.add(t, ev)
            dc.add(t + 2_000_000 + R.below(30_000_000), SEC.e4634(user, "ACME", lid, 3))
        else:
            dc.add(t, SEC.e4672("ADDC02$", SEC.lid()))
        t += 25 * 10_000_000 + R.below(50 * 10_000_000)

    # ---------------------------------------------------------------- the Linux collection
    etc = os.path.join(root, "etc")
    write_text(os.path.join(etc, "hostname"), HOST + "\n")
    write_text(os.path.join(etc, "hosts"), ETC_HOSTS)
    write_text(os.path.join(etc, "netplan", "50-cloud-init.yaml"), NETPLAN)
    write_text(os.path.join(etc, "docker", "daemon.json"), DAEMON_JSON)
    lr = os.path.join(uac, "live_response", "network")
    write_text(os.path.join(lr, "ip_addr_show.txt"), IP_ADDR_SHOW)
    write_text(os.path.join(lr, "hostname.txt"), HOST + "\n")
    write_text(os.path.join(lr, "hostname_-f.txt"), HOST_FQDN + "\n")
    write_text(os.path.join(lr, "uname_-n.txt"), HOST + "\n")
    write_text(os.path.join(uac, "live_response", "system", "hostnamectl.txt"),
               HOSTNAMECTL % (J.machine_id, J.boot_id))
    write_text(os.path.join(uac, "uac.log"), UAC_LOG)
    write_text(os.path.join(host_dir, "NOTES.txt"), RESPONDER_NOTES)

    containers = os.path.join(root, "var", "lib", "docker", "containers")

    # The containers' <id>-json.log files are left out: with the 64-hex id twice their
    # paths here exceed the 256 bytes of the ustar archives `make dist` writes.
    def container_dir(cid, cfg, hcfg, hostname_txt, hosts_txt):
        d = os.path.join(containers, cid)
        write_text(os.path.join(d, "config.v2.json"), go_struct_json(cfg))
        write_text(os.path.join(d, "hostconfig.json"), go_struct_json(hcfg))
        write_text(os.path.join(d, "hostname"), hostname_txt)
        write_text(os.path.join(d, "hosts"), hosts_txt)
        write_text(os.path.join(d, "resolv.conf"), CONTAINER_RESOLV)

    # sysdiag: privileged, the host's / at /host, default (bridge) network, running
    cfg = config_v2(SYSDIAG_ID, "sysdiag", TOOLBOX, run_cmd, run_cmd, created, started, True,
                    48213, SYSDIAG_ID[:12], "default", "172.17.0.4", "02:42:ac:11:00:04",
                    {"/host": bind_mount("/", "/host")}, TOOLBOX_LABELS, "unconfined",
                    workdir="/opt")
    container_dir(SYSDIAG_ID, cfg, hostconfig(["/:/host"], "default", True),
                  SYSDIAG_ID[:12] + "\n", BRIDGE_HOSTS % ("172.17.0.4", SYSDIAG_ID[:12]))
    keys.append(("[root]/var/lib/docker/containers/%s/" % SYSDIAG_ID[:12], "config.v2.json",
                 created, "sysdiag: Privileged, /:/host, running"))

    # web: unprivileged nginx, published on loopback only (behind the host's reverse proxy)
    web_created, web_started = "2026-05-19T13:02:44.118305772Z", "2026-08-03T05:12:31.640228913Z"
    web_labels = {"maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"}
    cfg = config_v2(WEB_ID, "web", "nginx:1.27-alpine",
                    ["nginx", "-g", "daemon off;"], ["/docker-entrypoint.sh", "nginx", "-g",
                                                     "daemon off;"],
                    web_created, web_started, True, 1733, WEB_ID[:12], "bridge", "172.17.0.2",
                    "02:42:ac:11:00:02", {"/usr/share/nginx/html": bind_mount(
                        "/srv/www/status", "/usr/share/nginx/html", rw=False)}, web_labels,
                    "docker-default", env=[PATH_ENV, "NGINX_VERSION=1.27.5"])
    container_dir(WEB_ID, cfg, hostconfig(["/srv/www/status:/usr/share/nginx/html:ro"], "bridge",
                                          False, {"80/tcp": [{"HostIp": "127.0.0.1",
                                                              "HostPort": "8080"}]},
                                          "unless-stopped"),
                  WEB_ID[:12] + "\n", BRIDGE_HOSTS % ("172.17.0.2", WEB_ID[:12]))

    # blackbox: monitoring probe on the host's network: Docker gives it the host's name
    # and a copy of the host's /etc/hosts
    bb_created, bb_started = "2026-06-02T08:40:17.503611207Z", "2026-08-03T05:12:31.552090731Z"
    bb_image = "quay.io/prometheus/blackbox-exporter:v0.25.0"
    bb_cmd = ["--config.file=/etc/blackbox_exporter/config.yml"]
    cfg = config_v2(PROBE_ID, "blackbox", bb_image, bb_cmd, ["/bin/blackbox_exporter"] + bb_cmd,
                    bb_created, bb_started, True, 1702, HOST, "host", "", "",
                    {"/etc/blackbox_exporter/config.yml": bind_mount(
                        "/etc/prometheus/blackbox.yml", "/etc/blackbox_exporter/config.yml",
                        rw=False)},
                    {"maintainer": "The Prometheus Authors <prometheus-developers@googlegroups.com>"},
                    "docker-default")
    container_dir(PROBE_ID, cfg, hostconfig(
        ["/etc/prometheus/blackbox.yml:/etc/blackbox_exporter/config.yml:ro"], "host", False,
        restart="unless-stopped"), HOST + "\n", ETC_HOSTS)

    J.write(os.path.join(host_dir, "docker.service.json"), keys)
    E.write(os.path.join(host_dir, "docker-events.json"), keys)
    dc.write(srcdir, keys)
    write_text(os.path.join(srcdir, "EVTX"),
               "# evtxgen input -> where build.sh writes the .evtx file in the collection\n"
               "ADDC02-Security.jsonl ADDC02/C/Windows/System32/winevt/Logs/Security.evtx\n")
    write_text(os.path.join(out, "host-map.txt"),
               "# today's workaround (tests/incidents-evidence.sh): what the Linux host's own\n"
               "# evidence says, given by hand\n%s %s\n" % (HOST, HOST_IP))
    return keys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="where src/ and collection/ go (default: beside this script)")
    a = ap.parse_args()
    for f, where, t, what in build(a.out):
        print("%-24s %-14s %s  %s" % (f, where, t, what))
    return 0


if __name__ == "__main__":
    sys.exit(main())
