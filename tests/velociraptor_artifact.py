"""Checks Velociraptor artifacts (contrib/velociraptor/*.yaml) the way a
server would refuse them before a hunt is lost: each parses as YAML, has
the keys of Velociraptor's artifact format (name, description, type,
parameters, tools, sources with a VQL query), its name is its file's, the
VQL names only the tools the artifact declares (and uses all it declares)
and only its own parameters, and every option it passes to boxtrail exists
in `boxtrail hunt --help`.

    python3 velociraptor_artifact.py HELP_FILE ARTIFACT.yaml...

One line per problem on stdout; exit 1 when there is any."""
import os
import re
import sys

import yaml

def options_in_help(text):
    opts = set()
    for m in re.finditer(r"(?:^|[\s,])(--?[A-Za-z0-9][A-Za-z0-9-]*)", text):
        opts.add(m.group(1))
    return opts


def argv_lists(vql):
    """The list literal after each argv=, brackets matched (Bin[0] inside)."""
    for m in re.finditer(r"argv\s*=\s*\[", vql):
        depth, i = 1, m.end()
        in_str = False
        while i < len(vql) and depth:
            c = vql[i]
            if c == '"':
                in_str = not in_str
            elif not in_str and c == "[":
                depth += 1
            elif not in_str and c == "]":
                depth -= 1
            i += 1
        yield vql[m.end():i - 1]


def check(path, help_opts, problems):
    def bad(msg):
        problems.append(f"{path}: {msg}")

    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except yaml.YAMLError as e:
        bad(f"not YAML: {e}")
        return
    if not isinstance(doc, dict):
        bad("not a YAML mapping")
        return
    for key in ("name", "description", "type", "parameters", "tools", "sources"):
        if key not in doc:
            bad(f"no '{key}'")
    name = doc.get("name")
    if name != os.path.basename(path).rsplit(".", 1)[0]:
        bad(f"name '{name}' is not the file's")
    if doc.get("type") not in ("CLIENT", "SERVER", "CLIENT_EVENT", "SERVER_EVENT"):
        bad(f"type '{doc.get('type')}'")
    tools = [t.get("name") for t in doc.get("tools") or [] if isinstance(t, dict)]
    if len(tools) != len(doc.get("tools") or []) or not all(tools):
        bad("a tool without a name")
    params = [p.get("name") for p in doc.get("parameters") or [] if isinstance(p, dict)]
    if len(params) != len(doc.get("parameters") or []) or not all(params):
        bad("a parameter without a name")
    queries = []
    for i, s in enumerate(doc.get("sources") or []):
        q = s.get("query") if isinstance(s, dict) else None
        if not isinstance(q, str) or "SELECT" not in q:
            bad(f"source {i} has no VQL query")
        else:
            queries.append(q)
    vql = "\n".join(queries)
    if isinstance(doc.get("precondition"), str):
        vql_pre = doc["precondition"]
        if "SELECT" not in vql_pre:
            bad("precondition is not a query")
    used = set(re.findall(r'ToolName\s*=\s*"([^"]+)"', vql))
    for t in sorted(used - set(tools)):
        bad(f"VQL fetches tool '{t}' the artifact does not declare")
    for t in sorted(set(tools) - used):
        bad(f"declares tool '{t}' its VQL never fetches")
    for p in params:
        if not re.search(r"\b%s\b" % re.escape(p), vql):
            bad(f"parameter '{p}' is not used by the VQL")
    # the command line: every argv list that runs the fetched binary
    runs = 0
    for argv in argv_lists(vql):
        # boxtrail's command lines: those that run the fetched binary (Bin);
        # others (journalctl through sh) are not boxtrail's
        if not argv.strip().startswith("Bin["):
            continue
        runs += 1
        words = re.findall(r'"([^"]*)"', argv)
        if not words or words[0] != "hunt":
            bad(f"argv does not run 'boxtrail hunt': {argv.strip()[:80]}")
        for w in words:
            if w.startswith("-") and w not in help_opts:
                bad(f"option '{w}' is not in 'boxtrail hunt --help'")
    if not runs:
        bad("the VQL never runs boxtrail (an argv starting with the fetched Bin)")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        help_opts = options_in_help(f.read())
    problems = []
    for path in sys.argv[2:]:
        check(path, help_opts, problems)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
