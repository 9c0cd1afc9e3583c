#!/usr/bin/env python3
"""Tombstone collection at scale, against real processes. Setup (once): a node keeping every
tombstone takes N PUTs then N DELETEs over HTTP (32 connections); LMDB's record count (mdb_stat)
and data.mdb's size are noted, and the db is copied. Then, interleaved for R rounds on fresh
copies: the node restarted with --tombstone-ttl 1s (its first pass collects the N tombstones at
once) and with --tombstone-ttl 0 (none), each under wrk PUT load (32 connections, D seconds)
from the moment it listens. Reported: PUT/s with collection / without (medians of the same run),
tombstones collected inside the timed window, records and file size after.

    scripts/bench/tombstones.py P2P_NODE [--n 100000] [--rounds 3] [--seconds 5] [--check]

--check: exit 1 unless PUT/s with collection >= 0.9x without and the records after collection
are O(live) (at most live + 1% of N)."""
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
    def __init__(self, binary, ttl, db):
        self.db, self.ttl = db, ttl
        self.proc = subprocess.Popen([binary, "--port", "0", "--db", db, "--tombstone-ttl", ttl],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode()
        self.port = int(re.search(r":(\d+) id=", line).group(1))

    def size_mb(self):
        return os.path.getsize(os.path.join(self.db, "data.mdb")) / 1e6

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


def wrk_put(port, seconds, script):
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "-s", script, f"http://127.0.0.1:{port}"],
                         capture_output=True, text=True).stdout
    m = re.search(r"Requests/sec:\s+(\S+)", out)
    if not m or "Non-2xx" in out:
        sys.exit("wrk failed:\n" + out)
    return float(m.group(1))


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("node")
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "put.lua")
    work = tempfile.mkdtemp(prefix="bench-tombstones.")
    try:
        base = os.path.join(work, "base")
        node = Node(args.node, "0", base)
        churn = [f"churn/k{i:06d}" for i in range(args.n)]
        put_s, bad = run(node.port, "PUT", churn)
        live_before = (records(base), node.size_mb())
        del_s, bad2 = run(node.port, "DELETE", churn)
        assert bad + bad2 == 0, f"{bad + bad2} setup requests failed"
        node.stop()
        print(f"setup: {args.n:,} PUTs in {put_s:.1f} s, {args.n:,} DELETEs in {del_s:.1f} s "
              f"(Python client); records {live_before[0]:,} -> {records(base):,}, data.mdb "
              f"{live_before[1]:.1f} -> {os.path.getsize(os.path.join(base, 'data.mdb')) / 1e6:.1f} MB")
        rows = []
        for rnd in range(args.rounds):
            for ttl in ("1s", "0"):  # interleaved
                db = os.path.join(work, f"r{rnd}-{ttl}")
                shutil.copytree(base, db)
                node = Node(args.node, ttl, db)
                rate = wrk_put(node.port, args.seconds, script)
                m = metrics(node.port)
                node.stop()
                rows.append(dict(round=rnd + 1, ttl=ttl, rate=rate, collected=m["p2p_tombstones_collected_total"],
                                 live=m["p2p_store_entries"], records=records(db), mb=node.size_mb()))
                shutil.rmtree(db)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| round | ttl | PUT/s (wrk, 32 conns) | tombstones collected in the window | live | records after | data.mdb MB |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['round']} | {r['ttl']} | {r['rate']:,.0f} | {r['collected']:,.0f} | {r['live']:,.0f} "
              f"| {r['records']:,} | {r['mb']:.1f} |")
    with_c = median([r["rate"] for r in rows if r["ttl"] == "1s"])
    without = median([r["rate"] for r in rows if r["ttl"] == "0"])
    ratio = with_c / without
    collecting = [r for r in rows if r["ttl"] == "1s"]
    ok = ratio >= 0.9 and all(r["records"] <= r["live"] + args.n // 100 for r in collecting)
    print(f"PUT/s while collecting {args.n:,} tombstones / without collection: {ratio:.2f}x "
          f"(medians {with_c:,.0f} / {without:,.0f})")
    if args.check and not ok:
        sys.exit("tombstones: FAIL")
    print("tombstones: " + ("PASS" if ok else "below the bar (see above)"))


if __name__ == "__main__":
    main()
