"""bench-transfer: a streamed POST /import of N entries (1,000,000 by default) into a running
node, then a streamed GET /export of all of them, then `p2p-node export` of the same db;
reports times, throughput and the node's peak anonymous memory (RssAnon: heap, not the LMDB
map), sampled every 10 ms, to show that memory stays bounded by a page, not by the store.
Usage: python3 transfer.py NODE_CMD [--entries 1000000]"""
import argparse, hashlib, http.client, json, os, shlex, subprocess, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "blackbox"))
import harness  # noqa: E402
from memory import PeakSampler, anon_mb  # noqa: E402


def entry_lines(n):
    batch = []
    for i in range(n):
        batch.append(json.dumps({"path": f"docs/{i:08d}", "value": {"n": i, "tag": f"t{i % 97}"},
                                 "timestamp": 1_700_000_000_000 + i, "origin": "be0c"}) + "\n")
        if len(batch) == 1000:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("node")
    ap.add_argument("--entries", type=int, default=1_000_000)
    args = ap.parse_args()
    os.environ["P2P_NODE"] = args.node
    n = args.entries
    node = harness.Node("transfer-bench")
    try:
        idle = anon_mb(node)
        sampler = PeakSampler([node])
        sampler.start()
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection(node.host, node.port, timeout=3600)
        conn.request("POST", "/import", body=entry_lines(n), encode_chunked=True)
        res = conn.getresponse()
        body = json.loads(res.read())
        import_s = time.perf_counter() - t0
        (import_peak,) = sampler.finish()
        assert res.status == 200 and body == {"lines": n, "applied": n}, body

        sampler = PeakSampler([node])
        sampler.start()
        t0 = time.perf_counter()
        conn.close()
        conn = http.client.HTTPConnection(node.host, node.port, timeout=3600)
        conn.request("GET", "/export")
        res = conn.getresponse()
        digest, lines, size = hashlib.sha256(), 0, 0
        while chunk := res.read(1 << 16):
            digest.update(chunk)
            lines += chunk.count(b"\n")
            size += len(chunk)
        export_s = time.perf_counter() - t0
        (export_peak,) = sampler.finish()
        assert res.status == 200 and lines == n, (res.status, lines)

        t0 = time.perf_counter()
        cli = subprocess.run(shlex.split(args.node) + ["export", "--db", node.db],
                             stdout=subprocess.PIPE, check=True)
        cli_s = time.perf_counter() - t0
        same = hashlib.sha256(cli.stdout).hexdigest() == digest.hexdigest()
        print(f"entries: {n:,}; node RssAnon idle {idle:.1f} MB")
        print(f"POST /import  {import_s:6.2f} s  {n / import_s:10,.0f} entries/s  "
              f"peak RssAnon {import_peak:6.1f} MB")
        print(f"GET /export   {export_s:6.2f} s  {n / export_s:10,.0f} entries/s  "
              f"peak RssAnon {export_peak:6.1f} MB  ({size / 1e6:.0f} MB of NDJSON)")
        print(f"p2p-node export (CLI, beside the running node) {cli_s:.2f} s; "
              f"same bytes as GET /export: {same}")
        assert same
    finally:
        node.cleanup()


if __name__ == "__main__":
    main()
