"""Field queries (GET /query/<prefix>) and field indexes (/indexes, --index): an indexed query
answers exactly what a scan answers, page by page through the cursor, in (value, path) order,
and both equal a Python model of the store; indexes follow overwrites, deletes, replication
and restarts; every malformed query is a 400 with a JSON error."""
import json, random, re, subprocess, unittest, urllib.parse

from cluster import ClusterTestCase, as_map, parallel, put_many, wait_converged
from harness import WORK, NodeTestCase, call, launcher, now_ms, parse_json

MISSING = object()


# ------------------------------------------------------------------ client side
def query_target(prefix, params):
    """/query/<prefix>?<params>; params is a dict or a list of pairs, values sent verbatim
    (percent-encoded), so a JSON string condition is passed as its JSON text."""
    items = params.items() if isinstance(params, dict) else params
    qs = urllib.parse.urlencode([(k, str(v)) for k, v in items], quote_via=urllib.parse.quote)
    return "/query/" + urllib.parse.quote(prefix, safe="/") + ("?" + qs if qs else "")


def cond_params(cond):
    """{"eq": 3} / {"gte": "a", "lt": "b"} -> query parameters holding JSON text."""
    return {op: json.dumps(v, ensure_ascii=False) for op, v in cond.items()}


def query_all(node, prefix, field, cond, limit, scan=False, want_plan=None, conn=None, alternate=False):
    """Follows the cursor to the end -> (all results, pages). Checks every page on the way:
    at most `limit` results, a full page before every non-null next, no empty page after a
    next, the wanted plan on every page."""
    own = conn is None
    conn = conn or node.connection()
    results, pages, cursor = [], [], None
    try:
        for _ in range(5000):
            params = dict(field=field, limit=limit, **cond_params(cond))
            if scan or (alternate and len(pages) % 2 == 1):  # alternate: scan every other page
                params["scan"] = 1
            if cursor is not None:
                params["cursor"] = cursor
            target = query_target(prefix, params)
            status, _, body = call(conn, "GET", target)
            body = parse_json(body)
            assert status == 200, f"GET {target}: {status} {body!r}"
            assert set(body) >= {"results", "next", "plan", "examined"}, body
            page = body["results"]
            assert len(page) <= limit, f"{len(page)} results for limit {limit}: {target}"
            if cursor is not None:
                assert page, f"a cursor led to an empty page: {target}"
            if body["next"] is not None:
                assert len(page) == limit, f"next given after a short page ({len(page)}/{limit}): {target}"
                assert isinstance(body["next"], str) and body["next"], body
            plan = None if alternate else want_plan or ("scan" if scan else None)
            if plan is not None:
                assert body["plan"] == plan, f"plan {body['plan']!r}, want {plan!r}: {target} -> {body}"
            assert ("index" in body) == (body["plan"] == "index"), body
            pages.append(body)
            results += page
            cursor = body["next"]
            if cursor is None:
                return results, pages
        raise AssertionError(f"more than 5000 pages for {prefix} {field} {cond}")
    finally:
        if own:
            conn.close()


# ------------------------------------------------------------------ model
def resolve(doc, pointer):
    """RFC 6901 pointer into a decoded JSON value; MISSING when it leads nowhere."""
    if pointer == "":
        return doc
    cur = doc
    for tok in pointer[1:].split("/"):
        tok = tok.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict):
            if tok not in cur:
                return MISSING
            cur = cur[tok]
        elif isinstance(cur, list):
            if not re.fullmatch(r"0|[1-9][0-9]{0,8}", tok) or int(tok) >= len(cur):
                return MISSING
            cur = cur[int(tok)]
        else:
            return MISSING
    return cur


def order_key(v):
    """null < false < true < numbers (numerically) < strings (UTF-8 bytes); None for others."""
    if v is None:
        return (0,)
    if v is False:
        return (1,)
    if v is True:
        return (2,)
    if isinstance(v, (int, float)):
        return (3, float(v))
    if isinstance(v, str):
        return (4, v.encode("utf-8"))
    return None


def model_query(store, prefix, field, cond):
    """The paths a query must answer, in order, from {path: value}."""
    hits = []
    for path, doc in store.items():
        if not path.startswith(prefix):
            continue
        key = order_key(resolve(doc, field))  # None when missing, an object or an array
        if key is None:
            continue
        if "eq" in cond:
            if key != order_key(cond["eq"]):
                continue
        else:
            kind = order_key(next(iter(cond.values())))[0]
            if key[0] != kind:
                continue
            ok = True
            for op, bound in cond.items():
                b = order_key(bound)
                ok &= {"gt": key > b, "gte": key >= b, "lt": key < b, "lte": key <= b}[op]
            if not ok:
                continue
        hits.append((index_order(key), path.encode("utf-8"), path))
    return [p for _, _, p in sorted(hits)]


def index_order(key):
    """The documented result order: strings by their first 96 key bytes (a NUL counts two)."""
    if key[0] != 4:
        return key
    used, cut = 0, bytearray()
    for b in key[1]:
        need = 2 if b == 0 else 1
        if used + need > 96:
            break
        used += need
        cut.append(b)
    return (4, bytes(cut))


def paths(results):
    return [r["path"] for r in results]


class QueryAssertions:
    def assert_indexed_equals_scan_and_model(self, node, store, prefix, field, cond, limits=(3, 100),
                                             index=None):
        """For each limit: indexed pages == scan pages == model; returns the full result list."""
        want = model_query(store, prefix, field, cond)
        first = None
        for limit in limits:
            with self.subTest(prefix=prefix, field=field, cond=cond, limit=limit, node=node.name):
                indexed, pages = query_all(node, prefix, field, cond, limit, want_plan="index")
                if index is not None:
                    self.assertEqual(pages[0]["index"], index)
                scanned, _ = query_all(node, prefix, field, cond, limit, scan=True)
                self.assertEqual(indexed, scanned, f"indexed != scan for {prefix} {field} {cond} limit {limit}")
                if len(pages) > 2:  # a cursor from one plan resumes the other
                    mixed, _ = query_all(node, prefix, field, cond, limit, alternate=True)
                    self.assertEqual(mixed, indexed, "pages alternating index and scan")
                self.assertEqual(paths(indexed), want, f"query {prefix} {field} {cond} limit {limit} vs model")
                for r in indexed:
                    self.assertEqual(r["value"], store[r["path"]])
                    self.assertEqual(set(r), {"path", "value", "timestamp", "origin"}, r)
                if first is None:
                    first = indexed
                self.assertEqual(indexed, first, "the limit changed the answer")
        return first


def post_index(testcase, node, prefix, field, want_status=201):
    status, _, body = node.json_request("POST", "/indexes", json.dumps({"prefix": prefix, "field": field}))
    testcase.assertEqual(status, want_status, body)
    if want_status == 201:
        testcase.assertEqual((body["prefix"], body["field"]), (prefix, field), body)
        testcase.assertIsInstance(body["built"], int)
    return body


def list_indexes(node):
    status, _, body = node.json_request("GET", "/indexes")
    assert status == 200, body
    return sorted((d["prefix"], d["field"]) for d in body)


# ------------------------------------------------------------------ tests
class QueryOrderTest(NodeTestCase, QueryAssertions):
    @classmethod
    def setUpClass(cls):
        cls.node = cls.class_node("qorder")

    def write(self, items):
        put_many(self.node, items)
        return dict(items)

    def test_value_then_path_order_for_every_kind(self):
        values = [None, False, True, -1e300, -3, -0.5, 0, 1, 1.0, 2, 10, 2.5e20,
                  "", "10", "2", "B", "a", "a\u0000b", "ab", "z", "é", "\ufb01", "😀"]
        items = []
        for i, v in enumerate(values):
            items.append((f"ord/k{i:02d}", {"v": v}))
            items.append((f"ord/j{i:02d}", {"v": v}))  # a tie on every value, broken by path
        items += [("ord/obj", {"v": {"x": 1}}), ("ord/arr", {"v": [1]}), ("ord/none", {"w": 1}), ("ord/top", 7)]
        store = self.write(items)
        post_index(self, self.node, "ord/", "/v")
        for cond in ({"gte": -1e308}, {"gte": ""}):
            indexed = self.assert_indexed_equals_scan_and_model(self.node, store, "ord/", "/v", cond, (3, 1000))
            got = [(order_key(r["value"]["v"]), r["path"].encode()) for r in indexed]
            self.assertEqual(got, sorted(got), "results not in (value, path) order")
        numbers = paths(query_all(self.node, "ord/", "/v", {"gte": -1e308}, 1000, scan=True)[0])
        self.assertEqual(len(numbers), 2 * 9)  # 1 and 1.0 are one number: ties by path
        self.assertLess(numbers.index("ord/k09"), numbers.index("ord/j10"), "2 < 10 numerically")
        strings = [store[p]["v"] for p in paths(query_all(self.node, "ord/", "/v", {"gte": ""}, 1000)[0])][::2]
        self.assertEqual(strings, ["", "10", "2", "B", "a", "a\u0000b", "ab", "z", "é", "\ufb01", "😀"])
        for v in (None, False, True, 0, 1, "a", "é"):
            with self.subTest(eq=v):
                got = self.assert_indexed_equals_scan_and_model(self.node, store, "ord/", "/v", {"eq": v}, (1, 100))
                self.assertGreaterEqual(len(got), 2)
        self.assertEqual(paths(query_all(self.node, "ord/", "/v", {"eq": 1}, 100)[0]),
                         ["ord/j07", "ord/j08", "ord/k07", "ord/k08"], "1 and 1.0 are equal")
        # objects, arrays and a missing field never match, whatever the condition
        for cond in ({"gte": -1e308}, {"gte": ""}, {"eq": None}):
            for scan in (False, True):
                got = paths(query_all(self.node, "ord/", "/v", cond, 1000, scan=scan)[0])
                self.assertFalse({"ord/obj", "ord/arr", "ord/none", "ord/top"} & set(got), got)

    LONG = "s" * 150  # longer than any fixed-size key prefix an index might keep

    def long_store(self, prefix):
        base = self.LONG
        store = self.write([(f"{prefix}p1", {"v": base + "z"}), (f"{prefix}p2", {"v": base + "b"}),
                            (f"{prefix}p3", {"v": base + "m"}), (f"{prefix}p4", {"v": base}),
                            (f"{prefix}p5", {"v": base + "b"}), (f"{prefix}p0", {"v": "t"})])
        post_index(self, self.node, prefix, "/v")
        return store

    def test_long_strings_sharing_a_start_match_exactly(self):
        base, store = self.LONG, self.long_store("longm/")
        for cond, want in (({"eq": base + "b"}, {"p2", "p5"}), ({"eq": base}, {"p4"}),
                           ({"gt": base + "b", "lt": base + "z"}, {"p3"}), ({"gt": base}, {"p1", "p2", "p3", "p5", "p0"}),
                           ({"gte": base + "m"}, {"p3", "p1", "p0"}), ({"lte": base + "b"}, {"p2", "p4", "p5"})):
            for scan in (False, True):
                with self.subTest(cond=cond, scan=scan):
                    got = paths(query_all(self.node, "longm/", "/v", cond, 2, scan=scan)[0])
                    self.assertEqual(sorted(got), sorted("longm/" + p for p in want))

    def test_long_strings_sharing_a_start_order_by_their_first_96_bytes_then_path(self):
        # the documented order, on both plans: index keys hold a string's first 96 bytes
        store, problems = self.long_store("longo/"), []
        for cond in ({"gte": "s"}, {"gt": self.LONG}, {"eq": self.LONG + "b"}):
            want = model_query(store, "longo/", "/v", cond)
            for scan in (False, True):
                for limit in (2, 100):
                    got = paths(query_all(self.node, "longo/", "/v", cond, limit, scan=scan)[0])
                    if got != want:
                        problems.append(f"{'scan' if scan else 'index'} limit {limit} {cond!r:.40}: "
                                        f"got {got}, want {want}")
        self.assertEqual(problems, [], "\n".join(problems))

    def test_condition_text_is_json_or_else_a_string(self):
        self.write([("txt/a", {"r": "admin"}), ("txt/n", {"r": 42}), ("txt/s", {"r": "42"}),
                    ("txt/t", {"r": True}), ("txt/ts", {"r": "true"}), ("txt/sp", {"r": "two words"})])
        for raw, want in (("admin", ["txt/a"]), ("42", ["txt/n"]), ("%2242%22", ["txt/s"]),
                          ("true", ["txt/t"]), ("%22true%22", ["txt/ts"]), ("two%20words", ["txt/sp"]),
                          ("42.0", ["txt/n"]), ("nobody", [])):
            with self.subTest(eq=raw):
                status, _, body = self.node.json_request("GET", f"/query/txt/?field=/r&eq={raw}")
                self.assertEqual(status, 200, body)
                self.assertEqual(paths(body["results"]), want)
                self.assertIsNone(body["next"])
        status, _, body = self.node.json_request("GET", "/query/txt/?field=/r&gte=a&lt=b")
        self.assertEqual((status, paths(body["results"])), (200, ["txt/a"]), body)

    def test_whole_value_and_nested_pointers(self):
        store = self.write([("ptr/a", 5), ("ptr/b", "x"), ("ptr/c", {"n": {"x": 3, "a/b": 1, "t~": 2}}),
                            ("ptr/d", {"n": {"x": 5}}), ("ptr/e", {"arr": [9, 8]}), ("ptr/f", {"arr": [8]}),
                            ("ptr/g", {"n": 5})])
        post_index(self, self.node, "ptr/", "")
        post_index(self, self.node, "ptr/", "/n/x")
        post_index(self, self.node, "ptr/", "/arr/0")
        (whole,) = self.assert_indexed_equals_scan_and_model(self.node, store, "ptr/", "", {"eq": 5})
        self.assertEqual((whole["path"], whole["value"], whole["origin"]), ("ptr/a", 5, self.node.id))
        self.assertEqual(paths(self.assert_indexed_equals_scan_and_model(self.node, store, "ptr/", "/n/x", {"gte": 3})),
                         ["ptr/c", "ptr/d"])
        self.assertEqual(paths(self.assert_indexed_equals_scan_and_model(self.node, store, "ptr/", "/arr/0", {"eq": 8})),
                         ["ptr/f"])
        for field, want in (("/n/a~1b", ["ptr/c"]), ("/n/t~0", ["ptr/c"])):  # escaped tokens, scan only
            got = query_all(self.node, "ptr/", field, {"gte": 0}, 10, want_plan="scan")[0]
            self.assertEqual(paths(got), want)


class IndexPlanTest(NodeTestCase, QueryAssertions):
    def test_indexed_equality_examines_few_and_scan_examines_all(self):
        node = self.start_node("qplan")
        items = [(f"big/k{i:04d}", {"g": i % 50, "pad": "x" * 20}) for i in range(1000)]
        items += [(f"bigother/k{i}", {"g": 7}) for i in range(20)]
        put_many(node, items)
        store = dict(items)
        before = node.metrics()
        body = post_index(self, node, "big/", "/g")
        self.assertEqual(body["built"], 1000)
        got, pages = query_all(node, "big/", "/g", {"eq": 7}, 100, want_plan="index")
        self.assertEqual(paths(got), model_query(store, "big/", "/g", {"eq": 7}))
        self.assertEqual(len(got), 20)
        self.assertEqual(pages[0]["index"], {"prefix": "big/", "field": "/g"})
        self.assertLessEqual(pages[0]["examined"], 21, "an indexed equality examines only its matches")
        got_scan, pages_scan = query_all(node, "big/", "/g", {"eq": 7}, 100, scan=True)
        self.assertEqual(got_scan, got)
        self.assertEqual(pages_scan[0]["examined"], 1000, "a scan examines every live entry under the prefix")
        # a narrow range through the index examines about its matches (and its bound's), too
        got, pages = query_all(node, "big/", "/g", {"gte": 10, "lt": 12}, 100, want_plan="index")
        self.assertEqual(len(got), 40)
        self.assertLessEqual(pages[0]["examined"], 61)
        after = node.metrics()
        self.assertEqual(after["p2p_queries_indexed_total"] - before["p2p_queries_indexed_total"], 2)
        self.assertEqual(after["p2p_queries_scanned_total"] - before["p2p_queries_scanned_total"], 1)

    def test_index_choice_by_field_and_longest_prefix(self):
        node = self.start_node("qchoice")
        items = [(f"np/{sub}/k{i}", {"k": i % 3, "j": i % 2}) for sub in ("a", "ab", "b") for i in range(12)]
        items += [("np", {"k": 1}), ("npx/k", {"k": 1})]
        put_many(node, items)
        store = dict(items)
        post_index(self, node, "np/", "/k")
        cases = [("np/", "index", {"prefix": "np/", "field": "/k"}),
                 ("np/a", "index", {"prefix": "np/", "field": "/k"}),  # narrower: np/a/ and np/ab/
                 ("np/a/", "index", {"prefix": "np/", "field": "/k"}),
                 ("np", "scan", None),  # wider than the index: it would miss "np" and "npx/k"
                 ("", "scan", None)]
        for prefix, plan, index in cases:
            with self.subTest(prefix=prefix):
                got, pages = query_all(node, prefix, "/k", {"eq": 1}, 4, want_plan=plan)
                self.assertEqual(pages[0].get("index"), index)
                self.assertEqual(paths(got), model_query(store, prefix, "/k", {"eq": 1}))
                self.assertEqual(got, query_all(node, prefix, "/k", {"eq": 1}, 4, scan=True)[0])
        self.assertIn("npx/k", paths(query_all(node, "np", "/k", {"eq": 1}, 100)[0]))
        query_all(node, "np/a/", "/j", {"eq": 1}, 100, want_plan="scan")  # no index on /j
        post_index(self, node, "np/a", "/k")
        post_index(self, node, "np/a/", "/k")
        post_index(self, node, "np/a/", "/j")
        for prefix, index_prefix in (("np/a/", "np/a/"), ("np/a/k1", "np/a/"), ("np/ab/", "np/a"),
                                     ("np/a", "np/a"), ("np/b/", "np/")):
            with self.subTest(prefix=prefix):
                got = self.assert_indexed_equals_scan_and_model(node, store, prefix, "/k", {"eq": 1}, (2, 50),
                                                                index={"prefix": index_prefix, "field": "/k"})
                self.assertTrue(all(p.startswith(prefix) for p in paths(got)))
        self.assertEqual(list_indexes(node), [("np/", "/k"), ("np/a", "/k"), ("np/a/", "/j"), ("np/a/", "/k")])

    def test_index_built_from_existing_data_counts_scalar_fields(self):
        node = self.start_node("qbuilt")
        items = [(f"pre/u{i:02d}", {"role": ["admin", "user", "guest"][i % 3]}) for i in range(30)]
        items += [("pre/nofield", {"x": 1}), ("pre/obj", {"role": {"a": 1}}), ("pre/arr", {"role": ["admin"]}),
                  ("pre/null", {"role": None}), ("pre/scalar", 3), ("other/u", {"role": "admin"})]
        put_many(node, items)
        self.assertEqual(node.delete("pre/u00")[0], 200)
        store = {p: v for p, v in items if p != "pre/u00"}
        body = post_index(self, node, "pre/", "/role")
        self.assertEqual(body["built"], 29 + 1, "29 live string roles and one null")
        self.assertEqual(post_index(self, node, "pre/", "/role")["built"], 0, "already there")
        self.assertEqual(list_indexes(node), [("pre/", "/role")])
        for cond in ({"eq": "admin"}, {"eq": "guest"}, {"eq": None}, {"gte": "b"}, {"lt": "h"}):
            self.assert_indexed_equals_scan_and_model(node, store, "pre/", "/role", cond)
        self.assertEqual(len(query_all(node, "pre/", "/role", {"eq": "admin"}, 100)[0]), 9)

    def test_index_follows_overwrites_deletes_and_recreates(self):
        node = self.start_node("qfollow")
        post_index(self, node, "fol/", "/s")
        put_many(node, [("fol/other", {"s": "on"}), ("fol/zz", {"s": "off"})])
        steps = [("put", {"s": "on"}), ("put", {"s": "off"}), ("put", {"s": "on"}), ("put", {"s": {"on": 1}}),
                 ("put", {"s": "on", "t": 1}), ("put", {"t": "on"}), ("put", {"s": ["on"]}), ("put", {"s": "on"}),
                 ("delete", None), ("put", {"s": "off"}), ("put", {"s": "on"}), ("delete", None),
                 ("put", {"s": "on"}), ("put", "on"), ("put", {"s": "on"})]
        store = {"fol/other": {"s": "on"}, "fol/zz": {"s": "off"}}
        for i, (op, value) in enumerate(steps):
            if op == "put":
                self.assertEqual(node.put("fol/k", value)[0], 200)
                store["fol/k"] = value
            else:
                self.assertEqual(node.delete("fol/k")[0], 200)
                store.pop("fol/k")
            with self.subTest(step=i, op=op, value=value):
                for cond in ({"eq": "on"}, {"eq": "off"}, {"gte": "o"}):
                    self.assert_indexed_equals_scan_and_model(node, store, "fol/", "/s", cond, (1, 100))
        self.assertEqual(paths(query_all(node, "fol/", "/s", {"eq": "on"}, 100, want_plan="index")[0]),
                         ["fol/k", "fol/other"])


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
        r = subprocess.run(launcher() + ["import", "--db", node.db], input="".join(json.dumps(l) + "\n" for l in lines).encode(),
                           cwd=WORK, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        node.restart()
        for cond in ({"eq": 1}, {"gte": 0}, {"gte": ""}, {"eq": None}, {"eq": True}, {"lt": 5}):
            self.assert_indexed_equals_scan_and_model(node, store, "im/", "/v", cond)


class QueryErrorsTest(NodeTestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = cls.class_node("qerr")
        put_many(cls.node, [("e/a", {"r": 1}), ("e/b", {"r": "x"})])

    def test_bad_queries_are_400_with_a_json_error(self):
        self.assertEqual(paths(query_all(self.node, "e/", "/r", {"gte": 0}, 1)[0]), ["e/a"])  # a valid one works
        cases = [
            "/query/e/?eq=1",  # no field
            "/query/e/?field=r&eq=1",  # not a pointer
            "/query/e/?field=role&gte=1",
            "/query/e/?field=/a~2b&eq=1",  # bad escape
            "/query/e/?field=/a~&eq=1",
            "/query/e/?field=/r",  # no condition
            "/query/e/?field=/r&limit=5",
            "/query/e/?field=/r&eq=1&gt=0",  # equality with a range
            "/query/e/?field=/r&eq=1&lte=5",
            "/query/e/?field=/r&gt=1&gte=0",  # two lower bounds
            "/query/e/?field=/r&lt=1&lte=0",  # two upper bounds
            "/query/e/?field=/r&gt=true",  # bool bounds
            "/query/e/?field=/r&lte=false",
            "/query/e/?field=/r&gt=1&lt=true",
            "/query/e/?field=/r&gt=null",  # null is no range bound
            "/query/e/?field=/r&gt=1&lt=z",  # mixed kinds
            "/query/e/?field=/r&gte=%22a%22&lt=5",
            "/query/e/?field=/r&gt=%7B%7D",  # an object bound
            "/query/e/?field=/r&eq=%7B%22a%22%3A1%7D",  # an object to equal
            "/query/e/?field=/r&eq=%5B1%5D",  # an array to equal
            "/query/e/?field=/r&eq=1&limit=0",  # limits
            "/query/e/?field=/r&eq=1&limit=1001",
            "/query/e/?field=/r&eq=1&limit=abc",
            "/query/e/?field=/r&eq=1&limit=-1",
            "/query/e/?field=/r&eq=1&limit=1.5",
            "/query/e/?field=/r&eq=1&limit=",
            "/query/e/?field=/r&eq=1&limit=99999999999999999999999",
            "/query/e/?field=/r&eq=1&cursor=zz",  # cursors
            "/query/e/?field=/r&eq=1&cursor=abc",
            "/query/e/?field=/r&eq=1&cursor=00",
            "/query/e/?field=/r&eq=1&cursor=",
            "/query/e/?field=/r&eq=1&cursor=" + "41" * 20,
            "/query/e%ZZ/?field=/r&eq=1",  # bad percent-encoding in the prefix
        ]
        for target in cases:
            with self.subTest(target=target):
                status, _, body = self.node.json_request("GET", target)
                self.assert_json_error(status, body, 400)
        self.assertTrue(self.node.serving())

    def test_limits_at_the_edges_and_a_last_full_page(self):
        for limit in (1, 1000):
            status, _, body = self.node.json_request("GET", f"/query/e/?field=/r&gte=0&limit={limit}")
            self.assertEqual((status, paths(body["results"])), (200, ["e/a"]), body)
            self.assertIsNone(body["next"], "no further match: next is null even on a full page")
        status, _, body = self.node.json_request("GET", "/query/e/?field=/r&eq=1")  # default limit
        self.assertEqual((status, paths(body["results"]), body["next"]), (200, ["e/a"], None), body)

    def test_non_get_is_405(self):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            with self.subTest(method=method):
                status, _, body = self.node.json_request(method, "/query/e/?field=/r&eq=1", "{}")
                self.assert_json_error(status, body, 405)
        self.assertEqual(self.node.get("e/a"), (200, {"r": 1}))

    def test_bad_index_requests(self):
        bad_posts = ["", "not json", "[]", '{"prefix":"x/"}', '{"field":"/x"}', '{"prefix":1,"field":"/x"}',
                     '{"prefix":"x/","field":5}', '{"prefix":"x/","field":"role"}', '{"prefix":"x/","field":"/a~"}',
                     '{"prefix":"x\\u0001/","field":"/r"}', json.dumps({"prefix": "x" * 401, "field": "/r"})]
        for body in bad_posts:
            with self.subTest(body=body[:40]):
                status, _, obj = self.node.json_request("POST", "/indexes", body)
                self.assert_json_error(status, obj, 400)
        self.assertEqual(list_indexes(self.node), [])
        for target, want in (("/indexes?prefix=x/", 400), ("/indexes?field=/r", 400), ("/indexes", 400),
                             ("/indexes?prefix=x/&field=/r", 404), ("/indexes?prefix=e/&field=/r", 404)):
            with self.subTest(target=target):
                status, _, obj = self.node.json_request("DELETE", target)
                self.assert_json_error(status, obj, want)
        status, _, obj = self.node.json_request("PUT", "/indexes", '{"prefix":"x/","field":"/r"}')
        self.assert_json_error(status, obj, 405)
        self.assertEqual(list_indexes(self.node), [])
        self.assertTrue(self.node.serving())


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
                r = subprocess.run(launcher() + ["--port", "0", "--db", f"{WORK}/badindex", "--index", spec],
                                   cwd=WORK, capture_output=True, timeout=20)
                self.assertNotEqual(r.returncode, 0, r.stderr)
                self.assertNotIn(b"listening", r.stdout)


if __name__ == "__main__":
    unittest.main()
