#!/usr/bin/env python3
"""kill -9 trials: one node under 8-16 concurrent writers (PUT, overwrite, DELETE) is killed at a
random moment and restarted on the same db; after each restart every acknowledged write must be
there, or superseded by a later acknowledged one (ledger.py says exactly what that allows).

    P2P_NODE=build/p2p-node scripts/chaos/kill_trials.py [--trials N] [--seed S]
"""
import argparse, random, threading, time

from common import run_main, Ledger, harness, join_all, live_map, report, start_writers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rnd, ledger = random.Random(args.seed), Ledger()
    node = harness.Node("kill")
    problems, landed, t0 = [], 0, time.monotonic()
    try:
        for trial in range(args.trials):
            stop = threading.Event()
            writers = start_writers(rnd.randint(8, 16), lambda i: node, ledger, rnd, stop,
                                    first_id=trial * 100)
            time.sleep(rnd.uniform(0.05, 1.0))  # the random moment of the kill
            node.kill9()
            join_all(writers)  # each stops on its dead connection
            node.restart()
            problems, landed_now = ledger.verify(live_map(node))
            landed += landed_now
            if problems:
                print(f"trial {trial} (seed {args.seed}): acknowledged writes lost:\n  "
                      + "\n  ".join(problems[:10]), flush=True)
                break
    finally:
        node.cleanup()
    c = ledger.counts
    return report("kill", not problems, {
        "trials": trial + 1, "seed": args.seed, "acknowledged": c["acked"],
        "in_flight_at_kill": c["unsure"], "unacknowledged_values_kept": landed,
        "lost": len(problems), "seconds": round(time.monotonic() - t0)})


if __name__ == "__main__":
    run_main("kill", main)
