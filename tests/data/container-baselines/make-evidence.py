#!/usr/bin/env python3
"""Writes the evidence of tests/container-baselines.sh: container activity judged against
each host's own baseline (issue 25).

Run from anywhere: python3 make-evidence.py (writes src/ and collection/ beside it; the
same bytes every run: no clock, no randomness but the seeded PRNG of incidentlib).

A month of routine, 2026-06-01 to 2026-06-30, on two hosts:
  ci01 (Windows, ci01.corp.internal): the CI account CORP\\svc_ci runs docker.exe three times
    a day between 08:00 and 18:59 UTC with two images (the .NET SDK, Server Core); each run
    is in Sysmon (1) and Security (4688); every hour of 08-18 comes up in the first week.
  lnx-app01 (Linux): docker events (create, start, die) for nginx:1.25 and redis:7 (written
    as docker.io/library/redis:7 by the daemon: one image), four starts a day between 06:00
    and 20:59, each run by the account deploy through sudo (the journal's sudo lines); the
    journal's dockerd entries name the host.
  srv-files02 (Windows): a file server's System log, service state changes (7036) all
    month; no container activity.
Then, on 2026-07-01 (after --baseline-until 2026-07-01):
  ci01 10:15  svc_ci runs alpine/socat (an image never run there)   -> new image
  ci01 11:30  CORP\\jdoe runs the usual SDK image                     -> new account
  lnx-app01 03:10  nginx:1.25 starts (a usual image, at an hour never seen) -> unusual hour
  lnx-app01 15:40  mallory runs nginx:1.25 through sudo (the journal's sudo line names the
                   account; the routine's is deploy's)                  -> new account
  srv-files02 14:02  Docker installed as a service (7045)           -> first runtime
  and routine runs on ci01 and lnx-app01 that day: no finding.
"""
import datetime
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "incidents"))
from incidentlib import (Clock, Domain, Log, Rng, S, F, Security, Sysmon,  # noqa: E402
                         SEC_GUID, SEC_PROVIDER, SYSMON_CHANNEL, SYSMON_GUID, SYSMON_PROVIDER,
                         logrus_text)

GEN = "tests/data/container-baselines/make-evidence.py"
START = datetime.datetime(2026, 6, 1)
DAYS = 30                      # routine: June
C = Clock(START)               # ticks are counted from June 1st, 00:00 UTC
DAY = 86400 * 10_000_000
R = Rng(25)

CI = "ci01.corp.internal"
FS = "srv-files02.corp.internal"
LNX = "lnx-app01"
DOM = Domain("CORP", "CORP.INTERNAL", "S-1-5-21-1004336348-1177238915-682003330",
             {"svc_ci": 1301, "jdoe": 1302})
SDK = "mcr.microsoft.com/dotnet/sdk:8.0"
CORE = "mcr.microsoft.com/windows/servercore:ltsc2022"
DOCKER = "C:\\Program Files\\Docker\\docker.exe"


def T(day, h, m, s=0):
    return day * DAY + C.T(h, m, s)


def ci_hours(day):
    """Three hours of 08-18 a day; days 0-6 cover all eleven."""
    return sorted({8 + (day * 3 + k) % 11 for k in range(3)})


def lnx_hours(day):
    """Four hours of 06-20 a day; days 0-6 cover all fifteen."""
    return sorted({6 + (day * 4 + k) % 15 for k in range(4)})


def build():
    src = os.path.join(HERE, "src")
    os.makedirs(src, exist_ok=True)
    sysmon = Log(C, "ci01-Sysmon.jsonl", 52001, {
        "channel": SYSMON_CHANNEL, "provider": SYSMON_PROVIDER, "provider_guid": SYSMON_GUID,
        "computer": CI, "keywords": "0x8000000000000000", "user_sid": "S-1-5-18",
        "process_id": 2380}, GEN)
    sec = Log(C, "ci01-Security.jsonl", 880001, {
        "channel": "Security", "provider": SEC_PROVIDER, "provider_guid": SEC_GUID,
        "computer": CI, "process_id": 640}, GEN)
    fs_sys = Log(C, "srv-files02-System.jsonl", 31001, {
        "channel": "System", "provider": "Service Control Manager",
        "provider_guid": "{555908d1-a6d7-4695-8e1e-26931d2012f4}", "computer": FS,
        "keywords": "0x8080000000000000", "process_id": 712}, GEN)
    SM = Sysmon(C, R, CI, "10.20.0.15", "5c0a1b2e")
    SEC = Security(DOM, R)
    agent = SM.proc("C:\\agent\\bin\\Agent.Worker.exe", "C:\\agent\\bin\\Agent.Worker.exe spawnclient",
                    "CORP\\svc_ci", 4100, SM.proc("C:\\Windows\\System32\\services.exe",
                                                  "C:\\Windows\\system32\\services.exe",
                                                  "NT AUTHORITY\\SYSTEM", 700),
                    integrity="High", logon_id="0x5d21a")
    shell = SM.proc("C:\\Windows\\System32\\cmd.exe", "C:\\Windows\\system32\\cmd.exe /c build.cmd",
                    "CORP\\jdoe", 6120, SM.proc("C:\\Windows\\explorer.exe",
                                                "C:\\Windows\\Explorer.EXE", "CORP\\jdoe", 5004),
                    integrity="High", logon_id="0x7a3310")
    pid = [9000]

    def docker_run(t, user, cmd, parent):
        pid[0] += 4
        p = SM.proc(DOCKER, cmd, "CORP\\" + user, pid[0], parent, integrity="High",
                    logon_id=parent.logon_id)
        sysmon.add(t, SM.s1(t, p))
        sec.add(t, SEC.e4688(user, parent.logon_id, pid[0], DOCKER, cmd, parent.pid, parent.image))

    lnx_events = []

    def lnx(t, action, image, name, cid):
        ns = C.epoch_ns(t)
        attrs = {"image": image, "name": name}
        lnx_events.append((t, {"status": action, "id": cid, "from": image, "Type": "container",
                               "Action": action, "Actor": {"ID": cid, "Attributes": attrs},
                               "scope": "local", "time": ns // 1_000_000_000, "timeNano": ns}))

    sudo = []

    def lnx_run(t, image, name, user="deploy"):
        sudo.append((t - 10_000_000, user, "/usr/bin/docker run -d --name %s %s" % (name, image)))
        cid = "".join("%016x" % R.next() for _ in range(4))
        lnx(t, "create", image, name, cid)
        lnx(t + 5_000_000, "start", image, name, cid)
        lnx(t + 600 * 10_000_000, "die", image, name, cid)

    # ---------------------------------------------------------------- routine
    for day in range(DAYS + 1):
        for i, h in enumerate(ci_hours(day)):
            img = SDK if (day + i) % 2 == 0 else CORE
            docker_run(T(day, h, 5 + 7 * i, 11), "svc_ci",
                       '"%s" run --rm -v C:\\agent\\_work\\1:C:\\src -w C:\\src %s %s'
                       % (DOCKER, img, "dotnet build" if img == SDK else "cmd /c test.cmd"), agent)
        for i, h in enumerate(lnx_hours(day)):
            img, name = (("nginx:1.25", "web") if (day + i) % 2 == 0
                         else ("docker.io/library/redis:7", "cache"))
            lnx_run(T(day, h, 20 + i, 3), img, name)
        for h in (1, 7, 13, 19):
            fs_sys.add(T(day, h, 2, 9), {
                "event_id": 7036, "version": 0, "level": 4, "task": 0, "opcode": 0,
                "qualifiers": 16384, "thread_id": 800,
                "data": [S("param1", "Windows Update"), S("param2", "running" if h % 2 else "stopped"),
                         F("Binary", "binary", "770075006100750073007600630000000000")]})
    # ---------------------------------------------------------------- July 1st
    day = DAYS
    docker_run(T(day, 10, 15, 40), "svc_ci",
               '"%s" run -d --name tunnel -p 4444:4444 alpine/socat tcp-listen:4444,fork '
               'tcp:10.20.0.5:445' % DOCKER, agent)
    docker_run(T(day, 11, 30, 2), "jdoe", '"%s" run --rm -it %s dotnet --info' % (DOCKER, SDK),
               shell)
    lnx_run(T(day, 3, 10, 0), "nginx:1.25", "web-night")
    lnx_run(T(day, 15, 40, 0), "nginx:1.25", "debug", user="mallory")
    fs_sys.add(T(day, 14, 2, 51), {
        "event_id": 7045, "version": 0, "level": 4, "task": 0, "opcode": 0, "qualifiers": 16384,
        "thread_id": 812, "user_sid": "S-1-5-21-1004336348-1177238915-682003330-500",
        "data": [S("ServiceName", "docker"),
                 S("ImagePath", '"C:\\Program Files\\Docker\\dockerd.exe" --run-service'),
                 S("ServiceType", "user mode service"), S("StartType", "auto start"),
                 S("AccountName", "LocalSystem")]})

    keys = []
    for log in (sysmon, sec, fs_sys):
        log.write(src, keys)
    logs = "C/Windows/System32/winevt/Logs/"
    with open(os.path.join(src, "EVTX"), "w", encoding="utf-8", newline="\n") as f:
        f.write("# evtxgen input -> where the test writes the .evtx file in the collection\n")
        f.write("ci01-Sysmon.jsonl ci01/%sMicrosoft-Windows-Sysmon%%4Operational.evtx\n" % logs)
        f.write("ci01-Security.jsonl ci01/%sSecurity.evtx\n" % logs)
        f.write("srv-files02-System.jsonl srv-files02/%sSystem.evtx\n" % logs)

    # the Linux host: docker events, and the journal's dockerd entries
    coll = os.path.join(HERE, "collection", LNX)
    os.makedirs(coll, exist_ok=True)
    lnx_events.sort(key=lambda e: e[0])
    with open(os.path.join(coll, "docker-events.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for _, e in lnx_events:
            f.write(json.dumps(e, separators=(",", ":")) + "\n")
    entries = []
    for t, msg in [(T(0, 0, 0, 5), "Starting up"),
                   (T(0, 0, 0, 7), "Daemon has completed initialization"),
                   (T(15, 4, 0, 0), "Processing signal 'hangup'"),
                   (T(DAYS, 23, 50, 0), "Processing signal 'hangup'")]:
        entries.append((t, {"_HOSTNAME": LNX, "_TRANSPORT": "stdout", "PRIORITY": "6", "_UID": "0",
                            "_COMM": "dockerd", "_EXE": "/usr/bin/dockerd", "_PID": "911",
                            "SYSLOG_IDENTIFIER": "dockerd", "_SYSTEMD_UNIT": "docker.service",
                            "_CMDLINE": "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/"
                                        "containerd.sock",
                            "MESSAGE": logrus_text(C.nano9(t), "info", msg)}))
    # who ran the client: sudo's command line, then its PAM session line
    # (another program's entry: left out)
    for i, (t, user, cmd) in enumerate(sudo):
        uid = "1001" if user == "deploy" else "1002"
        base = {"_HOSTNAME": LNX, "_TRANSPORT": "syslog", "PRIORITY": "5", "_UID": uid,
                "_COMM": "sudo", "_EXE": "/usr/bin/sudo", "_PID": str(20000 + i),
                "SYSLOG_IDENTIFIER": "sudo", "SYSLOG_FACILITY": "10"}
        entries.append((t, dict(base, MESSAGE="%8s : TTY=pts/0 ; PWD=/home/%s ; USER=root ; "
                                               "COMMAND=%s" % (user, user, cmd))))
        entries.append((t + 20_000, dict(base, PRIORITY="6", MESSAGE="pam_unix(sudo:session): "
                                         "session opened for user root(uid=0) by %s(uid=%s)"
                                         % (user, uid))))
    entries.sort(key=lambda e: e[0])
    journal = []
    for n, (t, e) in enumerate(entries):
        journal.append(dict({"__CURSOR": "s=25;i=%x" % (n + 1),
                             "__REALTIME_TIMESTAMP": str(C.epoch_us(t)),
                             "__SEQNUM": str(4000 + n)}, **e))
    with open(os.path.join(coll, "journald.json"), "w", encoding="utf-8", newline="\n") as f:
        for j in journal:
            f.write(json.dumps(j, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    build()
