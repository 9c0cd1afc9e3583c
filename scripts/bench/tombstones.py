#!/usr/bin/env python3
"""Tombstone collection at scale, against real processes: two nodes, one with a short TTL
and one keeping tombstones for ever (--tombstone-ttl 0), each given the same churn, interleaved:
N PUTs, then N DELETEs of those paths, then M PUTs of new paths. The DELETEs and the new PUTs
are timed (the short-TTL node collects the oldest tombstones while they run); LMDB's record
count (mdb_stat) and the file size are shown before and after; a second round of the same churn
shows the file no longer grows on the collecting node.

    scripts/bench/tombstones.py P2P_NODE [--n 100000] [--m 20000] [--ttl 2s] [--check]

--check: exit 1 unless the collecting node's write rate is >= 0.9x the other's and its records
after collection are O(live) (at most live + 1% of N)."""
import argparse, http.client, multiprocessing as mp, os, re, shutil, subprocess, sys, tempfile, time

CONNS = 32  # keep-alive connections, spread over PROCS client processes
PROCS = 4


def client(port, method, paths, out):
    """One process: its share of `paths` over CONNS // PROCS connections, round robin."""
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(CONNS // PROCS)]
    bad = 0
    body = '{"v":1,"name":"churn"}'
    for i, path in enumerate(paths):
        c = conns[i % len(conns)]
        c.request(method, "/api/" + path, body if method == "PUT" else None,
                  {"Content-Type": "application/json"} if method == "PUT" else {})
        r = c.getresponse()
        r.read()
        bad += r.status != 200
    out.put(bad)


def run(port, method, paths):
    """All of `paths` with one method -> (seconds, failures)."""
    out = mp.Queue()
    procs = [mp.Process(target=client, args=(port, method, paths[k::PROCS], out)) for k in range(PROCS)]
    t0 = time.monotonic()
    for p in procs:
        p.start()
    bad = sum(out.get() for _ in procs)
    for p in procs:
        p.join()
    return time.monotonic() - t0, bad


def metrics(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(p2p_\w+) (\S+)$", text, re.M)}


def records(db):
    out = subprocess.run(["mdb_stat", "-s", "records", db], capture_output=True, text=True).stdout
    m = re.search(r"Entries: (\d+)", out)
    return int(m.group(1)) if m else -1


class Node:
    def __init__(self, binary, ttl, work):
        self.db = os.path.join(work, "ttl-" + ttl)
        self.ttl = ttl
        self.proc = subprocess.Popen([binary, "--port", "0", "--db", self.db, "--tombstone-ttl", ttl],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode()
        self.port = int(re.search(r":(\d+) id=", line).group(1))

    def size_mb(self):
        return os.path.getsize(os.path.join(self.db, "data.mdb")) / 1e6

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("node")
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--m", type=int, default=20000)
    ap.add_argument("--ttl", default="2s")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench-tombstones.")
    nodes = [Node(args.node, args.ttl, work), Node(args.node, "0", work)]
    rows, ok = [], True
    try:
        for rnd in (1, 2):
            for node in nodes:  # interleaved: the same phase on each node in turn
                churn = [f"churn/r{rnd}/k{i:06d}" for i in range(args.n)]
                fresh = [f"new/r{rnd}/k{i:06d}" for i in range(args.m)]
                put_s, bad = run(node.port, "PUT", churn)
                before = (records(node.db), node.size_mb())
                del_s, bad2 = run(node.port, "DELETE", churn)
                new_s, bad3 = run(node.port, "PUT", fresh)
                collected_during = metrics(node.port).get("p2p_tombstones_collected_total", 0)
                assert bad + bad2 + bad3 == 0, f"{bad + bad2 + bad3} requests failed"
                if node.ttl != "0":  # wait for the pass to finish
                    deadline = time.monotonic() + 120
                    while metrics(node.port)["p2p_tombstones"] > 0 and time.monotonic() < deadline:
                        time.sleep(0.2)
                m = metrics(node.port)
                rows.append(dict(round=rnd, ttl=node.ttl, put=args.n / put_s,
                                 rate=(args.n + args.m) / (del_s + new_s), collected=collected_during,
                                 rec_before=before[0], mb_before=before[1], rec_after=records(node.db),
                                 mb_after=node.size_mb(), live=m["p2p_store_entries"]))
    finally:
        for node in nodes:
            node.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"| round | ttl | PUT/s (N) | DELETE+PUT/s (timed) | collected while timed | records before deletes "
          f"| records after | live | data.mdb MB before | after |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['round']} | {r['ttl']} | {r['put']:,.0f} | {r['rate']:,.0f} | {r['collected']:,.0f} "
              f"| {r['rec_before']:,} | {r['rec_after']:,} | {r['live']:,.0f} | {r['mb_before']:.1f} "
              f"| {r['mb_after']:.1f} |")
    for rnd in (1, 2):
        ttl_row, keep_row = [r for r in rows if r["round"] == rnd]
        ratio = ttl_row["rate"] / keep_row["rate"]
        print(f"round {rnd}: timed writes with collection / without: {ratio:.2f}x; records after: "
              f"{ttl_row['rec_after']:,} vs {keep_row['rec_after']:,}")
        if ratio < 0.9 or ttl_row["rec_after"] > ttl_row["live"] + args.n // 100:
            ok = False
    if args.check and not ok:
        sys.exit("tombstones: FAIL")
    print("tombstones: " + ("PASS" if ok else "below the bar (see above)"))


if __name__ == "__main__":
    main()
