"""Field queries (GET /query/<prefix>): an indexed query answers exactly what a scan answers,
page by page through the cursor, in (value, path) order, and both equal a Python model of the
store; every malformed query is a 400 with a JSON error."""
import json, unittest

from cluster import put_many
from harness import NodeTestCase
from query_model import QueryAssertions, list_indexes, model_query, order_key, paths, post_index, query_all


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
        self.assertEqual(after['p2p_queries_total{plan="index"}'] - before['p2p_queries_total{plan="index"}'], 2)
        self.assertEqual(after['p2p_queries_total{plan="scan"}'] - before['p2p_queries_total{plan="scan"}'], 1)

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


if __name__ == "__main__":
    unittest.main()
