"""Multi-node helpers for the black-box tests: start a topology, look at links (/peers),
run writes from threads, and wait until every node holds the same data."""
import json, random, threading

from harness import NodeTestCase, api, call, wait_until

CONVERGE_S = 60  # generous: a loaded 2-core box runs all the nodes and the tests


def ring(n):
    return [(i, (i + 1) % n) for i in range(n)]


def chain(n):
    return [(i, i + 1) for i in range(n - 1)]


def mesh(n):
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def random_graph(n, extra, seed):
    """A connected graph: a random spanning tree plus `extra` distinct extra edges (fewer when
    n nodes have no room for that many: then all n*(n-1)/2 edges)."""
    rnd = random.Random(seed)
    edges = {tuple(sorted((i, rnd.randrange(i)))) for i in range(1, n)}
    while len(edges) < min(n - 1 + extra, n * (n - 1) // 2):  # more would never be found
        a, b = rnd.sample(range(n), 2)
        edges.add(tuple(sorted((a, b))))
    return sorted(edges)


def degrees(n, edges):
    deg = [0] * n
    for a, b in edges:
        deg[a] += 1
        deg[b] += 1
    return deg


def peers(node):
    status, _, body = node.json_request("GET", "/peers")
    assert status == 200, f"/peers answered {status}: {body!r}"
    return body


def up_links(node):
    """The entries of /peers that are up and connected."""
    return [p for p in peers(node) if p.get("state") == "up" and p.get("connected") is True]


def links_up(node, n):
    return len(up_links(node)) == n


def link_to(node, remote):
    """node's up link to remote (a Node), or None."""
    return next((p for p in up_links(node) if p.get("remote_id") == remote.id), None)


def wait_link_counter(node, remote, field, at_least, deadline_s=15):
    """Waits until node's up link to remote shows field (a /peers counter) >= at_least."""
    try:
        wait_until(lambda: (link_to(node, remote) or {}).get(field, 0) >= at_least, deadline_s)
    except AssertionError:
        raise AssertionError(f"{node.name}'s link to {remote.name}: {field} not >= {at_least} "
                             f"within {deadline_s}s; /peers: {peers(node)}") from None


def full_scan(node):
    status, _, items = node.json_request("GET", "/api/scan/")
    assert status == 200, f"scan answered {status}: {items!r}"
    return items


def as_map(items):
    return {e["path"]: e["value"] for e in items}


def wait_converged(nodes, expected=None, deadline_s=CONVERGE_S, what="all scans equal"):
    """Waits until every node's full scan is identical (path, value, timestamp, origin) and, if
    expected ({path: value}) is given, holds exactly that. Returns the common scan."""
    state = {}

    def check():
        scans = [full_scan(n) for n in nodes]
        state["last"] = scans
        if any(s != scans[0] for s in scans[1:]):
            return None
        if expected is not None and as_map(scans[0]) != expected:
            return None
        return scans[0] or [None]

    try:
        common = wait_until(check, deadline_s, interval=0.1, what=what)
        return [] if common == [None] else common
    except AssertionError:
        raise AssertionError(f"timed out after {deadline_s}s waiting for {what}:\n"
                             + describe(nodes, state.get("last", []), expected)) from None


def describe(nodes, scans, expected):
    """A short diff of the scans against the first node's (or expected)."""
    ref = expected if expected is not None else (as_map(scans[0]) if scans else {})
    out = []
    for node, scan in zip(nodes, scans):
        got = {e["path"]: e for e in scan}
        missing = sorted(set(ref) - set(got))
        extra = sorted(set(got) - set(ref))
        wrong = sorted(p for p in set(ref) & set(got) if got[p]["value"] != ref[p])
        out.append(f"  {node.name} {node.id}: {len(scan)} entries, missing {len(missing)} {missing[:5]}, "
                   f"extra {len(extra)} {extra[:5]}, differing {len(wrong)} "
                   f"{[(p, got[p]['value'], ref[p]) for p in wrong[:3]]}")
    return "\n".join(out)


def parallel(fn, args_list):
    """Runs fn(*args) in one thread per args; returns the results in order, re-raises a failure."""
    results, errors = [None] * len(args_list), []

    def run(i, args):
        try:
            results[i] = fn(*args)
        except BaseException as e:  # noqa: B036 (re-raised below)
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, a), daemon=True) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if errors:
        raise errors[0]
    assert not any(t.is_alive() for t in threads), "a writer thread hung"
    return results


def put_many(node, items):
    """PUTs [(path, value)...] on one keep-alive connection; returns the PUT replies."""
    conn, out = node.connection(), []
    try:
        for path, value in items:
            status, _, body = call(conn, "PUT", api(path), json.dumps(value))
            assert status == 200, f"PUT {path} on {node.name}: {status} {body[:200]!r}"
            out.append(json.loads(body))
    finally:
        conn.close()
    return out


def spread_writes(nodes, items, threads_per_node=2):
    """Spreads [(path, value)...] round-robin over the nodes, written from parallel threads."""
    jobs = [(nodes[i % len(nodes)], items[i::len(nodes) * threads_per_node])
            for i in range(len(nodes) * threads_per_node)]
    return parallel(put_many, jobs)


class ClusterTestCase(NodeTestCase):
    def start_topology(self, n, edges, name="n", args=()):
        """Starts n nodes (with launcher `args`); for each edge (a, b) the later-started one dials
        the other. Waits until every node has one up link per edge it is on. Returns the nodes in
        index order."""
        nodes = []
        for i in range(n):
            targets = [nodes[j].url for a, b in edges for j in (a, b) if max(a, b) == i and j != i]
            nodes.append(self.start_node(f"{name}{i}", args=args, peers=targets))
        self.wait_links(nodes, degrees(n, edges))
        return nodes

    def wait_links(self, nodes, counts, deadline_s=CONVERGE_S):
        for node, count in zip(nodes, counts):
            wait_until(lambda: links_up(node, count), deadline_s, interval=0.05,
                       what=f"{node.name} to have {count} links up (has {peers(node)})")

    def put_ok(self, node, path, value):
        status, body = node.put(path, value)
        self.assertEqual(status, 200, body)
        return body

    def wait_value(self, nodes, path, value, deadline_s=CONVERGE_S):
        for node in nodes:
            wait_until(lambda: node.get(path) == (200, value), deadline_s,
                       what=f"{path} = {value!r} on {node.name} (has {node.get(path)})")

    def wait_absent(self, nodes, path, deadline_s=CONVERGE_S):
        for node in nodes:
            wait_until(lambda: node.get(path)[0] == 404, deadline_s,
                       what=f"{path} to be 404 on {node.name} (has {node.get(path)})")
