"""The operator's HTTP: /ready (start-up catch-up with the seeds), HEAD wherever GET is, CORS
(--cors-origin) and the console page at /."""
import json, os, socket, subprocess, threading, unittest

from harness import NodeTestCase, RawConn, api, launcher, now_ms, parse_json, wait_until, WORK

READY_S = 60  # generous: a loaded 2-core box


def ready(node):
    status, headers, body = node.request("GET", "/ready")
    return status, headers, parse_json(body)


class SilentListener:
    """A TCP port that accepts connections and never says anything: a seed that never links."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port, self.conns, self.stopped = self.sock.getsockname()[1], [], False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        self.stopped = True
        for c in self.conns + [self.sock]:
            c.close()


class ReadyTest(NodeTestCase):
    def test_a_node_without_peers_is_ready_once_serving(self):
        node = self.start_node("alone")
        status, headers, body = ready(node)
        self.assertEqual((status, body.get("ready")), (200, True), body)

    def test_ready_means_the_seed_s_data_is_here(self):
        a = self.start_node("seed")
        n = 3000  # several full runs of 512
        lines = "".join(json.dumps({"path": f"bulk/{i:05d}", "value": {"i": i}, "timestamp": now_ms(),
                                    "origin": a.id}) + "\n" for i in range(n))
        status, _, body = a.request("POST", "/import", lines, {"Content-Type": "application/x-ndjson"})
        self.assertEqual(status, 200, body)
        b = self.start_node("joiner", peers=[a.url])
        seen = []

        def is_ready():
            status, headers, body = ready(b)
            seen.append((status, body))
            if status == 503:
                self.assertEqual(body.get("ready"), False)
                self.assertIsInstance(body.get("reason"), str)
                self.assertEqual(headers.get("retry-after"), "1")
            return status == 200

        wait_until(is_ready, READY_S, 0.05, "/ready 200 on the joining node")
        # Ready: everything the seed held is here already, not on its way.
        status, entries = b.scan("bulk/")
        self.assertEqual((status, len(entries)), (200, n), f"/ready said {seen[-1]} before catch-up ended")
        body = seen[-1][1]
        self.assertEqual((body.get("caught_up"), body.get("unreachable")), (1, []), body)

    def test_an_unreachable_seed_holds_readiness_for_a_bounded_time_and_is_named(self):
        silent = SilentListener()
        self.addCleanup(silent.close)
        url = f"http://127.0.0.1:{silent.port}"
        node = self.start_node("lonely", peers=[url])
        status, headers, body = ready(node)
        self.assertEqual(status, 503, body)
        self.assertEqual(body.get("waiting_for"), [url], body)
        self.assertIn("seed", body.get("reason", ""))
        wait_until(lambda: ready(node)[0] == 200, READY_S, 0.2, "/ready 200 once the seed wait is over")
        status, _, body = ready(node)
        self.assertEqual((body.get("ready"), body.get("unreachable"), body.get("caught_up")), (True, [url], 0))


def raw_request(node, method, target, extra=""):
    """One request on its own connection that the node closes; -> (head lines, bytes after the head)."""
    conn = RawConn(node)
    try:
        conn.sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n".encode())
        if not conn.wait_closed(20):
            raise AssertionError(f"{method} {target}: the node kept the connection open")
        head, _, rest = conn.received.partition(b"\r\n\r\n")
        return head.decode("latin-1").split("\r\n"), rest
    finally:
        conn.close()


def header_map(lines):
    return {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}


class HeadTest(NodeTestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = cls.class_node("head")
        assert cls.node.put("h/k", {"v": "x" * 50})[0] == 200

    def test_head_answers_as_get_without_a_body(self):
        # Targets whose GET body does not change between two requests.
        for target in ("/health", "/ready", "/peers", "/api/h/k", "/api/h/missing", "/api/scan/h/",
                       "/api/bad//path", "/", "/indexes", "/schemas", "/no/such/route"):
            get_lines, get_body = raw_request(self.node, "GET", target)
            head_lines, head_body = raw_request(self.node, "HEAD", target)
            get_h, head_h = header_map(get_lines), header_map(head_lines)
            self.assertEqual(head_lines[0], get_lines[0], target)
            self.assertEqual(head_body, b"", f"HEAD {target} sent a body")
            self.assertEqual(head_h.get("content-type"), get_h.get("content-type"), target)
            self.assertEqual(head_h.get("content-length"), str(len(get_body)), target)

    def test_head_metrics_has_its_length_and_no_body(self):
        lines, body = raw_request(self.node, "HEAD", "/metrics")
        self.assertIn(" 200 ", lines[0] + " ")
        self.assertGreater(int(header_map(lines)["content-length"]), 100)
        self.assertEqual(body, b"")

    def test_head_on_streams_sends_their_head_only(self):
        lines, body = raw_request(self.node, "HEAD", "/events/h")
        self.assertTrue(lines[0].startswith("HTTP/1.1 200"), lines)
        self.assertEqual(header_map(lines).get("content-type"), "text/event-stream")
        self.assertEqual(body, b"", "HEAD /events started a stream")
        lines, body = raw_request(self.node, "HEAD", "/events/%zz")
        self.assertTrue(lines[0].startswith("HTTP/1.1 400"), lines)
        lines, body = raw_request(self.node, "HEAD", "/export?prefix=h/")
        self.assertTrue(lines[0].startswith("HTTP/1.1 200"), lines)
        self.assertEqual((header_map(lines).get("content-type"), body), ("application/x-ndjson", b""))

    def test_a_connection_goes_on_after_a_head(self):
        conn = RawConn(self.node)
        try:
            conn.sock.sendall(b"HEAD /api/h/k HTTP/1.1\r\nHost: x\r\n\r\nGET /api/h/k HTTP/1.1\r\nHost: x\r\n\r\n")
            want = json.dumps({"v": "x" * 50}, separators=(",", ":")).encode()
            self.assertTrue(conn.read_until(lambda data: data.count(b"HTTP/1.1 200") == 2 and data.endswith(want)),
                            f"received {conn.received!r}")
            self.assertEqual(conn.received.count(want), 1, "the HEAD's answer carried the body")
        finally:
            conn.close()

    def test_head_export_says_503_while_every_export_slot_is_taken(self):
        # Eight exports whose readers do not read hold the eight slots (30 MB each, more than
        # the socket buffers take); HEAD /export then answers as a GET would: 503.
        node = self.start_node("busy-exports")
        value = "v" * 1000
        lines = "".join(json.dumps({"path": f"big/{i:06d}", "value": value, "timestamp": now_ms(),
                                    "origin": node.id}) + "\n" for i in range(30000))
        status, _, body = node.request("POST", "/import", lines, {"Content-Type": "application/x-ndjson"},
                                       timeout=120)
        self.assertEqual(status, 200, body)
        stalled = []
        try:
            for _ in range(8):
                conn = RawConn(node)
                stalled.append(conn)
                conn.sock.sendall(b"GET /export?prefix=big/ HTTP/1.1\r\nHost: x\r\n\r\n")

            def head_status():
                lines, _ = raw_request(node, "HEAD", "/export?prefix=big/")
                return lines[0] if " 503 " in lines[0] + " " else None

            wait_until(head_status, 30, 0.05, "HEAD /export 503 with every slot taken")
            lines, body = raw_request(node, "GET", "/export?prefix=big/")
            self.assertTrue(lines[0].startswith("HTTP/1.1 503"), lines)
        finally:
            for conn in stalled:
                conn.close()
        # The slots come back once the readers are gone.
        wait_until(lambda: raw_request(node, "HEAD", "/export?prefix=big/")[0][0].startswith("HTTP/1.1 200"),
                   30, 0.05, "HEAD /export 200 again")

    def test_a_connection_goes_on_after_a_head_of_a_stream(self):
        # HEAD /events and /export answer the stream's head only: no stream follows, so the
        # keep-alive connection serves the next request.
        for target in ("/events/h", "/export?prefix=h/"):
            conn = RawConn(self.node)
            try:
                conn.sock.sendall(f"HEAD {target} HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /health HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                self.assertTrue(conn.read_until(lambda data: data.count(b"HTTP/1.1 200") == 2
                                                and data.rstrip().endswith(b"}")),
                                f"{target}: received {conn.received!r}")
            finally:
                conn.close()


APP = "http://app.example:8080"


def cors_headers(headers):
    return {k: v for k, v in headers.items() if k.startswith("access-control-")}


class CorsTest(NodeTestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = cls.class_node("cors", ["--cors-origin", APP, "--cors-origin", "https://other.example"])
        cls.plain = cls.class_node("nocors")

    def test_preflight_from_an_allowed_origin(self):
        status, h, body = self.node.request("OPTIONS", "/api/x", headers={
            "Origin": APP, "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type"})
        self.assertEqual((status, body), (204, b""))
        self.assertEqual(h.get("access-control-allow-origin"), APP)
        self.assertIn("Origin", h.get("vary", ""))
        methods = {m.strip() for m in h.get("access-control-allow-methods", "").split(",")}
        self.assertLessEqual({"GET", "HEAD", "PUT", "DELETE", "POST", "OPTIONS"}, methods)
        allowed = {x.strip().lower() for x in h.get("access-control-allow-headers", "").split(",")}
        self.assertLessEqual({"content-type", "last-event-id"}, allowed)
        self.assertNotIn("authorization", allowed, "no token on this node")
        self.assertGreater(int(h.get("access-control-max-age", "0")), 0)

    def test_answers_name_an_allowed_origin_only(self):
        self.assertEqual(self.node.put("c/k", 1)[0], 200)
        status, h, _ = self.node.request("GET", "/api/c/k", headers={"Origin": APP})
        self.assertEqual((status, h.get("access-control-allow-origin")), (200, APP))
        self.assertIn("Origin", h.get("vary", ""))
        status, h, _ = self.node.request("PUT", "/api/c/k", "2", headers={"Origin": "https://other.example"})
        self.assertEqual((status, h.get("access-control-allow-origin")), (200, "https://other.example"))
        for origin in ("http://evil.example", "http://app.example:8081", None):
            status, h, _ = self.node.request("GET", "/api/c/k", headers={"Origin": origin} if origin else {})
            self.assertEqual((status, cors_headers(h)), (200, {}), origin)
            # The answer depends on Origin all the same: caches must key on it.
            self.assertIn("Origin", h.get("vary", ""), origin)
        status, h, _ = self.node.request("OPTIONS", "/api/c/k", headers={
            "Origin": "http://evil.example", "Access-Control-Request-Method": "PUT"})
        self.assertNotEqual(status, 204)
        self.assertEqual(cors_headers(h), {})

    def test_event_streams_carry_the_headers(self):
        conn = RawConn(self.node)
        try:
            conn.sock.sendall(f"GET /events/c HTTP/1.1\r\nHost: x\r\nOrigin: {APP}\r\n\r\n".encode())
            self.assertTrue(conn.read_until(lambda d: b": subscribed" in d), conn.received)
            head = conn.received.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
            self.assertEqual(header_map(head).get("access-control-allow-origin"), APP)
        finally:
            conn.close()

    def test_without_the_flag_no_cors_headers(self):
        status, h, _ = self.plain.request("GET", "/health", headers={"Origin": APP})
        self.assertEqual((status, cors_headers(h)), (200, {}))
        self.assertNotIn("vary", h)
        status, h, _ = self.plain.request("OPTIONS", "/api/x", headers={
            "Origin": APP, "Access-Control-Request-Method": "PUT"})
        self.assertNotEqual(status, 204)
        self.assertEqual(cors_headers(h), {})

    def test_any_origin_without_a_token(self):
        node = self.start_node("anyorigin", ["--cors-origin", "*"])
        status, h, _ = node.request("GET", "/health", headers={"Origin": "http://whoever.example"})
        self.assertEqual((status, h.get("access-control-allow-origin")), (200, "*"))

    def test_with_a_token_authorization_is_allowed(self):
        token = os.path.join(WORK, "cors-token")
        with open(token, "w") as f:
            f.write("s3cret\n")
        node = self.start_node("corstoken", ["--cors-origin", APP, "--token-file", token])
        status, h, _ = node.request("OPTIONS", "/api/x", headers={
            "Origin": APP, "Access-Control-Request-Method": "PUT"})
        self.assertEqual(status, 204, "a preflight carries no token and must not need one")
        self.assertIn("authorization", h.get("access-control-allow-headers", "").lower())
        status, h, _ = node.request("PUT", "/api/x", "1", headers={"Origin": APP})
        self.assertEqual((status, h.get("access-control-allow-origin")), (401, APP))

    def launch_fails(self, args):
        run = subprocess.run(launcher() + ["--port", "0", "--db", os.path.join(WORK, "never")] + args,
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=30, cwd=WORK)
        return run.returncode, run.stderr.decode("utf-8", "replace")

    def test_any_origin_with_a_token_is_refused_at_start(self):
        token = os.path.join(WORK, "cors-token2")
        with open(token, "w") as f:
            f.write("s3cret\n")
        code, err = self.launch_fails(["--cors-origin", "*", "--token-file", token])
        self.assertEqual(code, 2, err)
        self.assertIn("--cors-origin", err)
        for bad in ("http://app.example/", "app.example", "ftp://x"):
            code, err = self.launch_fails(["--cors-origin", bad])
            self.assertEqual(code, 2, f"{bad}: {err}")
            self.assertIn("--cors-origin", err)


class ConsolePageTest(NodeTestCase):
    def test_the_page_is_html_with_nothing_from_elsewhere(self):
        node = self.start_node("page")
        status, h, body = node.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertTrue(h.get("content-type", "").startswith("text/html"), h)
        page = body.decode("utf-8")
        for element in ('id="node-id"', 'id="links-body"', 'id="stream-log"', 'id="op-put"', 'id="token"'):
            self.assertIn(element, page)
        for outside in ('src="http', "src='http", 'href="http', "@import", "//cdn"):
            self.assertNotIn(outside, page)
        # It holds a token field: no framing by other pages, no script from elsewhere.
        csp = h.get("content-security-policy", "")
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertIn("default-src 'none'", csp)
        self.assertEqual(h.get("x-frame-options"), "DENY")

    def test_health_tells_id_and_version(self):
        node = self.start_node("page")
        status, _, body = node.json_request("GET", "/health")
        self.assertEqual((status, body.get("id"), body.get("ok")), (200, node.id, True))
        self.assertRegex(body.get("version", ""), r"^\d+\.\d+\.\d+")


if __name__ == "__main__":
    unittest.main()
