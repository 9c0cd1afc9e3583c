"""bench-query: an equality query on an indexed field over N entries (100,000 by default)
against the same query answered by a scan (`scan=1`), on one node, in interleaved rounds.
Two selectivities: one match in N (a unique field) and 1% of N (first page of 100).
Also a range query (a 100-wide window of a numeric field, first page of 100).
Usage: python3 query.py NODE_CMD [--entries 100000] [--rounds 5] [--requests 50]"""
import argparse, http.client, json, os, statistics, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "blackbox"))
import harness  # noqa: E402


def load(node, n):
    """Imports N entries in one streamed POST /import."""
    def lines():
        for i in range(n):
            yield (json.dumps({"path": f"users/{i:07d}",
                               "value": {"email": f"u{i}@example.org", "role": f"role{i % 100}",
                                         "age": i % 1000, "pad": "x" * 40},
                               "timestamp": 1_700_000_000_000 + i, "origin": "be0c"})
                   + "\n").encode()
    conn = http.client.HTTPConnection(node.host, node.port, timeout=600)
    conn.request("POST", "/import", body=lines(), encode_chunked=True,
                 headers={"Content-Type": "application/x-ndjson"})
    res = conn.getresponse()
    body = json.loads(res.read())
    assert res.status == 200 and body["applied"] == n, body


def timed(conn, target, expect_plan):
    t0 = time.perf_counter()
    conn.request("GET", target)
    res = conn.getresponse()
    body = json.loads(res.read())
    elapsed = time.perf_counter() - t0
    assert res.status == 200, body
    assert body["plan"] == expect_plan, body["plan"]
    return elapsed, body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("node")
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=50)
    args = ap.parse_args()
    os.environ["P2P_NODE"] = args.node
    node = harness.Node("query-bench")
    try:
        t0 = time.perf_counter()
        load(node, args.entries)
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        built = []
        for field in ("/email", "/role", "/age"):
            status, _, body = node.json_request(
                "POST", "/indexes", json.dumps({"prefix": "users/", "field": field}))
            assert status == 201, body
            built.append(body["built"])
        build_s = time.perf_counter() - t0
        n = args.entries
        queries = {
            "1 match (unique field)": f"/query/users/?field=/email&eq=u{n // 2}@example.org",
            "1% match, first 100": "/query/users/?field=/role&eq=role7&limit=100",
            "range, first 100": "/query/users/?field=/age&gte=300&lt=400&limit=100",
        }
        conn = http.client.HTTPConnection(node.host, node.port, timeout=120)
        results = {name: {"index": [], "scan": []} for name in queries}
        for _ in range(args.rounds):
            for name, target in queries.items():
                for plan, suffix in (("index", ""), ("scan", "&scan=1")):
                    times, answers = [], set()
                    for _ in range(args.requests if plan == "index" else max(3, args.requests // 10)):
                        elapsed, body = timed(conn, target + suffix, plan)
                        times.append(elapsed)
                        answers.add(json.dumps(body["results"]))
                    assert len(answers) == 1
                    results[name][plan].append((statistics.median(times), answers.pop()))
        print(f"entries: {n}; loaded by POST /import in {load_s:.2f} s "
              f"({n / load_s:,.0f} entries/s); 3 indexes built in {build_s:.2f} s "
              f"(entries: {built})")
        print(f"{'query':28} {'index ms':>9} {'scan ms':>9} {'scan/index':>11}")
        for name in queries:
            idx = [t for t, _ in results[name]["index"]]
            scn = [t for t, _ in results[name]["scan"]]
            same = {a for _, a in results[name]["index"]} == {a for _, a in results[name]["scan"]}
            assert same, f"{name}: index and scan answers differ"
            ratios = [s / i for i, s in zip(idx, scn)]
            print(f"{name:28} {statistics.median(idx) * 1000:9.3f} "
                  f"{statistics.median(scn) * 1000:9.1f} {statistics.median(ratios):10.0f}x"
                  f"   (per round: {', '.join(f'{r:.0f}' for r in ratios)})")
        print("answers: identical through the index and by scan, in every round")
    finally:
        node.cleanup()


if __name__ == "__main__":
    main()
