#!/usr/bin/env python3
"""Seeded random scenarios in p2p-sim (`p2p-sim --random SEED`: 5-12 nodes, random topology,
writes, deletes, same-key races across a partition, crashes with writes in flight, restarts,
partition/heal, link flaps), each of which must end converged, identical and holding every
acknowledged write. A failing seed's scenario is saved (--save-failures DIR) as
seed_<SEED>.json: rerun it with `p2p-sim DIR/seed_<SEED>.json` (or `p2p-sim --random SEED`),
and keep it under tests/scenarios/ as a regression.

    scripts/chaos/sim_seeds.py --sim build/p2p-sim [--seeds 100] [--first 1] [--save-failures DIR]
"""
import argparse, os, re, subprocess, time

from common import report


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True)
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--save-failures", default=None)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    failed, t0, slowest = [], time.monotonic(), (0, None)
    nodes = []
    for seed in range(args.first, args.first + args.seeds):
        cmd = [args.sim, "--random", str(seed)]
        if args.save_failures:
            os.makedirs(args.save_failures, exist_ok=True)
            saved = os.path.join(args.save_failures, f"seed_{seed}.json")
            cmd += ["--save", saved]
        started = time.monotonic()
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
            ok, text = out.returncode == 0 and "scenario passed" in out.stdout, out.stdout + out.stderr
        except subprocess.TimeoutExpired as e:
            ok, text = False, f"timed out after {args.timeout}s\n{e.stdout or ''}"
        took = time.monotonic() - started
        slowest = max(slowest, (took, seed))
        m = re.search(r": (\d+) nodes", text)
        nodes.append(int(m.group(1)) if m else 0)
        if ok:
            if args.save_failures and os.path.exists(saved):
                os.remove(saved)
            continue
        failed.append(seed)
        print(f"seed {seed} FAILED (rerun: {' '.join(cmd[:3])}"
              + (f"; kept as {saved}" if args.save_failures and os.path.exists(saved) else "")
              + "):\n"
              + "\n".join(text.splitlines()[-15:]), flush=True)
    return report("sim", not failed, {
        "seeds": args.seeds, "first": args.first, "converged": args.seeds - len(failed),
        "failed": ",".join(map(str, failed)) or "none",
        "nodes": f"{min(nodes)}-{max(nodes)}", "slowest_s": f"{slowest[0]:.1f}(seed {slowest[1]})",
        "seconds": round(time.monotonic() - t0)})


if __name__ == "__main__":
    raise SystemExit(main())
