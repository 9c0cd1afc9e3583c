#!/usr/bin/env python3
"""Cluster trials: 3-5 linked nodes with writers on all of them; a random node is killed (kill -9)
and restarted on its port and db, again and again; then the writers stop, every node's full scan
must become identical, and that scan must hold every acknowledged write (ledger.py).

    P2P_NODE=build/p2p-node scripts/chaos/cluster_trials.py [--kills N] [--per-cluster K] [--seed S]
"""
import argparse, random, threading, time

from common import run_main, Ledger, cluster, harness, join_all, live_map, report, start_writers


def run_cluster(index, kills, rnd, ledger, ids):
    n = rnd.randint(3, 5)
    edges = cluster.ring(n) if rnd.random() < 0.5 else cluster.random_graph(n, rnd.randint(0, 2), rnd.random())
    nodes = []
    for i in range(n):
        targets = [nodes[j].url for a, b in edges for j in (a, b) if max(a, b) == i and j != i]
        nodes.append(harness.Node(f"c{index}n{i}", peers=targets))
    try:
        stop = threading.Event()
        per_node = 2 if n > 3 else 3
        writers = start_writers(n * per_node, lambda i: nodes[i % n], ledger, rnd, stop,
                                first_id=ids, stop_on_error=False)
        for _ in range(kills):
            time.sleep(rnd.uniform(0.2, 1.5))
            victim = rnd.choice(nodes)
            victim.kill9()
            time.sleep(rnd.uniform(0.05, 1.0))
            victim.restart(same_port=True)  # its peers dial this port
        time.sleep(rnd.uniform(0.2, 1.0))
        stop.set()
        join_all(writers)
        common = cluster.wait_converged(nodes, deadline_s=180)
        problems, landed = ledger.verify({e["path"]: e for e in common})
        # Every node holds that scan (wait_converged compared them); check one more read.
        problems += ledger.verify(live_map(nodes[-1]))[0]
        return n, edges, problems, landed, sum(w.errors for w in writers)
    finally:
        for node in nodes:
            node.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--per-cluster", type=int, default=10)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rnd, t0 = random.Random(args.seed), time.monotonic()
    done, clusters, landed, problems, sizes, ledgers_acked = 0, 0, 0, [], [], 0
    while done < args.kills and not problems:
        kills = min(args.per_cluster, args.kills - done)
        ledger = Ledger()  # each cluster starts from empty dbs
        n, edges, problems, kept, _ = run_cluster(clusters, kills, rnd, ledger, clusters * 1000)
        if problems:
            print(f"cluster {clusters} ({n} nodes, edges {edges}, seed {args.seed}): acknowledged "
                  "writes lost:\n  " + "\n  ".join(problems[:10]), flush=True)
        done, clusters, landed = done + kills, clusters + 1, landed + kept
        sizes.append(n)
        ledgers_acked += ledger.counts["acked"]
    return report("cluster", not problems, {
        "kills": done, "clusters": clusters, "nodes": "/".join(map(str, sizes)), "seed": args.seed,
        "acknowledged": ledgers_acked, "unacknowledged_values_kept": landed,
        "lost": len(problems), "converged": clusters - (1 if problems else 0),
        "seconds": round(time.monotonic() - t0)})


if __name__ == "__main__":
    run_main("cluster", main)
