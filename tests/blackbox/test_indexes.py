"""Field indexes (/indexes, --index): they follow overwrites, deletes, imports, replication
and restarts, so an indexed query keeps answering what a scan and a Python model answer; at
most 64 per node."""
import json, random, unittest

from cluster import ClusterTestCase, as_map, parallel, put_many, wait_converged
from harness import WORK, NodeTestCase, call, now_ms
from transfer_helpers import cli, lines_of
from query_model import QueryAssertions, list_indexes, model_query, order_key, paths, post_index, query_all, resolve


def random_value(rnd):
    """A document whose /v (and /n/x) mixes every kind, or lacks it, or is not scalar."""
    scalars = [lambda: rnd.randint(-5, 20), lambda: rnd.choice([2.5, -0.5, 1e3, 0.25]),
               lambda: rnd.choice(["a", "b", "B", "ab", "é", "", "10", "2", "zz"]),
               lambda: rnd.choice([True, False]), lambda: None]
    kind = rnd.randrange(10)
    if kind < 6:
        doc = {"v": rnd.choice(scalars)()}
    elif kind == 6:
        doc = {"w": 1}  # no /v
    elif kind == 7:
        doc = {"v": rnd.choice([{"x": 1}, [1, 2], {}, []])}
    elif kind == 8:
        doc = rnd.choice([5, "a", True, [1]])  # not an object at all
    else:
        doc = {"v": rnd.choice(scalars)(), "extra": {"deep": [1, {"a": None}]}}
    if isinstance(doc, dict) and rnd.random() < 0.5:
        doc["n"] = {"x": rnd.choice(scalars)()} if rnd.random() < 0.8 else [1]
    return doc


RANDOM_QUERIES = [
    ("/v", {"eq": 1}), ("/v", {"eq": 2.5}), ("/v", {"eq": "a"}), ("/v", {"eq": ""}), ("/v", {"eq": "10"}),
    ("/v", {"eq": True}), ("/v", {"eq": False}), ("/v", {"eq": None}), ("/v", {"eq": 0}),
    ("/v", {"gte": 0, "lt": 10}), ("/v", {"gt": -1}), ("/v", {"lte": 2}), ("/v", {"gt": 2.5, "lte": 1000}),
    ("/v", {"gt": "a"}), ("/v", {"gte": "B", "lte": "b"}), ("/v", {"lt": "b"}), ("/v", {"gte": ""}),
    ("/n/x", {"gte": -100}), ("/n/x", {"eq": "a"}), ("/n/x", {"eq": None}), ("/n/x", {"lt": "zz"}),
]


class RandomWorkloadTest(NodeTestCase, QueryAssertions):
    def test_random_writes_overwrites_deletes_match_the_model(self):
        node = self.start_node("qrandom")
        post_index(self, node, "rw/", "/v")  # before the data: kept up to date write by write
        rnd = random.Random(20261126)
        keys = [f"rw/k{i:02d}" for i in range(50)] + [f"rw/sub/k{i}" for i in range(12)] + ["rx/k1", "rx/k2"]
        store, conn = {}, node.connection()
        self.addCleanup(conn.close)
        for _ in range(300):
            key = rnd.choice(keys)
            if rnd.random() < 0.15:
                status, _, body = call(conn, "DELETE", "/api/" + key)
                self.assertEqual(status, 200 if key in store else 404, body)
                store.pop(key, None)
            else:
                value = random_value(rnd)
                status, _, body = call(conn, "PUT", "/api/" + key, json.dumps(value))
                self.assertEqual(status, 200, body)
                store[key] = value
        built = post_index(self, node, "rw/", "/n/x")["built"]  # after the data: built from it
        self.assertEqual(built, sum(1 for p, d in store.items()
                                    if p.startswith("rw/") and order_key(resolve(d, "/n/x")) is not None))
        total = 0
        for field, cond in RANDOM_QUERIES:
            for prefix in ("rw/", "rw/sub/"):
                total += len(self.assert_indexed_equals_scan_and_model(node, store, prefix, field, cond, (3, 1000)))
        self.assertGreater(total, 60, "the queries must find something")


class ReplicatedIndexTest(ClusterTestCase, QueryAssertions):
    def test_indexes_on_linked_nodes_agree_after_random_writes(self):
        n0 = self.start_node("qrep0", ["--index", "rep/:/v"])
        n1 = self.start_node("qrep1", peers=[n0.url])
        n2 = self.start_node("qrep2", peers=[n0.url, n1.url])
        nodes = [n0, n1, n2]
        self.wait_links(nodes, [2, 2, 2])
        self.assertEqual(list_indexes(n0), [("rep/", "/v")])
        post_index(self, n2, "rep/", "/v")  # before the data
        keys = [f"rep/k{i:02d}" for i in range(40)] + [f"rep/s/k{i}" for i in range(8)]

        def writer(node, seed, count):  # one thread per node, each on its own connection
            rnd, conn = random.Random(seed), node.connection()
            try:
                for _ in range(count):
                    key = rnd.choice(keys)
                    if rnd.random() < 0.15:
                        status, _, body = call(conn, "DELETE", "/api/" + key)
                        assert status in (200, 404), body
                    else:
                        status, _, body = call(conn, "PUT", "/api/" + key, json.dumps(random_value(rnd)))
                        assert status == 200, body
            finally:
                conn.close()

        def workload(count, seed):
            parallel(writer, [(n, seed + i, count // 3) for i, n in enumerate(nodes)])

        workload(150, 424242)
        wait_converged(nodes, what="the first half of the writes everywhere")
        built = post_index(self, n1, "rep/", "/v")["built"]  # after the data arrived
        self.assertGreater(built, 10)
        workload(150, 515151)
        scan = wait_converged(nodes, what="all writes everywhere")
        store = as_map(scan)
        self.assertGreater(len(store), 20)
        found = 0
        for field, cond in RANDOM_QUERIES:
            for prefix in ("rep/", "rep/s/"):
                if field != "/v":
                    continue
                answers = [self.assert_indexed_equals_scan_and_model(n, store, prefix, field, cond, (3, 1000),
                                                                     index={"prefix": "rep/", "field": "/v"})
                           for n in nodes]
                self.assertEqual(answers[1], answers[0], f"{prefix} {cond}: n1 and n0 differ")
                self.assertEqual(answers[2], answers[0], f"{prefix} {cond}: n2 and n0 differ")
                found += len(answers[0])
        self.assertGreater(found, 40, "the queries must find something")
        for n in nodes:
            self.assertEqual(list_indexes(n), [("rep/", "/v")])


class ImportKeepsIndexTest(NodeTestCase, QueryAssertions):
    def test_http_and_cli_imports_keep_the_index(self):
        node = self.start_node("qimport", ["--index", "im/:/v"])
        t = now_ms() - 600_000
        store, lines = {}, []
        rnd = random.Random(777)
        for i in range(200):
            path = f"im/k{rnd.randrange(80):02d}"
            value = random_value(rnd)
            lines.append({"path": path, "value": value, "timestamp": t + i, "origin": "abcdef01"})
            store[path] = value
        body = "".join(json.dumps(l) + "\n" for l in lines)
        status, _, obj = node.json_request("POST", "/import", body)
        self.assertEqual(status, 200, obj)
        for cond in ({"eq": 1}, {"gte": 0}, {"gte": ""}, {"eq": None}, {"eq": True}):
            self.assert_indexed_equals_scan_and_model(node, store, "im/", "/v", cond)
        self.assertEqual(node.stop(), 0, node.log_tail())
        lines = []
        for i in range(200):  # newer: overwrites move entries in the index, tombstones remove them
            path = f"im/k{rnd.randrange(80):02d}"
            value = None if rnd.random() < 0.2 else random_value(rnd)
            lines.append({"path": path, "value": value, "timestamp": t + 1000 + i, "origin": "abcdef02"})
            if value is None:
                store.pop(path, None)
            else:
                store[path] = value
        r = cli("import", "--db", node.db, stdin=lines_of(lines), timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        node.restart()
        for cond in ({"eq": 1}, {"gte": 0}, {"gte": ""}, {"eq": None}, {"eq": True}, {"lt": 5}):
            self.assert_indexed_equals_scan_and_model(node, store, "im/", "/v", cond)


class IndexLimitTest(NodeTestCase):
    def test_at_most_64_indexes_and_declaring_one_again_is_fine(self):
        node = self.start_node("qlimit")
        for i in range(64):
            post_index(self, node, f"lim{i}/", "/f")
        body = post_index(self, node, "lim64/", "/f", want_status=400)
        self.assertIn("64", body["error"])
        self.assertEqual(post_index(self, node, "lim0/", "/f")["built"], 0)  # it exists: fine
        status, _, listed = node.json_request("GET", "/indexes")
        self.assertEqual((status, len(listed)), (200, 64))


class IndexRestartTest(NodeTestCase, QueryAssertions):
    def test_indexes_survive_restart_and_drop(self):
        node = self.start_node("qrestart", ["--index", "fa/:/x", "--index", "fb/:/y/z"])
        self.assertEqual(list_indexes(node), [("fa/", "/x"), ("fb/", "/y/z")])
        items = [(f"fa/k{i}", {"x": i % 4}) for i in range(20)] + [(f"fc/k{i}", {"c": str(i % 3)}) for i in range(20)]
        put_many(node, items)
        store = dict(items)
        self.assertEqual(post_index(self, node, "fc/", "/c")["built"], 20)
        self.assertEqual(node.stop(), 0, node.log_tail())
        node.restart()
        self.assertEqual(list_indexes(node), [("fa/", "/x"), ("fb/", "/y/z"), ("fc/", "/c")],
                         "--index is idempotent and a POSTed index persists")
        put_many(node, [("fa/new", {"x": 1}), ("fc/new", {"c": "1"})])
        store.update({"fa/new": {"x": 1}, "fc/new": {"c": "1"}})
        self.assertEqual(len(self.assert_indexed_equals_scan_and_model(node, store, "fa/", "/x", {"eq": 1})), 6)
        self.assertEqual(len(self.assert_indexed_equals_scan_and_model(node, store, "fc/", "/c", {"eq": "1"})), 8)
        status, _, body = node.json_request("DELETE", "/indexes?prefix=fc/&field=/c")
        self.assertEqual((status, body), (200, {"dropped": True}))
        status, _, body = node.json_request("DELETE", "/indexes?prefix=fc/&field=/c")
        self.assert_json_error(status, body, 404)
        got, _ = query_all(node, "fc/", "/c", {"eq": "1"}, 3, want_plan="scan")
        self.assertEqual(paths(got), model_query(store, "fc/", "/c", {"eq": "1"}))
        self.assertEqual(node.stop(), 0, node.log_tail())
        node.restart()
        self.assertEqual(list_indexes(node), [("fa/", "/x"), ("fb/", "/y/z")], "a dropped index stays dropped")
        query_all(node, "fc/", "/c", {"eq": "1"}, 3, want_plan="scan")
        # re-created after the drop: built again from the data
        self.assertEqual(post_index(self, node, "fc/", "/c")["built"], 21)
        self.assert_indexed_equals_scan_and_model(node, store, "fc/", "/c", {"gte": "0"})

    def test_bad_index_flag_stops_the_launcher(self):
        for spec in ("nocolon", "x/:role", "x/:/a~", "x\u0001/:/a"):
            with self.subTest(spec=spec):
                r = cli("--port", "0", "--db", f"{WORK}/badindex", "--index", spec, timeout=20)
                self.assertNotEqual(r.returncode, 0, r.stderr)
                self.assertNotIn(b"listening", r.stdout)


if __name__ == "__main__":
    unittest.main()
