#!/usr/bin/env python3
"""Soak: three linked nodes under mixed load (PUT, overwrite, DELETE, GET, scans, SSE
subscriptions, new connections) for a while; each node's memory and open fds are sampled every
interval. Growth after the warm-up (the first sixth) must stay within the bound:

    anonymous RSS (heap: RssAnon)  <= warm-up figure * 1.25 + 16 MiB
    open file descriptors          <= warm-up figure + 16

File-backed pages (the LMDB map: the data itself) are reported, not bounded. Keys are a fixed
set of 2,000 paths, so the data does not grow with time.

    P2P_NODE=build/p2p-node scripts/chaos/soak.py [--seconds 600] [--interval 10]
"""
import argparse, json, os, random, threading, time

from common import run_main, cluster, harness, report

RSS_FACTOR, RSS_SLACK_KIB, FD_SLACK = 1.25, 16 * 1024, 16


def sample(node):
    pid, kib = node.proc.pid, {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                kib[key] = int(rest.split()[0])
    kib["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return kib


def load(node, rnd, stop, counts):
    conn = node.connection()
    while not stop.is_set():
        r, path = rnd.random(), f"soak/{rnd.randrange(2000)}"
        if r < 0.45:
            req = ("PUT", harness.api(path), json.dumps({"n": rnd.random(), "pad": "y" * rnd.randrange(300)}))
        elif r < 0.6:
            req = ("DELETE", harness.api(path), None)
        elif r < 0.9:
            req = ("GET", harness.api(path), None)
        else:
            req = ("GET", harness.scan_target("soak/", 50), None)
        status, _, _ = harness.call(conn, *req)
        counts[status] = counts.get(status, 0) + 1
        if rnd.random() < 0.02:  # connection churn
            conn.close()
            conn = node.connection()
        if rnd.random() < 0.002:  # an SSE subscriber that comes and goes
            sse = harness.SSEClient(node, "soak/")
            try:
                sse.wait_comment()  # ": subscribed"
            finally:
                sse.close()
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--interval", type=float, default=10)
    args = ap.parse_args()
    rnd = random.Random(1)
    a = harness.Node("soak0")
    b = harness.Node("soak1", peers=[a.url])
    c = harness.Node("soak2", peers=[a.url, b.url])
    nodes, stop, counts = [a, b, c], threading.Event(), {}
    try:
        for n in nodes:
            harness.wait_until(lambda: cluster.links_up(n, 2), 60, what=f"{n.name}'s 2 links")
        threads = [threading.Thread(target=load, args=(n, random.Random(rnd.random()), stop, counts),
                                    daemon=True) for n in nodes for _ in range(2)]
        for t in threads:
            t.start()
        samples, t0 = [], time.monotonic()
        while time.monotonic() - t0 < args.seconds:
            time.sleep(args.interval)
            samples.append([sample(n) for n in nodes])
            dead = [n.name for n in nodes if not n.running()]
            if dead or not all(t.is_alive() for t in threads):
                raise AssertionError(f"soak stopped early: dead nodes {dead}, log: {nodes[0].log_tail(5)}")
        stop.set()
        for t in threads:
            t.join(30)
    finally:
        stop.set()
        for n in nodes:
            n.cleanup()
    warm = samples[max(0, len(samples) // 6 - 1)]
    after = samples[len(samples) // 6:]
    ok, figures = True, {"seconds": round(args.seconds), "samples": len(samples),
                         "requests": sum(counts.values()),
                         "errors": sum(v for k, v in counts.items() if k >= 500)}
    for i in range(len(nodes)):
        anon0, fd0 = warm[i]["RssAnon"], warm[i]["fds"]
        anon_max = max(s[i]["RssAnon"] for s in after)
        fd_max = max(s[i]["fds"] for s in after)
        rss_end = after[-1][i]["VmRSS"]
        within = anon_max <= anon0 * RSS_FACTOR + RSS_SLACK_KIB and fd_max <= fd0 + FD_SLACK
        ok = ok and within
        mid = after[len(after) // 2][i]["RssAnon"]  # a leak keeps climbing; a warm cache levels off
        figures[f"node{i}"] = (f"anon_MiB={anon0 / 1024:.1f}->{mid / 1024:.1f}->{anon_max / 1024:.1f},"
                               f"rss_end_MiB={rss_end / 1024:.1f},fds={fd0}->{fd_max}")
    ok = ok and figures["errors"] == 0
    figures["bound"] = f"anon<=warm*{RSS_FACTOR}+{RSS_SLACK_KIB // 1024}MiB,fds<=warm+{FD_SLACK}"
    return report("soak", ok, figures)


if __name__ == "__main__":
    run_main("soak", main)
