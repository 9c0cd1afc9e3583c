"""Schemas (PUT/GET/DELETE /schemas, --schema): a local PUT that breaks its prefix's schema is a
400 listing every violation with a JSON pointer, and nothing changes (GET, scan, SSE, metrics);
deletes are not checked; schemas can be replaced and removed, bad ones are refused, they persist;
a replicated update a receiving node's schema refuses is kept anyway and counted."""
import json, os, subprocess, unittest, urllib.parse

from cluster import ClusterTestCase, wait_converged
from harness import WORK, NodeTestCase, SSEClient, launcher, wait_until

USER_SCHEMA = {
    "type": "object",
    "required": ["name", "age", "email"],
    "properties": {
        "name": {"type": "string", "minLength": 2, "maxLength": 8, "pattern": "^[a-z]+$"},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "email": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
        "role": {"enum": ["admin", "user", None]},
        "kind": {"const": "person"},
        "score": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "address": {"type": "object", "required": ["city"], "properties": {"zip": {"type": "string"}},
                    "additionalProperties": {"type": "string"}},
        "a/b~c": {"type": "boolean"},
    },
    "additionalProperties": False,
}
GOOD_USER = {"name": "ada", "age": 36, "email": "ada@example.org", "tags": ["x"], "role": None,
             "kind": "person", "score": 0.5, "address": {"city": "London", "zip": "N1"}, "a/b~c": True}


def schema_target(prefix):
    return "/schemas/" + urllib.parse.quote(prefix, safe="/")


def put_schema(node, prefix, schema):
    body = schema if isinstance(schema, (str, bytes)) else json.dumps(schema)
    return node.json_request("PUT", schema_target(prefix), body)[::2]


def list_schemas(node):
    status, _, body = node.json_request("GET", "/schemas")
    assert status == 200, body
    return {s["prefix"]: s["schema"] for s in body}


def wheres(body):
    return sorted(v["where"] for v in body["violations"])


class SchemaCheckTest(NodeTestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = cls.class_node("schema")
        assert put_schema(cls.node, "users/", USER_SCHEMA) == (200, {"prefix": "users/", "replaced": False})

    def assert_violations(self, path, value, want_wheres):
        status, body = self.node.put(path, value)
        self.assertEqual(status, 400, body)
        self.assertIsInstance(body.get("error"), str, body)
        self.assertIsInstance(body.get("violations"), list, body)
        for v in body["violations"]:
            self.assertEqual(set(v), {"where", "message"}, v)
            self.assertTrue(isinstance(v["message"], str) and v["message"], v)
        self.assertEqual(wheres(body), sorted(want_wheres), json.dumps(body["violations"], indent=1))
        return body

    def test_every_violation_is_listed_with_its_pointer(self):
        bad = {"name": "X", "age": -1.5, "tags": [1, "a", {}, "b"], "role": "root", "kind": "robot",
               "score": 1, "address": {"zip": 75001, "street": 5}, "a/b~c": "yes", "extra": 1}
        body = self.assert_violations("users/bad", bad, [
            "/email",  # required
            "/name", "/name",  # minLength, pattern
            "/age", "/age",  # not an integer, below minimum
            "/tags",  # maxItems
            "/tags/0", "/tags/2",  # item types
            "/role", "/kind", "/score",  # enum, const, exclusiveMaximum
            "/address/city", "/address/zip", "/address/street",  # nested required, type, additionalProperties
            "/a~1b~0c",  # escaped member name
            "/extra",  # additionalProperties false
        ])
        self.assertIn("16", body["error"])
        self.assertEqual(self.node.get("users/bad")[0], 404)

    def test_single_and_top_level_violations(self):
        self.assert_violations("users/s1", dict(GOOD_USER, age=151), ["/age"])
        self.assert_violations("users/s2", dict(GOOD_USER, score=0), ["/score"])
        self.assert_violations("users/s3", dict(GOOD_USER, name="abcdefghi"), ["/name"])
        self.assert_violations("users/s4", dict(GOOD_USER, tags=[]), ["/tags"])
        self.assert_violations("users/s5", {k: v for k, v in GOOD_USER.items() if k != "name"}, ["/name"])
        self.assert_violations("users/s6", "just a string", [""])  # the whole value: pointer ""
        self.assert_violations("users/s7", [GOOD_USER], [""])
        self.assert_violations("users/s8", {}, ["/age", "/email", "/name"])
        for i in range(1, 9):
            self.assertEqual(self.node.get(f"users/s{i}")[0], 404)

    def test_valid_values_pass_and_other_prefixes_are_unchecked(self):
        for path, value in (("users/ok1", GOOD_USER), ("users/ok2", {"name": "bo", "age": 0, "email": ""}),
                            ("users/ok3", dict(GOOD_USER, age=150.0, role="admin", score=1e-9)),
                            ("usersx/free", "anything"), ("other/users/x", [1, 2]), ("users", 5)):
            with self.subTest(path=path):
                status, body = self.node.put(path, value)
                self.assertEqual(status, 200, body)
                self.assertEqual(self.node.get(path), (200, value))

    def test_refused_write_changes_nothing(self):
        self.assertEqual(self.node.put("users/keep", GOOD_USER)[0], 200)
        sse = SSEClient(self.node, "users/")
        self.addCleanup(sse.close)
        self.assertEqual(sse.status, 200)
        sse.wait_comment()
        scan_before = self.node.scan("users/")
        writes_before = self.node.metrics()["p2p_writes_total"]
        for path, value in (("users/keep", dict(GOOD_USER, age="old")), ("users/new", {"name": 1})):
            status, body = self.node.put(path, value)
            self.assertEqual(status, 400, body)
        self.assertEqual(self.node.get("users/keep"), (200, GOOD_USER), "the old value stays")
        self.assertEqual(self.node.get("users/new")[0], 404)
        self.assertEqual(self.node.scan("users/"), scan_before)
        self.assertEqual(self.node.metrics()["p2p_writes_total"], writes_before)
        marker = dict(GOOD_USER, name="marker")
        self.assertEqual(self.node.put("users/marker", marker)[0], 200)
        event = sse.next_event()["data"]
        self.assertEqual((event["path"], event["value"]), ("users/marker", marker),
                         "the first event after the refused writes is the good one")
        wait_until(lambda: self.node.metrics()["p2p_writes_total"] == writes_before + 1,
                   what="p2p_writes_total to count only the good write")

    def test_deletes_are_not_checked(self):
        self.assertEqual(self.node.put("strict/k", {"n": 1})[0], 200)
        self.assertEqual(put_schema(self.node, "strict/", {"type": "string"})[0], 200)
        self.addCleanup(self.node.json_request, "DELETE", schema_target("strict/"))
        self.assertEqual(self.node.put("strict/k", {"n": 2})[0], 400)
        status, body = self.node.delete("strict/k")
        self.assertEqual(status, 200, body)
        self.assertEqual(self.node.get("strict/k")[0], 404)
        self.assertEqual(self.node.delete("strict/absent")[0], 404)

    def test_nested_prefixes_both_apply(self):
        self.assertEqual(put_schema(self.node, "nest/", {"type": "object", "required": ["a"]})[0], 200)
        self.assertEqual(put_schema(self.node, "nest/deep/", {"properties": {"a": {"type": "string"}},
                                                             "required": ["b"]})[0], 200)
        for p in ("nest/", "nest/deep/"):
            self.addCleanup(self.node.json_request, "DELETE", schema_target(p))
        status, body = self.node.put("nest/deep/x", {"a": 1})
        self.assertEqual(status, 400, body)
        self.assertEqual(wheres(body), ["/a", "/b"])
        status, body = self.node.put("nest/deep/y", {"c": 1})
        self.assertEqual(wheres(body), ["/a", "/b"])
        self.assertEqual(self.node.put("nest/deep/z", {"a": "s", "b": 0})[0], 200)
        self.assertEqual(self.node.put("nest/top", {"a": 1})[0], 200, "only nest/ applies there")


class SchemaAdminTest(NodeTestCase):
    def test_replace_list_remove(self):
        node = self.start_node("schadm")
        self.assertEqual(list_schemas(node), {})
        self.assertEqual(put_schema(node, "cfg/", {"type": "number"}), (200, {"prefix": "cfg/", "replaced": False}))
        self.assertEqual(list_schemas(node), {"cfg/": {"type": "number"}})
        self.assertEqual(node.put("cfg/x", "text")[0], 400)
        self.assertEqual(node.put("cfg/x", 3)[0], 200)
        self.assertEqual(put_schema(node, "cfg/", {"type": "string", "maxLength": 3}),
                         (200, {"prefix": "cfg/", "replaced": True}))
        self.assertEqual(list_schemas(node), {"cfg/": {"type": "string", "maxLength": 3}})
        self.assertEqual(node.put("cfg/y", 3)[0], 400, "the replaced schema no longer applies")
        self.assertEqual(node.put("cfg/y", "abcd")[0], 400)
        self.assertEqual(node.put("cfg/y", "abc")[0], 200)
        self.assertEqual(node.get("cfg/x"), (200, 3), "existing data is not re-checked")
        self.assertEqual(put_schema(node, "other/", {"type": "array"})[0], 200)
        self.assertEqual(set(list_schemas(node)), {"cfg/", "other/"})
        status, _, body = node.json_request("DELETE", schema_target("cfg/"))
        self.assertEqual((status, body), (200, {"prefix": "cfg/", "removed": True}))
        status, _, body = node.json_request("DELETE", schema_target("cfg/"))
        self.assert_json_error(status, body, 404)
        self.assertEqual(list_schemas(node), {"other/": {"type": "array"}})
        self.assertEqual(node.put("cfg/z", {"free": True})[0], 200, "no schema any more")
        self.assertEqual(put_schema(node, "café/ü ", {"type": "boolean"}), (200, {"prefix": "café/ü ", "replaced": False}))
        self.assertEqual(list_schemas(node)["café/ü "], {"type": "boolean"})
        self.assertEqual(node.put("café/ü x", 1)[0], 400)
        self.assertEqual(node.put("café/ü x", True)[0], 200)
        self.assertEqual(node.put("café/üx", 1)[0], 200, "a plain string prefix")

    def test_bad_schemas_are_400_and_change_nothing(self):
        node = self.start_node("schbad")
        self.assertEqual(put_schema(node, "b/", {"type": "integer"})[0], 200)
        bad = ["", "not json", '{"type": "nonsense"}', '{"type": 5}', '{"minimum": "a"}', '{"required": 5}',
               '{"required": [1]}', '{"properties": []}', '{"properties": {"a": 5}}', '{"minLength": -1}',
               '{"maxItems": 1.5}', '{"enum": 5}', '{"pattern": "("}', '{"pattern": 5}',
               '{"items": 5}', '{"additionalProperties": 5}', '{"type": "object"', "[1, 2]"]
        for text in bad:
            for prefix in ("b/", "fresh/"):
                with self.subTest(schema=text, prefix=prefix):
                    status, body = put_schema(node, prefix, text)
                    self.assert_json_error(status, body, 400)
        self.assertEqual(list_schemas(node), {"b/": {"type": "integer"}})
        self.assertEqual(node.put("b/x", "s")[0], 400, "the old schema still applies")
        self.assertEqual(node.put("fresh/x", "s")[0], 200)
        for method, target in (("POST", schema_target("b/")), ("PUT", "/schemas"), ("DELETE", "/schemas"),
                               ("POST", "/schemas"), ("GET", schema_target("b/x"))):
            with self.subTest(method=method, target=target):
                status, _, body = node.json_request(method, target, '{"type":"string"}')
                self.assert_json_error(status, body, (405, 404))
        status, _, body = node.json_request("POST", schema_target("b/"), '{"type":"string"}')
        self.assert_json_error(status, body, 405)
        self.assertEqual(list_schemas(node), {"b/": {"type": "integer"}})
        self.assertTrue(node.serving())

    def test_schemas_persist_over_restart(self):
        node = self.start_node("schkeep")
        self.assertEqual(put_schema(node, "p/", {"type": "object", "required": ["id"]})[0], 200)
        self.assertEqual(put_schema(node, "q/", {"type": "string"})[0], 200)
        self.assertEqual(node.json_request("DELETE", schema_target("q/"))[0], 200)
        self.assertEqual(node.stop(), 0, node.log_tail())
        node.restart()
        self.assertEqual(list_schemas(node), {"p/": {"type": "object", "required": ["id"]}})
        status, body = node.put("p/x", {"no": "id"})
        self.assertEqual((status, wheres(body)), (400, ["/id"]), body)
        self.assertEqual(node.put("p/x", {"id": 1})[0], 200)
        self.assertEqual(node.put("q/x", 1)[0], 200, "a removed schema stays removed")


class SchemaFlagTest(NodeTestCase):
    def write_file(self, name, text):
        path = os.path.join(WORK, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_schema_flag_applies_at_start(self):
        f = self.write_file("flag-schema.json", json.dumps({"type": "object", "properties": {"n": {"type": "integer"}}}))
        g = self.write_file("flag-schema2.json", json.dumps({"type": "string"}))
        node = self.start_node("schflag", ["--schema", "flag/:" + f, "--schema", "other/:" + g])
        self.assertEqual(list_schemas(node), {"flag/": {"type": "object", "properties": {"n": {"type": "integer"}}},
                                              "other/": {"type": "string"}})
        status, body = node.put("flag/a", {"n": "x"})
        self.assertEqual((status, wheres(body)), (400, ["/n"]), body)
        self.assertEqual(node.put("flag/a", {"n": 1})[0], 200)
        self.assertEqual(node.put("other/a", 1)[0], 400)
        self.assertEqual(node.stop(), 0)
        node.restart()  # same flag again: replaces it with the same schema
        self.assertEqual(set(list_schemas(node)), {"flag/", "other/"})
        self.assertEqual(node.put("flag/b", {"n": 1.5})[0], 400)

    def test_bad_or_missing_schema_file_stops_the_launcher(self):
        bad = self.write_file("bad-schema.json", '{"type": "nonsense"}')
        broken = self.write_file("broken-schema.json", '{"type": ')
        cases = [["--schema", "x/:" + bad], ["--schema", "x/:" + broken],
                 ["--schema", "x/:" + os.path.join(WORK, "no-such-schema.json")], ["--schema", "nocolon"]]
        for args in cases:
            with self.subTest(args=args):
                r = subprocess.run(launcher() + ["--port", "0", "--db", os.path.join(WORK, "schema-bad-db")] + args,
                                   cwd=WORK, capture_output=True, timeout=20)
                self.assertNotEqual(r.returncode, 0, r.stderr)
                self.assertNotIn(b"listening", r.stdout)
                self.assertTrue(r.stderr.strip(), "says why")


class ReplicatedSchemaTest(ClusterTestCase):
    def test_replicated_update_refused_by_a_local_schema_is_kept_and_counted(self):
        a = self.start_node("scha")
        b = self.start_node("schb", peers=[a.url])
        self.wait_links([a, b], [1, 1])
        self.assertEqual(put_schema(b, "rep/", {"type": "object", "required": ["ok"]})[0], 200)
        self.assertEqual(list_schemas(a), {}, "schemas are per node")
        before = b.metrics()["p2p_schema_mismatches_total"]
        status, body = b.put("rep/x", {"bad": 1})
        self.assertEqual(status, 400, body)  # locally on b: refused
        ack = self.put_ok(a, "rep/x", {"bad": 1})
        self.put_ok(a, "rep/y", {"ok": True})
        self.put_ok(a, "free/z", 1)
        self.wait_value([b], "rep/x", {"bad": 1})
        scan = wait_converged([a, b], {"rep/x": {"bad": 1}, "rep/y": {"ok": True}, "free/z": 1})
        entry = next(e for e in scan if e["path"] == "rep/x")
        self.assertEqual((entry["timestamp"], entry["origin"]), (ack["timestamp"], a.id))
        wait_until(lambda: b.metrics()["p2p_schema_mismatches_total"] >= before + 1,
                   what="p2p_schema_mismatches_total on b to count the kept update")
        self.assertEqual(b.metrics()["p2p_schema_mismatches_total"], before + 1, "only rep/x breaks the schema")
        self.assertEqual(a.metrics()["p2p_schema_mismatches_total"], 0)
        # a valid overwrite from b replicates back; a delete of the bad entry is not checked
        self.put_ok(b, "rep/x", {"ok": 1})
        self.wait_value([a], "rep/x", {"ok": 1})
        self.assertEqual(b.delete("rep/y")[0], 200)
        self.wait_absent([a], "rep/y")


if __name__ == "__main__":
    unittest.main()
