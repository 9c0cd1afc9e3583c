"""Export and import in bulk: the `p2p-node export|import` subcommands work on a db (export even
while a node serves it, import only while none does, and no two nodes share a db); large
imports and exports stream in bounded memory, however large the values."""
import http.client, json, os, subprocess, unittest

from cluster import as_map, full_scan, put_many
from harness import WORK, NodeTestCase, launcher, now_ms, parse_json
from transfer_helpers import cli, entry, http_export, lines_of, ndjson, rss_anon_kb


class CliTest(NodeTestCase):
    def test_cli_export_while_the_node_runs_equals_http_export(self):
        node = self.start_node("clix")
        put_many(node, [(f"c/{i:03d}", {"i": i, "s": "é" * (i % 5)}) for i in range(300)] + [("d/x", [1])])
        for i in range(0, 300, 7):
            self.assertEqual(node.delete(f"c/{i:03d}")[0], 200)
        for args, prefix, tombs in (((), None, False), (("--tombstones",), None, True), (("--prefix", "c/1"), "c/1", False),
                                    (("--prefix", "c/", "--tombstones"), "c/", True), (("--prefix", "zzz"), "zzz", False)):
            with self.subTest(args=args):
                r = cli("export", "--db", node.db, *args)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, http_export(node, prefix, tombs))
        self.assertEqual(len(ndjson(cli("export", "--db", node.db).stdout)), 300 - 43 + 1)
        self.assertTrue(node.serving(), "the node keeps serving its db")

    def test_cli_import_into_a_stopped_nodes_db_then_serve(self):
        src = self.start_node("clisrc")
        put_many(src, [(f"imp/{i:03d}", {"i": i}) for i in range(250)])
        self.assertEqual(src.delete("imp/007")[0], 200)
        dump = http_export(src, tombstones=True)
        node = self.start_node("clidst")
        self.assertEqual(node.put("imp/000", "newer")[0], 200)  # newer than the dump's line: survives
        self.assertEqual(node.stop(), 0, node.log_tail())
        r = cli("import", "--db", node.db, stdin=dump)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"250", r.stderr, "a summary on stderr")
        self.assertEqual(r.stdout, b"")
        node.restart()
        got = as_map(full_scan(node))
        want = dict(as_map(full_scan(src)), **{"imp/000": "newer"})
        self.assertEqual(got, want)
        self.assertEqual(node.get("imp/007")[0], 404)
        self.assertEqual(node.stop(), 0)
        r = cli("import", "--db", node.db, stdin=dump)  # again: nothing changes
        self.assertEqual(r.returncode, 0, r.stderr)
        fresh_db = os.path.join(WORK, "cli-fresh-db")  # a db that does not exist yet
        r = cli("import", "--db", fresh_db, stdin=dump)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(cli("export", "--db", fresh_db, "--tombstones").stdout, dump)

    def test_cli_import_bad_line_exits_1_with_the_line_number(self):
        db = os.path.join(WORK, "cli-bad-db")
        t = now_ms() - 1000
        body = lines_of([entry("b/1", 1, t), entry("b/2", 2, t)]) + b"oops\n" + lines_of([entry("b/3", 3, t)])
        r = cli("import", "--db", db, stdin=body)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"line 3", r.stderr)
        r = cli("import", "--db", db, stdin=lines_of([entry("b/f", 1, now_ms() + 3_600_000)]))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"line 1", r.stderr)
        exported = ndjson(cli("export", "--db", db).stdout)
        self.assertNotIn("b/3", [e["path"] for e in exported])
        self.assertNotIn("b/f", [e["path"] for e in exported])

    def test_cli_import_refused_while_a_node_serves_the_db(self):
        node = self.start_node("clibusy")
        self.assertEqual(node.put("busy/x", 1)[0], 200)
        r = cli("import", "--db", node.db, stdin=lines_of([entry("busy/x", 2, now_ms() - 10), entry("busy/y", 1, now_ms())]))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"in use by another process", r.stderr)
        self.assertEqual(node.get("busy/x"), (200, 1))
        self.assertEqual(node.get("busy/y")[0], 404)
        self.assertTrue(node.serving())

    def test_second_node_on_the_same_db_is_refused(self):
        node = self.start_node("clilock")
        self.assertEqual(node.put("lock/x", 1)[0], 200)
        proc = subprocess.Popen(launcher() + ["--port", "0", "--db", node.db], cwd=WORK,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            out, err = proc.communicate()
            self.fail(f"a second node on the same db kept running: {out!r} {err!r}")
        self.assertNotEqual(proc.returncode, 0, err)
        self.assertNotIn(b"listening", out)
        self.assertIn(b"in use", err)
        self.assertEqual(node.get("lock/x"), (200, 1))
        self.assertEqual(node.stop(), 0)
        node.restart()  # the lock goes with the process
        self.assertEqual(node.get("lock/x"), (200, 1))


class LargeImportTest(NodeTestCase):
    LINES = 50_000

    def test_streamed_chunked_import_of_50000_lines(self):
        node = self.start_node("xlarge")
        t = now_ms() - 3_600_000
        pad = "p" * 1000

        def body():
            for start in range(0, self.LINES, 500):
                yield lines_of(entry(f"big/{i:06d}", {"i": i, "pad": pad}, t + i)
                               for i in range(start, start + 500))

        rss_before = rss_anon_kb(node.proc.pid)
        conn = http.client.HTTPConnection(node.host, node.port, timeout=120)
        self.addCleanup(conn.close)
        conn.request("POST", "/import", body=body(), headers={"Content-Type": "application/x-ndjson"})
        resp = conn.getresponse()
        data = parse_json(resp.read())
        self.assertEqual((resp.status, data), (200, {"lines": self.LINES, "applied": self.LINES}))
        rss_after = rss_anon_kb(node.proc.pid)
        body_kb = self.LINES * 1080 // 1024
        if rss_before is not None and rss_after is not None:  # the ~53 MB body is never held whole
            self.assertLess(rss_after - rss_before, body_kb // 2, f"RssAnon {rss_before} -> {rss_after} kB")
        self.assertEqual(node.metrics()["p2p_store_entries"], self.LINES)
        rss_before = rss_anon_kb(node.proc.pid)
        raw = http_export(node, "big/")
        rss_after = rss_anon_kb(node.proc.pid)
        if rss_before is not None and rss_after is not None:  # streamed page by page
            self.assertLess(rss_after - rss_before, body_kb // 2, f"RssAnon {rss_before} -> {rss_after} kB")
        lines = raw.count(b"\n")
        self.assertEqual(lines, self.LINES)
        first, last = json.loads(raw[:raw.index(b"\n")]), json.loads(raw[raw.rindex(b"\n", 0, len(raw) - 1) + 1:])
        self.assertEqual((first["path"], last["path"]), ("big/000000", f"big/{self.LINES - 1:06d}"))
        self.assertEqual(node.get("big/012345"), (200, {"i": 12345, "pad": pad}))
        self.assertEqual(last["timestamp"], t + self.LINES - 1)

    def test_large_values_are_batched_by_bytes_too(self):
        # 64 values of ~1 MB: batches cut at ~4 MiB, pages likewise, so the node holds a few MB,
        # not the whole 64 MB body (a batch of 1,000 such lines would be a gigabyte)
        node = self.start_node("xbig-values")
        t = now_ms() - 3_600_000
        big = "v" * 1_000_000
        count = 64

        def body():
            for i in range(count):
                yield lines_of([entry(f"huge/{i:03d}", big, t + i)])

        rss_before = rss_anon_kb(node.proc.pid)
        conn = http.client.HTTPConnection(node.host, node.port, timeout=120)
        self.addCleanup(conn.close)
        conn.request("POST", "/import", body=body(), headers={"Content-Type": "application/x-ndjson"})
        resp = conn.getresponse()
        self.assertEqual((resp.status, parse_json(resp.read())), (200, {"lines": count, "applied": count}))
        rss_after = rss_anon_kb(node.proc.pid)
        if rss_before is not None and rss_after is not None:
            self.assertLess(rss_after - rss_before, 40_000, f"RssAnon {rss_before} -> {rss_after} kB")
        raw = http_export(node, "huge/")
        self.assertEqual(raw.count(b"\n"), count)
        rss_after = rss_anon_kb(node.proc.pid)
        if rss_before is not None and rss_after is not None:
            self.assertLess(rss_after - rss_before, 40_000, f"RssAnon {rss_before} -> {rss_after} kB")


if __name__ == "__main__":
    unittest.main()
