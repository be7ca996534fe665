"""Clones map-step state files into a fleet's worth for the reduce benchmark
(tests/bench/state.sh): one domain controller and N-1 member hosts. State i
of N is a template state (mapped with --state-host HOSTX) whose host names
get the suffix -NNNN (SRV-APP01 becomes SRV-APP01-0007) and whose 10.x.y.z
addresses become 10.a.b.z with a.b the host's number, so that no two hosts
share an event, a name or an address; evtxgen's mix holds a domain
controller's Security log too, kept in state 0 only (records naming DC01
are left out of the others: a fleet has a few DCs, not one per host). The
end record is recomputed (count and FNV-1a 64).

    python3 state-fleet.py N OUTDIR TEMPLATE.state..."""
import os
import re
import sys

FNV_OFFSET, FNV_PRIME, MASK = 14695981039346656037, 1099511628211, (1 << 64) - 1
NAMES = re.compile(r"\b(DC01|SRV-APP01|WS-\d+|srv-app01|dc01|ws-\d+)\b")
DC = re.compile(r"\b(DC01|dc01)\b")
ADDR = re.compile(r"\b10\.\d{1,3}\.\d{1,3}\.(\d{1,3})\b")


def fnv(h, data):
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & MASK
    return h


def main():
    n, out, templates = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    os.makedirs(out, exist_ok=True)
    bodies = []
    for t in templates:
        with open(t, encoding="utf-8") as f:
            lines = f.read().splitlines()
        assert lines[-1].startswith('{"k":"end"'), t
        bodies.append(lines[:-1])
    for i in range(n):
        lines = bodies[i % len(bodies)]
        if i:
            lines = [l for l in lines if not DC.search(l)]
        host = f"host-{i:04d}"
        text = "\n".join(lines) + "\n"
        text = text.replace("HOSTX", host)
        text = NAMES.sub(lambda m: f"{m.group(1)}-{i:04d}", text)
        text = ADDR.sub(lambda m: f"10.{i >> 8}.{i & 255}.{m.group(1)}", text)
        data = text.encode("utf-8")
        end = '{"k":"end","records":%d,"fnv1a64":"%016x"}\n' % (len(lines), fnv(FNV_OFFSET, data))
        with open(os.path.join(out, host + ".state"), "wb") as f:
            f.write(data + end.encode())


if __name__ == "__main__":
    main()
