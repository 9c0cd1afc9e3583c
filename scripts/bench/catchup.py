"""bench-catchup: bytes a restarting node receives when it missed k updates while the store
held S entries (S = 1,000 and 100,000), coming back through the same peer and through a
different one; the same for k deletes missed by a node away longer than the tombstone TTL (its
one reconciliation sends the peer's inventory of paths); and the time for a brand-new node to
receive 100,000 entries.
Usage: python3 catchup.py NODE_CMD [--sizes 1000,100000] [--missed 100]"""
import argparse, json, os, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memory import PeakSampler, anon_mb  # noqa: E402
import sync  # noqa: E402  (also puts tests/blackbox on the path)
import harness  # noqa: E402


def metric(node, name):
    return node.metrics().get(name, 0)


def wait_entries(node, n, deadline=600):
    harness.wait_until(lambda: metric(node, "p2p_store_entries") >= n, deadline, interval=0.05,
                       what=f"{n} entries")


def record_bytes(node, paths):
    """Size of the missed records as the node serves them (path, value, timestamp, origin)."""
    total = 0
    for p in paths:
        status, _, body = node.request("GET", "/api/scan/" + p)
        total += len(json.dumps(json.loads(body)[0], separators=(",", ":")))
    return total


def has_all(node, paths, round_name):
    for i, p in enumerate(paths):
        status, value = node.get(p)
        if status != 200 or value.get("round") != round_name or value.get("overwritten") != i:
            return False
    return True


def run(size, missed):
    a = harness.Node("a")
    c = harness.Node("c", peers=[a.url])
    b = harness.Node("b", peers=[a.url])
    try:
        sync.write_keys(a, size)
        for n in (a, b, c):
            wait_entries(n, size)
        out = {}
        for via in ("same peer", "different peer"):
            b.stop()
            paths = [f"bench/{i}" for i in range(0, size, max(1, size // missed))][:missed]
            for i, p in enumerate(paths):
                status, _ = a.put(p, {"overwritten": i, "round": via, "pad": "x" * 50})
                assert status == 200
            want = record_bytes(a, paths)
            if via == "different peer":
                b.args = ["--peer", c.url]  # c holds everything a has
                harness.wait_until(lambda: has_all(c, paths, via), 60, what="c has them")
            t0 = time.monotonic()
            b.start(port=b.port)
            harness.wait_until(lambda: has_all(b, paths, via), 600, what="b caught up")
            took = time.monotonic() - t0
            got = metric(b, 'p2p_link_bytes_total{direction="received"}')
            out[via] = (got, want, took)
        return out
    finally:
        for n in (a, b, c):
            n.cleanup()


def run_after_ttl(size, missed):
    """b misses `missed` deletes and stays away until a has collected them (TTL 1 s): its
    catch-up is a reconciliation, whose inventory lists every path a holds."""
    ttl = ["--tombstone-ttl", "1s"]
    a = harness.Node("a", args=ttl)
    b = harness.Node("b", args=ttl, peers=[a.url])
    try:
        sync.write_keys(a, size)
        for n in (a, b):
            wait_entries(n, size)
        b.stop()
        paths = [f"bench/{i}" for i in range(0, size, max(1, size // missed))][:missed]
        for p in paths:
            assert a.delete(p)[0] == 200
        harness.wait_until(lambda: metric(a, "p2p_tombstones_collected_total") >= len(paths), 120,
                           what="a to collect the deletes")
        inventory = sum(len(json.dumps(p)) + 1 for p in
                        (e["path"] for e in json.loads(a.request("GET", "/api/scan/")[2])))
        t0 = time.monotonic()
        b.start(port=b.port)
        harness.wait_until(lambda: metric(b, "p2p_store_entries") == size - len(paths)
                           and metric(b, 'p2p_reconciliations_total{role="made"}') >= 1, 600, what="b reconciled")
        return metric(b, 'p2p_link_bytes_total{direction="received"}'), inventory, time.monotonic() - t0
    finally:
        for n in (a, b):
            n.cleanup()


def new_node_time(size):
    """A new node joins a node holding `size` entries while that node keeps taking writes."""
    a = harness.Node("a")
    try:
        sync.write_keys(a, size)
        wait_entries(a, size)
        rss_before = anon_mb(a)
        stop, live = threading.Event(), []

        def writer():  # the network keeps taking writes during the join
            while not stop.is_set():
                status, _ = a.put(f"live/{len(live)}", {"n": len(live)})
                assert status == 200
                live.append(1)
        t = threading.Thread(target=writer)
        t.start()
        t0 = time.monotonic()
        n = harness.Node("new", peers=[a.url], start=False)
        n.start()
        sampler = PeakSampler([a, n])
        sampler.start()
        wait_entries(n, size)
        took = time.monotonic() - t0
        stop.set()
        t.join()
        sampler.finish()
        harness.wait_until(lambda: count(n, "live/") == len(live), 60, what="live writes")
        return (took, metric(n, 'p2p_link_bytes_total{direction="received"}'), len(live),
                rss_before, sampler.peak[0], sampler.peak[1])
    finally:
        a.cleanup()


def count(node, prefix):
    return len(json.loads(node.request("GET", "/api/scan/" + prefix)[2]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("node")
    ap.add_argument("--sizes", default="1000,100000")
    ap.add_argument("--missed", type=int, default=100)
    a = ap.parse_args()
    os.environ["P2P_NODE"] = a.node
    print(f"a restarting node that missed k={a.missed} updates (bytes it received after restart, "
          f"vs the bytes of the k records):")
    for size in (int(x) for x in a.sizes.split(",")):
        for via, (got, want, took) in run(size, a.missed).items():
            print(f"  S={size:>7}  via {via:14}  received {got:>10} B  records {want:>7} B  "
                  f"ratio {got / want:7.2f}  (caught up in {took:.2f} s)")
    print(f"a node away past the tombstone TTL (1 s) while k={a.missed} entries were deleted and "
          f"collected (bytes it received after restart, vs the peer's inventory of paths):")
    for size in (int(x) for x in a.sizes.split(",")):
        got, inventory, took = run_after_ttl(size, a.missed)
        print(f"  S={size:>7}  received {got:>10} B  inventory {inventory:>9} B  "
              f"ratio {got / inventory:5.2f}  ({got / size:.1f} B per entry held; "
              f"reconciled in {took:.2f} s)")
    biggest = max(int(x) for x in a.sizes.split(","))
    took, got, live, rss0, rss_a, rss_n = new_node_time(biggest)
    print(f"a new node received {biggest} entries in {took:.2f} s ({got / 1e6:.1f} MB, "
          f"{biggest / took:.0f} entries/s) while the source took {live} more writes;")
    print(f"  peak anonymous memory (RSS minus LMDB's mapped file): source {rss_a:.1f} MB "
          f"(before the join {rss0:.1f} MB), new node {rss_n:.1f} MB")


if __name__ == "__main__":
    main()
