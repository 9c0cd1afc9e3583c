"""Export and import over HTTP: GET /export streams NDJSON (path order, tombstones on request;
plain for HTTP/1.0), POST /import applies NDJSON through last-write-wins and replicates what
won; bad lines are a 400 naming the line."""
import json, socket, unittest

from cluster import ClusterTestCase, as_map, full_scan, put_many, wait_converged
from harness import NodeTestCase, now_ms, wait_until
from transfer_helpers import FOREIGN, HLC_COUNTER_BITS, VALUES, entry, http_export, http_import, lines_of, ndjson, strip_scan


class ExportImportTest(ClusterTestCase):
    def fill(self, node, prefix="tr/"):
        items = [(f"{prefix}v{i:02d}", v) for i, v in enumerate(VALUES)]
        items += [(f"{prefix}café/ü{i}", {"i": i}) for i in range(3)] + [(f"{prefix}dead", 1), (f"{prefix}over", "old")]
        put_many(node, items)
        self.put_ok(node, f"{prefix}over", {"new": True})
        self.assertEqual(node.delete(f"{prefix}dead")[0], 200)

    def test_export_then_import_into_a_fresh_node_reproduces_the_scan(self):
        a = self.start_node("xa")
        self.fill(a)
        put_many(a, [("zz/other", 1), ("a", 2)])
        raw = http_export(a)
        lines = ndjson(raw)
        scan = full_scan(a)
        self.assertEqual(len(lines), len(scan))
        self.assertEqual([l["path"] for l in lines], sorted((l["path"] for l in lines), key=lambda p: p.encode()))
        for line, e in zip(lines, scan):
            self.assertEqual(set(line), {"path", "value", "timestamp", "origin", "hlc"}, line)
            self.assertEqual({k: line[k] for k in e}, e)
            self.assertEqual(int(line["hlc"]) >> HLC_COUNTER_BITS, line["timestamp"], line)
        self.assertNotIn("tr/dead", [l["path"] for l in lines], "no tombstones unless asked")
        b = self.start_node("xb")
        status, body = http_import(b, raw)
        self.assertEqual((status, body), (200, {"lines": len(lines), "applied": len(lines)}))
        self.assertEqual(full_scan(b), scan, "values, timestamps and origins carried over")
        self.assertEqual(http_export(b), raw, "hlc carried over too")
        self.assertEqual(http_import(b, raw), (200, {"lines": len(lines), "applied": 0}), "nothing new the 2nd time")
        self.assertEqual(http_import(a, raw), (200, {"lines": len(lines), "applied": 0}), "nor on the source")
        self.assertEqual(http_import(b, b""), (200, {"lines": 0, "applied": 0}))

    def test_export_with_a_prefix(self):
        a = self.start_node("xprefix")
        put_many(a, [("ex/a", 1), ("ex/a/x", 2), ("ex/ab", 3), ("ex/b", 4), ("ex", 5), ("exa", 6), ("é/x", 7)])
        for prefix, want in (("ex/a", ["ex/a", "ex/a/x", "ex/ab"]), ("ex/", ["ex/a", "ex/a/x", "ex/ab", "ex/b"]),
                             ("ex", ["ex", "ex/a", "ex/a/x", "ex/ab", "ex/b", "exa"]), ("é", ["é/x"]),
                             ("nothing/", []), ("", ["ex", "ex/a", "ex/a/x", "ex/ab", "ex/b", "exa", "é/x"])):
            with self.subTest(prefix=prefix):
                self.assertEqual([l["path"] for l in ndjson(http_export(a, prefix))], want)
        status, _, body = a.json_request("GET", "/export?prefix=%01")
        self.assert_json_error(status, body, 400)

    def test_tombstones_only_on_request_and_imported_by_last_write_wins(self):
        a, b = self.start_node("xta"), self.start_node("xtb")
        put_many(a, [("t/x", 1), ("t/y", 1), ("t/z", 1)])
        self.assertEqual(http_import(b, http_export(a))[1]["applied"], 3)
        dx = a.delete("t/x")[1]
        dy = a.delete("t/y")[1]
        plain = ndjson(http_export(a))
        self.assertEqual([l["path"] for l in plain], ["t/z"])
        with_tombs = http_export(a, tombstones=True)
        lines = ndjson(with_tombs)
        self.assertEqual([(l["path"], l["value"]) for l in lines], [("t/x", None), ("t/y", None), ("t/z", 1)])
        self.assertEqual([l["timestamp"] for l in lines[:2]], [dx["timestamp"], dy["timestamp"]])
        self.assertEqual(ndjson(http_export(a, "t/y", tombstones=True)), [lines[1]])
        wait_until(lambda: now_ms() > dy["timestamp"] + 2, what="the clock to pass the delete")
        self.put_ok(b, "t/y", 2)  # newer than a's delete: keeps
        status, body = http_import(b, with_tombs)
        self.assertEqual((status, body), (200, {"lines": 3, "applied": 1}), "only t/x's tombstone wins")
        self.assertEqual(b.get("t/x")[0], 404)
        self.assertEqual(b.get("t/y"), (200, 2))
        self.assertEqual(b.get("t/z"), (200, 1))
        self.assertEqual([l["path"] for l in ndjson(http_export(b, "t/", tombstones=True)) if l["value"] is None],
                         ["t/x"])
        c = self.start_node("xtc")  # tombstones for entries a fresh node never had
        self.assertEqual(http_import(c, with_tombs)[0], 200)
        self.assertEqual(strip_scan(full_scan(c)), strip_scan(full_scan(a)))
        self.assertEqual(http_export(c, tombstones=True), with_tombs)
        self.assertEqual(http_import(c, lines_of([entry("t/x", 9, dx["timestamp"] - 1)])), (200, {"lines": 1, "applied": 0}),
                         "an older write does not revive a deleted entry")
        self.assertEqual(c.get("t/x")[0], 404)

    def test_old_backup_does_not_win_over_newer_writes(self):
        node = self.start_node("xbackup")
        put_many(node, [(f"bk/k{i:02d}", {"v": 1, "i": i}) for i in range(20)])
        backup = http_export(node)
        put_many(node, [(f"bk/k{i:02d}", {"v": 2, "i": i}) for i in range(0, 20, 2)])  # newer overwrites
        for i in (1, 3, 5):
            self.assertEqual(node.delete(f"bk/k{i:02d}")[0], 200)  # newer deletes
        self.put_ok(node, "bk/new", 1)
        after = full_scan(node)
        status, body = http_import(node, backup)
        self.assertEqual((status, body), (200, {"lines": 20, "applied": 0}))
        self.assertEqual(full_scan(node), after)
        fresh = self.start_node("xbackup2")  # the same backup restores a fresh node completely
        self.assertEqual(http_import(fresh, backup), (200, {"lines": 20, "applied": 20}))
        self.assertEqual(len(full_scan(fresh)), 20)

    def test_lines_with_only_a_timestamp_and_last_write_wins_among_them(self):
        node = self.start_node("xts")
        t = now_ms() - 60_000
        body = lines_of([entry("ts/a", {"x": 1}, t), entry("ts/b", "b", t + 5, "0a"),
                         dict(entry("ts/c", [1], t + 7), hlc=((t + 7) << HLC_COUNTER_BITS) + 3)])
        self.assertEqual(http_import(node, body), (200, {"lines": 3, "applied": 3}))
        self.assertEqual(strip_scan(full_scan(node)), [("ts/a", {"x": 1}, t, FOREIGN), ("ts/b", "b", t + 5, "0a"),
                                                       ("ts/c", [1], t + 7, FOREIGN)])
        hlcs = [int(l["hlc"]) for l in ndjson(http_export(node, "ts/"))]
        self.assertEqual(hlcs, [t << HLC_COUNTER_BITS, (t + 5) << HLC_COUNTER_BITS, ((t + 7) << HLC_COUNTER_BITS) + 3])
        for line, applied, value in ((entry("ts/a", "older", t - 1), 0, {"x": 1}),
                                     (entry("ts/a", "newer", t + 1), 1, "newer"),
                                     (entry("ts/a", None, t + 2), 1, None),  # a tombstone line
                                     (entry("ts/a", "again", t + 3), 1, "again")):
            with self.subTest(line=line):
                self.assertEqual(http_import(node, lines_of([line])), (200, {"lines": 1, "applied": applied}))
                if value is None:
                    self.assertEqual(node.get("ts/a")[0], 404)
                else:
                    self.assertEqual(node.get("ts/a"), (200, value))
        # several lines for one path in one import: the newest wins, in any order
        self.assertEqual(http_import(node, lines_of([entry("ts/m", 2, t + 20), entry("ts/m", 1, t + 10),
                                                     entry("ts/m", 3, t + 30)]))[0], 200)
        self.assertEqual(node.get("ts/m"), (200, 3))
        # CRLF line ends, no final newline
        self.assertEqual(http_import(node, lines_of([entry("ts/crlf", 1, t + 40)]).replace(b"\n", b"\r\n")
                                     + json.dumps(entry("ts/last", 2, t + 41)).encode()), (200, {"lines": 2, "applied": 2}))
        self.assertEqual(node.get("ts/last"), (200, 2))

    def test_lines_sharing_an_origin_and_a_timestamp_are_all_applied(self):
        # Hand-written files often give one timestamp to many entries of one origin: distinct paths
        # are distinct entries, whether they come in one import (over several batches) or in two.
        node = self.start_node("xsame")
        t = now_ms() - 60_000
        self.assertEqual(http_import(node, lines_of([entry("same/a", 1, t)])), (200, {"lines": 1, "applied": 1}))
        self.assertEqual(http_import(node, lines_of([entry("same/b", 2, t)])), (200, {"lines": 1, "applied": 1}))
        self.assertEqual((node.get("same/a"), node.get("same/b")), ((200, 1), (200, 2)))
        many = lines_of(entry(f"same/many/{i:04d}", i, t) for i in range(2500))
        self.assertEqual(http_import(node, many), (200, {"lines": 2500, "applied": 2500}))
        self.assertEqual(len(full_scan(node)), 2502)

    def test_bad_lines_are_400_with_the_line_number_and_nothing_from_the_batch(self):
        node = self.start_node("xbad")
        t = now_ms() - 1000
        future = now_ms() + 11 * 60_000
        bad_lines = [
            "not json", "[1, 2]", '"text"', "{", "null",
            json.dumps({"value": 1, "timestamp": t, "origin": FOREIGN}),  # no path
            json.dumps(dict(entry("p", 1, t), path=5)),
            json.dumps(entry("", 1, t)), json.dumps(entry("a//b", 1, t)), json.dumps(entry("a/../b", 1, t)),
            json.dumps(entry("x\u0001y", 1, t)), json.dumps(entry("p" * 401, 1, t)),
            json.dumps({"path": "p", "timestamp": t, "origin": FOREIGN}),  # no value
            json.dumps({"path": "p", "value": 1, "timestamp": t}),  # no origin
            json.dumps(entry("p", 1, t, "not-hex")), json.dumps(entry("p", 1, t, "")), json.dumps(entry("p", 1, t, 5)),
            json.dumps({"path": "p", "value": 1, "origin": FOREIGN}),  # no stamp
            json.dumps(entry("p", 1, -5)), json.dumps(entry("p", 1, "123")), json.dumps(entry("p", 1, 1.5)),
            json.dumps(entry("p", 1, 0)),
            json.dumps(entry("p", 1, future)),  # more than 10 minutes ahead
            json.dumps(dict(entry("p", 1, t), hlc=future << HLC_COUNTER_BITS, timestamp=future)),
            json.dumps({"path": "p", "value": 1, "origin": FOREIGN, "hlc": future << HLC_COUNTER_BITS}),
            json.dumps(dict(entry("p", 1, t), hlc=(t + 5) << HLC_COUNTER_BITS)),  # hlc and timestamp disagree
        ]
        good = [json.dumps(entry(f"good/{i}", i, t)) for i in range(3)]
        for i, bad in enumerate(bad_lines):
            with self.subTest(bad=bad[:60]):
                body = "\n".join(good + [bad, json.dumps(entry(f"after/{i}", 1, t))]) + "\n"
                status, obj = http_import(node, body)
                self.assert_json_error(status, obj, 400)
                self.assertTrue(obj["error"].startswith("line 4:"), obj)
                self.assertEqual(obj.get("applied"), 0, obj)
        self.assertEqual(full_scan(node), [], "nothing from a refused batch is stored")
        self.assertEqual(http_import(node, "\n".join(good) + "\n"), (200, {"lines": 3, "applied": 3}))
        # a line just inside the 10-minute skew is fine
        self.assertEqual(http_import(node, lines_of([entry("soon", 1, now_ms() + 5 * 60_000)]))[1]["applied"], 1)
        self.assertTrue(node.serving())

    def test_bad_line_number_counts_blank_lines(self):
        node = self.start_node("xblank")
        t = now_ms() - 1000
        body = json.dumps(entry("bl/a", 1, t)) + "\n\n" + json.dumps(entry("bl/b", 1, t)) + "\nbad\n"
        status, obj = http_import(node, body)
        self.assert_json_error(status, obj, 400)
        self.assertTrue(obj["error"].startswith("line 4:"), f"the 4th line of the body is the bad one: {obj}")

    def test_bad_line_after_full_batches_keeps_the_earlier_batches(self):
        node = self.start_node("xbatches")
        t = now_ms() - 100_000
        good = [entry(f"bt/{i:05d}", {"i": i, "pad": "x" * 60}, t + i) for i in range(5000)]
        status, obj = http_import(node, lines_of(good) + b"{broken\n" + lines_of([entry("bt/after", 1, t)]))
        self.assert_json_error(status, obj, 400)
        self.assertTrue(obj["error"].startswith("line 5001:"), obj)
        applied = obj["applied"]
        self.assertTrue(1000 <= applied < 5000, f"applied {applied}: whole earlier batches only")
        stored = [e["path"] for e in full_scan(node)]
        self.assertEqual(stored, [g["path"] for g in good[:applied]], "exactly the lines before the bad batch")

    def test_imported_entries_replicate_to_a_linked_peer(self):
        src = self.start_node("xsrc")
        self.fill(src, "rp/")
        raw = http_export(src, tombstones=True)
        a = self.start_node("xra")
        b = self.start_node("xrb", peers=[a.url])
        self.wait_links([a, b], [1, 1])
        self.put_ok(a, "rp/over", "newest")  # newer than the imported line: stays, and is not replaced on b
        status, body = http_import(a, raw)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["applied"], len(ndjson(raw)) - 1)
        expected = dict(as_map(full_scan(src)), **{"rp/over": "newest"})
        scan = wait_converged([a, b], expected, what="the imported entries on the peer")
        want = {e["path"]: (e["timestamp"], e["origin"]) for e in full_scan(src)}
        for e in scan:
            if e["path"] != "rp/over":
                self.assertEqual((e["timestamp"], e["origin"]), want[e["path"]], e)
        self.assertEqual(b.get("rp/dead")[0], 404)


class Http10ExportTest(NodeTestCase):
    def test_an_http_1_0_client_gets_plain_ndjson_ended_by_the_close(self):
        node = self.start_node("x10")
        for i in range(3):
            self.assertEqual(node.put(f"old/{i}", {"i": i})[0], 200)
        with socket.create_connection((node.host, node.port), timeout=10) as s:
            s.sendall(b"GET /export?prefix=old/ HTTP/1.0\r\n\r\n")
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.0 200"), head)
        self.assertNotIn(b"chunked", head.lower())
        self.assertEqual([json.loads(line)["path"] for line in body.splitlines()],
                         ["old/0", "old/1", "old/2"])


if __name__ == "__main__":
    unittest.main()
