"""Definitions import: every shipped scenario (and those of tests/live/scenarios/, whose topologies
have policies) is run by the runner for 30 s, its broker's topology
written as a definitions file (`switchyard run --definitions`), and the files are imported into
the live RabbitMQ (`rabbitmqctl import_definitions`), each scenario in a vhost of its own. The
broker must take them all, and what it then exports (`rabbitmqctl export_definitions`) must hold,
per vhost, the same exchanges, queues, bindings and policies. Prints one line per scenario that
differs and a summary line; exits 1 when any differs or the import is refused."""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

RABBITMQCTL = os.environ.get("RABBITMQCTL", "/usr/lib/rabbitmq/bin/rabbitmqctl")
UNTIL = "30s"


def exported(binary, scenario, out):
    subprocess.run([binary, "run", scenario, "--until", UNTIL, "--definitions", out],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with open(out) as f:
        return json.load(f)


def in_vhost(defs, vhost):
    """`defs` with every item moved from `/` to `vhost`."""
    moved = {"vhosts": [{"name": vhost}]}
    for kind in ("exchanges", "queues", "bindings", "policies"):
        moved[kind] = [dict(item, vhost=vhost) for item in defs.get(kind, [])]
    return moved


def canon(defs, vhost):
    """What is compared, per kind: a sorted list of the items of `vhost`, as JSON text."""
    keys = {
        "exchanges": ("name", "type", "durable", "auto_delete", "internal", "arguments"),
        "queues": ("name", "durable", "auto_delete", "arguments"),
        "bindings": ("source", "destination", "destination_type", "routing_key", "arguments"),
        "policies": ("name", "pattern", "apply-to", "definition", "priority"),
    }
    # RabbitMQ 3.10's export leaves out an exchange's `internal` (false unless set).
    defaults = {"internal": False}
    out = {}
    for kind, fields in keys.items():
        items = [i for i in defs.get(kind, []) if i.get("vhost") == vhost]
        out[kind] = sorted(json.dumps({k: i.get(k, defaults.get(k)) for k in fields}, sort_keys=True)
                           for i in items)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--switchyard", required=True)
    parser.add_argument("--scenarios", required=True, action="append",
                        help="a directory of scenario files (repeatable)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="imports.")
    scenarios = sorted(p for d in args.scenarios for p in glob.glob(os.path.join(d, "*.json")))
    merged = {"rabbit_version": "3.10.8", "vhosts": [], "exchanges": [], "queues": [],
              "bindings": [], "policies": []}
    ours = {}
    for path in scenarios:
        name = os.path.splitext(os.path.basename(path))[0]
        vhost = f"sw-{name}"
        defs = in_vhost(exported(args.switchyard, path, os.path.join(work, f"{name}.json")), vhost)
        ours[name] = (vhost, canon(defs, vhost))
        for kind in merged:
            if kind != "rabbit_version":
                merged[kind].extend(defs.get(kind, []))
    merged_path = os.path.join(work, "all.json")
    with open(merged_path, "w") as f:
        json.dump(merged, f)
    done = subprocess.run([RABBITMQCTL, "import_definitions", merged_path],
                          capture_output=True, text=True)
    if done.returncode != 0:
        print(f"definitions import: RabbitMQ refused the import: {done.stderr.strip() or done.stdout.strip()}")
        print(f"definitions import: {len(scenarios)} scenarios, 0 passed, {len(scenarios)} failed")
        return 1
    back_path = os.path.join(work, "back.json")
    subprocess.run([RABBITMQCTL, "export_definitions", back_path], check=True,
                   capture_output=True, text=True)
    with open(back_path) as f:
        back = json.load(f)
    failed = 0
    for name, (vhost, mine) in ours.items():
        theirs = canon(back, vhost)
        differ = [kind for kind in mine if mine[kind] != theirs[kind]]
        failed += bool(differ)
        for kind in differ:
            only_ours = sorted(set(mine[kind]) - set(theirs[kind]))
            only_theirs = sorted(set(theirs[kind]) - set(mine[kind]))
            print(f"definitions import: {name}: {kind} differ; only ours: {only_ours}; "
                  f"only RabbitMQ's: {only_theirs}")
    print(f"definitions import: {len(ours)} scenarios, {len(ours) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
