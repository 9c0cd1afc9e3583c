"""Export and import: GET /export streams NDJSON (path order, tombstones on request), POST /import
applies NDJSON through last-write-wins and replicates what won; bad lines are a 400 naming the
line; the `p2p-node export|import` subcommands work on a db (export even while a node serves it,
import only while none does); a large import streams in bounded memory."""
import http.client, json, os, socket, subprocess, unittest, urllib.parse

from cluster import ClusterTestCase, as_map, full_scan, put_many, wait_converged
from harness import WORK, NodeTestCase, launcher, now_ms, parse_json, wait_until

HLC_COUNTER_BITS = 16  # an export line's hlc is its timestamp (ms) << 16 plus a counter
FOREIGN = "abcdef0123456789"  # an origin no test node has

VALUES = [{"a": 1, "b": [1, 2, {"c": None}]}, [1, "two", 3.5, False, None], "hello", "", 42, -7, 3.25, 0,
          True, False, {}, [], {"ü": "日本語 😀", "q": "\u0001 tab\t quote\" backslash\\"}, 1e300]


def export_target(prefix=None, tombstones=False):
    params = []
    if prefix is not None:
        params.append("prefix=" + urllib.parse.quote(prefix, safe=""))
    if tombstones:
        params.append("tombstones=1")
    return "/export" + ("?" + "&".join(params) if params else "")


def http_export(node, prefix=None, tombstones=False):
    """-> raw NDJSON bytes; checks the status and the streaming headers."""
    status, headers, body = node.request("GET", export_target(prefix, tombstones), timeout=120)
    assert status == 200, f"export answered {status}: {body[:300]!r}"
    assert headers.get("content-type", "").startswith("application/x-ndjson"), headers
    assert "chunked" in headers.get("transfer-encoding", "").lower(), headers
    return body


def ndjson(raw):
    assert raw == b"" or raw.endswith(b"\n"), f"export does not end with a newline: {raw[-80:]!r}"
    return [json.loads(line) for line in raw.decode("utf-8").splitlines()]


def lines_of(entries):
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries).encode("utf-8")


def http_import(node, body, timeout=120):
    if isinstance(body, str):
        body = body.encode("utf-8")
    status, _, data = node.request("POST", "/import", body, {"Content-Type": "application/x-ndjson"},
                                   timeout=timeout)
    return status, parse_json(data)


def entry(path, value, ts, origin=FOREIGN):
    return {"path": path, "value": value, "timestamp": ts, "origin": origin}


def cli(*args, stdin=None, timeout=120):
    return subprocess.run(launcher() + list(args), cwd=WORK, input=stdin, capture_output=True, timeout=timeout)


def strip_scan(scan):
    return [(e["path"], e["value"], e["timestamp"], e["origin"]) for e in scan]


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
            self.assertEqual(line["hlc"] >> HLC_COUNTER_BITS, line["timestamp"], line)
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
        hlcs = [l["hlc"] for l in ndjson(http_export(node, "ts/"))]
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


def rss_anon_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


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
