#!/usr/bin/env python3
"""Writes history-old.jsonl and history-new.jsonl, the inputs of `evtxgen history`
(tests/evtxgen-history.sh, tests/tools/README.md).

A Windows Event Collector's ForwardedEvents log (WEC01): Security and Sysmon
events forwarded from a domain controller, two workstations and an application
server. OLD is what the log held before it was cleared (or before it wrapped),
NEW what was written after. The mix is chosen so that `evtxgen history` gives
every case a recovery pass must handle: in OLD's second chunk the first events
(whose template definitions NEW overwrites) are from DC01 and WS-042, then
WS-017's Sysmon process creations (a host and event NEW never sends again),
then SRV-APP01's first events, whose definitions lie in slack after NEW's last
record. Record ids are not given: OLD and NEW both count from 1 when the log is
cleared, NEW continues OLD's when it wraps.

Deterministic (its own PRNG): a run reproduces the committed files byte for byte.
Usage: mkhistory.py [OUTDIR]   (default: next to this script)
"""
import datetime
import json
import os
import sys

DOMAIN = "CORP"
REALM = "CORP.LOCAL"
DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"
SEC = ("Security", "Microsoft-Windows-Security-Auditing", "{54849625-5478-4994-A5BA-3E3B0328C30D}")
SYSMON = ("Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-Sysmon",
          "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}")
HOSTS = {"DC01": "10.20.30.10", "WS-042": "10.20.30.55", "WS-017": "10.20.30.61",
         "SRV-APP01": "10.20.30.44"}
USERS = {"jdoe": 1107, "alice.martin": 1108, "bob.nguyen": 1112, "svc_sql": 1201,
         "svc_web": 1202, "svc_backup": 1203, "DC01$": 1000, "WS-042$": 1104,
         "WS-017$": 1109, "SRV-APP01$": 1110}


class Rng:
    """splitmix64: the same numbers on every platform and Python version."""

    def __init__(self, seed):
        self.s = seed

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & (2**64 - 1)
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & (2**64 - 1)
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & (2**64 - 1)
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def guid(self):
        h = "%016x%016x" % (self.next(), self.next())
        return "{%s-%s-4%s-%s-%s}" % (h[0:8], h[8:12], h[13:16], h[16:20], h[20:32])

    def hexs(self, n):
        out = ""
        while len(out) < n:
            out += "%016X" % self.next()
        return out[:n]


R = Rng(20260316)


def sid(user):
    return "%s-%d" % (DOMAIN_SID, USERS[user])


def S(name, value):
    return {"name": name, "value": value}


def F(name, typ, value):
    return {"name": name, "type": typ, "value": value}


class Clock:
    def __init__(self, start):
        self.t = start

    def tick(self):
        self.t += datetime.timedelta(microseconds=200_000 + R.below(9_000_000))
        return self.t

    def rfc(self):
        return self.t.strftime("%Y-%m-%dT%H:%M:%S.") + "%06d0Z" % self.t.microsecond

    def utc_ms(self):
        return self.t.strftime("%Y-%m-%d %H:%M:%S.") + "%03d" % (self.t.microsecond // 1000)


def base(clock, host, log, eid, version, level, task, keywords, pid, sid_=None):
    clock.tick()
    ev = {"channel": log[0], "provider": log[1], "provider_guid": log[2],
          "computer": host + ".corp.local", "event_id": eid, "version": version,
          "level": level, "task": task, "keywords": keywords, "time": clock.rfc(),
          "process_id": pid, "thread_id": 600 + R.below(5000)}
    if sid_:
        ev["user_sid"] = sid_
    return ev


def e4624(c, host, user, ip, logon_type=3):
    ev = base(c, host, SEC, 4624, 2, 0, 12544, "0x8020000000000000", 636)
    ev["data"] = [
        F("SubjectUserSid", "sid", "S-1-0-0"), S("SubjectUserName", "-"),
        S("SubjectDomainName", "-"), F("SubjectLogonId", "hexint64", "0x0"),
        F("TargetUserSid", "sid", sid(user)), S("TargetUserName", user),
        S("TargetDomainName", REALM), F("TargetLogonId", "hexint64", "0x%x" % (0x1000000 + R.below(0x8000000))),
        F("LogonType", "uint32", logon_type), S("LogonProcessName", "Kerberos"),
        S("AuthenticationPackageName", "Kerberos"), S("WorkstationName", "-"),
        F("LogonGuid", "guid", R.guid()), S("TransmittedServices", "-"), S("LmPackageName", "-"),
        F("KeyLength", "uint32", 0), F("ProcessId", "size", "0x0"), S("ProcessName", "-"),
        S("IpAddress", ip), S("IpPort", str(49152 + R.below(16000))),
        S("ImpersonationLevel", "%%1833"), S("RestrictedAdminMode", "-"),
        S("TargetOutboundUserName", "-"), S("TargetOutboundDomainName", "-"),
        S("VirtualAccount", "%%1843"), F("TargetLinkedLogonId", "hexint64", "0x0"),
        S("ElevatedToken", "%%1842"),
    ]
    return ev


def e4688(c, host, user, image, cmd, parent):
    ev = base(c, host, SEC, 4688, 2, 0, 13312, "0x8020000000000000", 4)
    ev["data"] = [
        F("SubjectUserSid", "sid", sid(user)), S("SubjectUserName", user),
        S("SubjectDomainName", DOMAIN), F("SubjectLogonId", "hexint64", "0x%x" % (0x2000000 + R.below(0x100000))),
        F("NewProcessId", "size", "0x%x" % (4 * (300 + R.below(4000)))), S("NewProcessName", image),
        S("TokenElevationType", "%%1938"), F("ProcessId", "size", "0x%x" % (4 * (300 + R.below(4000)))),
        S("CommandLine", cmd), F("TargetUserSid", "sid", "S-1-0-0"), S("TargetUserName", "-"),
        S("TargetDomainName", "-"), F("TargetLogonId", "hexint64", "0x0"),
        S("ParentProcessName", parent), F("MandatoryLabel", "sid", "S-1-16-8192"),
    ]
    return ev


def e4769(c, client, service, ip, etype="0x12"):
    ev = base(c, "DC01", SEC, 4769, 0, 0, 14337, "0x8020000000000000", 636)
    ev["data"] = [
        S("TargetUserName", client + "@" + REALM), S("TargetDomainName", REALM),
        S("ServiceName", service), F("ServiceSid", "sid", sid(service)),
        F("TicketOptions", "hexint32", "0x40810000"), F("TicketEncryptionType", "hexint32", etype),
        S("IpAddress", "::ffff:" + ip), S("IpPort", str(49152 + R.below(16000))),
        F("Status", "hexint32", "0x0"), F("LogonGuid", "guid", R.guid()),
        S("TransmittedServices", "-"),
    ]
    return ev


def hashes(path):
    r = Rng(sum(ord(ch) * (i + 1) for i, ch in enumerate(path)))
    return "SHA1=%s,MD5=%s,SHA256=%s,IMPHASH=%s" % (r.hexs(40), r.hexs(32), r.hexs(64), r.hexs(32))


PROCS = {}


def proc(host, image, user):
    key = (host, image)
    if key not in PROCS:
        PROCS[key] = (R.guid(), 4 * (300 + R.below(4000)))
    return PROCS[key] + (image, user)


def s1(c, host, image, cmd, user, parent_image, parent_cmd):
    g, pid, _, _ = proc(host, image + cmd, user)
    pg, ppid, _, _ = proc(host, parent_image, user)
    ev = base(c, host, SYSMON, 1, 5, 4, 1, "0x8000000000000000", 3236, "S-1-5-18")
    ev["data"] = [
        S("RuleName", "-"), S("UtcTime", c.utc_ms()), F("ProcessGuid", "guid", g),
        F("ProcessId", "uint32", pid), S("Image", image),
        S("FileVersion", "10.0.19041.3636 (WinBuild.160101.0800)"),
        S("Description", image.rsplit("\\", 1)[1]), S("Product", "Microsoft\u00ae Windows\u00ae Operating System"),
        S("Company", "Microsoft Corporation"), S("OriginalFileName", image.rsplit("\\", 1)[1]),
        S("CommandLine", cmd), S("CurrentDirectory", "C:\\Users\\" + user.split("\\")[-1] + "\\"),
        S("User", user), F("LogonGuid", "guid", R.guid()),
        F("LogonId", "hexint64", "0x%x" % (0x2000000 + R.below(0x100000))),
        F("TerminalSessionId", "uint32", 1), S("IntegrityLevel", "Medium"),
        S("Hashes", hashes(image)), F("ParentProcessGuid", "guid", pg),
        F("ParentProcessId", "uint32", ppid), S("ParentImage", parent_image),
        S("ParentCommandLine", parent_cmd), S("ParentUser", user),
    ]
    return ev


def s7(c, host, image, dll, user):
    g, pid, _, _ = proc(host, image, user)
    ev = base(c, host, SYSMON, 7, 3, 4, 7, "0x8000000000000000", 3236, "S-1-5-18")
    name = dll.rsplit("\\", 1)[1]
    ev["data"] = [
        S("RuleName", "-"), S("UtcTime", c.utc_ms()), F("ProcessGuid", "guid", g),
        F("ProcessId", "uint32", pid), S("Image", image), S("ImageLoaded", dll),
        S("FileVersion", "10.0.19041.3636 (WinBuild.160101.0800)"), S("Description", name),
        S("Product", "Microsoft\u00ae Windows\u00ae Operating System"),
        S("Company", "Microsoft Corporation"), S("OriginalFileName", name),
        S("Hashes", hashes(dll)), S("Signed", "true"), S("Signature", "Microsoft Windows"),
        S("SignatureStatus", "Valid"), S("User", user),
    ]
    return ev


DLLS = ["ntdll.dll", "kernel32.dll", "KernelBase.dll", "advapi32.dll", "msvcrt.dll", "sechost.dll",
        "rpcrt4.dll", "combase.dll", "ucrtbase.dll", "bcrypt.dll", "crypt32.dll", "ws2_32.dll",
        "winhttp.dll", "dnsapi.dll", "amsi.dll", "clr.dll", "wldp.dll", "profapi.dll"]
SERVICES = ["svc_sql", "svc_web", "svc_backup", "SRV-APP01$", "WS-042$"]
CLIENTS = ["jdoe", "alice.martin", "bob.nguyen"]


def kerberos(c, out, n):
    """n events of the DC: service tickets, every third a network logon."""
    for i in range(n):
        cl = R.choice(CLIENTS)
        ip = HOSTS[R.choice(["WS-042", "WS-017", "SRV-APP01"])]
        if i % 3 == 2:
            out.append(e4624(c, "DC01", cl, ip))
        else:
            out.append(e4769(c, cl, R.choice(SERVICES), ip, R.choice(["0x12", "0x12", "0x17"])))


def ws042(c, out, n, cmd=True):
    """n events of WS-042: Firefox loading DLLs, every fourth a cmd.exe."""
    img = "C:\\Program Files\\Mozilla Firefox\\firefox.exe"
    for i in range(n):
        if cmd and i % 4 == 3:
            out.append(e4688(c, "WS-042", "jdoe", "C:\\Windows\\System32\\cmd.exe",
                             "cmd.exe /c whoami /all", "C:\\Windows\\explorer.exe"))
        else:
            out.append(s7(c, "WS-042", img, "C:\\Windows\\System32\\" + R.choice(DLLS),
                          "CORP\\jdoe"))


def ws017(c, out, n):
    """n Sysmon process creations of WS-017: a user running discovery commands."""
    cmds = [("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
             "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\Users\\bob.nguyen\\Downloads\\setup.ps1"),
            ("C:\\Windows\\System32\\net.exe", "net group \"Domain Admins\" /domain"),
            ("C:\\Windows\\System32\\nltest.exe", "nltest /dclist:corp.local"),
            ("C:\\Windows\\System32\\whoami.exe", "whoami /priv"),
            ("C:\\Windows\\System32\\reg.exe", "reg query HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run")]
    for i in range(n):
        img, cmd = cmds[i % len(cmds)]
        out.append(s1(c, "WS-017", img, cmd, "CORP\\bob.nguyen", "C:\\Windows\\explorer.exe",
                      "C:\\Windows\\Explorer.EXE"))


def srvapp(c, out, n):
    """n events of SRV-APP01: IIS worker processes, every third a service logon."""
    for i in range(n):
        if i % 3 == 2:
            out.append(e4624(c, "SRV-APP01", R.choice(["svc_web", "svc_sql"]), HOSTS["WS-042"], 3))
        else:
            out.append(e4688(c, "SRV-APP01", "svc_web", "C:\\Windows\\System32\\inetsrv\\w3wp.exe",
                             "c:\\windows\\system32\\inetsrv\\w3wp.exe -ap \"DefaultAppPool\" -v \"v4.0\"",
                             "C:\\Windows\\System32\\svchost.exe"))


# `evtxgen history --records-per-chunk 50 --new-records-per-chunk 60` puts
# OLD's events 50 to a chunk and NEW's 60, so the phases below land in the
# chunks their comments name.
OLD_PER_CHUNK, NEW_PER_CHUNK = 50, 60


def build():
    old, new = [], []
    c = Clock(datetime.datetime(2026, 3, 10, 8, 0, 0))
    # OLD chunks 0 and 1: the DC's Kerberos traffic, WS-042's image loads
    for _ in range(10):
        kerberos(c, old, 5)
        ws042(c, old, 5)
    # OLD chunk 2: DC01 and WS-042 first (NEW overwrites them and their
    # template definitions), WS-017's process creations (NEW overwrites the
    # first with its definitions; WS-017 never sends again), SRV-APP01's
    # first events (their definitions stay in slack), then the others again
    kerberos(c, old, 4)
    ws042(c, old, 4, cmd=False)
    ws017(c, old, 10)
    srvapp(c, old, 12)
    kerberos(c, old, 3)
    ws042(c, old, 4)
    ws017(c, old, 3)
    srvapp(c, old, 6)
    kerberos(c, old, 4)
    # OLD chunks 3 and 4: kept past the header's count in scenario mixed
    # (the file ends inside chunk 4)
    for _ in range(2):
        for _ in range(3):
            ws017(c, old, 4)
            kerberos(c, old, 6)
            ws042(c, old, 6)
        ws017(c, old, 2)
    assert len(old) == 5 * OLD_PER_CHUNK
    c = Clock(datetime.datetime(2026, 3, 14, 9, 0, 0))
    # NEW chunks 0 and 1 after the clear: the DC, WS-042 and SRV-APP01
    for _ in range(12):
        srvapp(c, new, 3)
        kerberos(c, new, 4)
        ws042(c, new, 3)
    # NEW chunk 2, its last: SRV-APP01 and the DC only
    srvapp(c, new, 9)
    kerberos(c, new, 9)
    assert len(new) == 2 * NEW_PER_CHUNK + 18
    return old, new


HEADER = ("# Generated by tests/data/evtxgen/mkhistory.py: %s of `evtxgen history`\n"
          "# (ForwardedEvents on WEC01: Security and Sysmon events of DC01, WS-042, WS-017, SRV-APP01).\n")


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    old, new = build()
    for name, evs in (("history-old.jsonl", old), ("history-new.jsonl", new)):
        with open(os.path.join(outdir, name), "w", encoding="utf-8", newline="\n") as f:
            f.write(HEADER % ("OLD" if "old" in name else "NEW"))
            for ev in evs:
                f.write(json.dumps(ev, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
