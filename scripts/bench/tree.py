"""Tree broadcast against flooding in a 50-node random mesh of degree 6 (p2p-sim, one
process, real WebSocket links): after a warm-up of 1,000 writes spread over all nodes, 1,000
more (steady) and then 10,000 at once (burst). For each: payload crossings per update (N-1 is
the minimum: a spanning tree), ids announced per update, link bytes per update, and the time
from the first write until every node holds every write. Rounds alternate the two modes.
Usage: python3 tree.py P2P_SIM [--rounds N] [--check]
--check: one tree round; exits 1 unless steady crossings <= 1.1 x (N-1) (a CTest)."""
import argparse, json, os, statistics, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "mesh_50.json")
PHASES = {"steady": (2, 3), "burst": (4, 5)}  # (bulk step, wait step) indexes


def run(sim, mode):
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        out = subprocess.run([sim, SCENARIO, "--broadcast", mode, "--json", report.name],
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            sys.exit(f"p2p-sim --broadcast {mode} failed:\n{out.stdout}{out.stderr}")
        doc = json.load(open(report.name))
    steps = doc["steps"]
    nodes = json.load(open(SCENARIO))["nodes"]
    result = {}
    for phase, (bulk, wait) in PHASES.items():
        writes = json.load(open(SCENARIO))["steps"][bulk]["bulk"]["count"]
        pair = [steps[bulk], steps[wait]]
        result[phase] = {
            "crossings": sum(s["updates_sent"] for s in pair) / writes,
            "announced": sum(s["announcements_sent"] for s in pair) / writes,
            "bytes": sum(s["link_bytes_sent"] for s in pair) / writes,
            "ms": sum(s["ms"] for s in pair),
        }
    return nodes, result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sim")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if a.check:
        nodes, r = run(a.sim, "tree")
        limit = 1.1 * (nodes - 1)
        s = r["steady"]
        print(f"tree, steady: {s['crossings']:.1f} payload crossings per update "
              f"(limit {limit:.1f}), {s['announced']:.1f} ids, {s['ms']:.0f} ms; "
              f"burst: {r['burst']['crossings']:.1f} per update")
        sys.exit(0 if s["crossings"] <= limit else 1)
    runs = {"tree": [], "flood": []}
    for i in range(a.rounds):
        for mode in ("tree", "flood") if i % 2 == 0 else ("flood", "tree"):
            nodes, r = run(a.sim, mode)
            runs[mode].append(r)
            print(f"  round {i + 1} {mode}: steady {r['steady']['ms']:.0f} ms, "
                  f"burst {r['burst']['ms']:.0f} ms", file=sys.stderr)
    print(f"{nodes}-node random mesh of degree 6 (p2p-sim), median of {a.rounds} rounds, "
          f"interleaved; a spanning tree needs {nodes - 1} payload crossings per update:")
    print(f"  {'phase':7} {'mode':6} {'crossings/upd':>13} {'ids/upd':>8} {'bytes/upd':>10} "
          f"{'all hold all':>13}")
    for phase in PHASES:
        med = {}
        for mode in ("tree", "flood"):
            m = {k: statistics.median(r[phase][k] for r in runs[mode])
                 for k in ("crossings", "announced", "bytes", "ms")}
            med[mode] = m
            print(f"  {phase:7} {mode:6} {m['crossings']:13.1f} {m['announced']:8.1f} "
                  f"{m['bytes']:10.0f} {m['ms'] / 1000:12.2f}s")
        print(f"  {phase:7} tree/flood: crossings {med['tree']['crossings'] / med['flood']['crossings']:.2f}x, "
              f"bytes {med['tree']['bytes'] / med['flood']['bytes']:.2f}x, "
              f"time {med['tree']['ms'] / med['flood']['ms']:.2f}x")


if __name__ == "__main__":
    main()
