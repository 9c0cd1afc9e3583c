"""bench-sync: time for 2,000 writes made at one end of a 10-node chain to be held by the
other end, for p2psync and for the seed's re-creation, interleaved; then, for p2psync, how
many times one update crosses a link in a 10-node random mesh (from the nodes' counters).
Usage: python3 sync.py OURS_CMD SEED_CMD [--rounds N] [--keys K]"""
import argparse, asyncio, json, os, statistics, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "blackbox"))
import harness  # noqa: E402
from cluster import random_graph  # noqa: E402


def start_topology(cmd, n, edges):
    os.environ["P2P_NODE"] = cmd
    nodes = []
    for i in range(n):  # node i dials every lower-numbered neighbour
        peers = [nodes[a].url for a, b in edges if b == i] + [nodes[b].url for a, b in edges if a == i and b < i]
        nodes.append(harness.Node(f"n{i}", peers=peers))
    degree = [sum(1 for e in edges if i in e) for i in range(n)]
    for node, d in zip(nodes, degree):
        harness.wait_until(lambda: sum(1 for p in json.loads(node.request("GET", "/peers")[2])
                                       if p.get("connected")) >= d, 60, what="links up")
    return nodes


def count(node, prefix):
    status, _, body = node.request("GET", "/api/scan/" + prefix)
    return len(json.loads(body)) if status == 200 else -1


async def _pipelined_puts(host, port, paths):
    """One keep-alive connection: all requests written at once (HTTP/1.1 pipelining), then
    the responses read back in order."""
    reader, writer = await asyncio.open_connection(host, port)
    for p in paths:
        body = json.dumps({"p": p, "name": "bench"}).encode()
        writer.write(f"PUT /api/{p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    await writer.drain()
    for _ in paths:
        status = await reader.readline()
        assert b" 200 " in status, status
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
    writer.close()


def write_keys(node, keys, connections=64):
    """PUTs `keys` unique paths under bench/ over `connections` pipelined connections."""
    async def run():
        await asyncio.gather(*(_pipelined_puts(node.host, node.port,
                                               [f"bench/{i}" for i in range(c, keys, connections)])
                               for c in range(connections)))
    asyncio.run(run())


def chain_run(cmd, keys, n=10):
    nodes = start_topology(cmd, n, [(i, i + 1) for i in range(n - 1)])
    try:
        t0 = time.monotonic()
        write_keys(nodes[0], keys)
        written = time.monotonic() - t0
        harness.wait_until(lambda: count(nodes[-1], "bench/") >= keys, 120, interval=0.01,
                           what="far end holds every key")
        return written, time.monotonic() - t0
    finally:
        for node in nodes:
            node.cleanup()


def mesh_crossings(cmd, writes, n=10, extra=8, seed=7):
    edges = random_graph(n, extra, seed)
    nodes = start_topology(cmd, n, edges)
    try:
        for i in range(writes):
            nodes[i % n].put(f"mesh/{i}", {"i": i})
        harness.wait_until(lambda: all(count(x, "mesh/") == writes for x in nodes), 120,
                           what="mesh converged")
        received = sum(x.metrics().get("p2p_updates_received_total", 0) for x in nodes)
        return len(edges), received / writes
    finally:
        for node in nodes:
            node.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ours")
    ap.add_argument("seed")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keys", type=int, default=2000)
    a = ap.parse_args()
    times = {"ours": [], "seed": []}
    lags = {"ours": [], "seed": []}
    for r in range(a.rounds):
        for name, cmd in (("ours", a.ours), ("seed", a.seed)):
            written, total = chain_run(cmd, a.keys)
            times[name].append(total)
            lags[name].append(total - written)
            print(f"  round {r + 1} {name}: writes took {written:.2f} s, far end complete "
                  f"after {total:.2f} s", file=sys.stderr)
    med = {k: statistics.median(v) for k, v in times.items()}
    lag = {k: statistics.median(v) for k, v in lags.items()}
    print(f"10-node chain, {a.keys} keys written at one end over 64 pipelined connections (median of {a.rounds}):")
    for name in ("ours", "seed"):
        print(f"  {name:5} first write to far end complete {med[name]:.2f} s, "
              f"last write acknowledged to far end complete {lag[name]:.3f} s")
    print(f"  total: p2psync {med['seed'] / med['ours']:.1f}x faster than the seed   (target >= 10x)")
    print(f"  after the last write: p2psync {lag['seed'] / max(lag['ours'], 1e-3):.1f}x faster")
    links, per_update = mesh_crossings(a.ours, 500)
    print(f"10-node random mesh, {links} links, 500 writes spread over all nodes:")
    print(f"  one update crosses a link {per_update:.1f} times on average "
          f"(plain flooding: about {2 * links}; a spanning tree: 9)")


if __name__ == "__main__":
    main()
