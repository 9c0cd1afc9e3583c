"""The node's log on stderr (README, "Logs"): one line per event, in the documented text or JSON
format; a link's up and down on both sides, a peer refused for the cluster secret, a refused token
(rate-limited), and nothing at all for ordinary requests at the default level."""
import http.client, json, os, re, socket, threading, time, unittest
from datetime import datetime, timezone

from cluster import link_to
from harness import WORK, NodeTestCase, api, wait_until

DEADLINE = 30
TEXT = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (DEBUG|INFO|WARN|ERROR) ([a-z]+): (.*)$")


def write_file(text, name):
    path = os.path.join(WORK, f"{name}-{os.urandom(4).hex()}")
    with open(path, "w") as f:
        f.write(text)
    return path


def log_lines(node):
    """The node's stderr lines, without the harness's own '--- start' lines."""
    with open(node.log, encoding="utf-8", errors="replace") as f:
        return [l.rstrip("\n") for l in f if not l.startswith("--- start ")]


def matching(node, pattern):
    rx = re.compile(pattern)
    return [l for l in log_lines(node) if rx.search(l)]


def wait_line(node, pattern, what):
    return wait_until(lambda: matching(node, pattern), DEADLINE, what=f"{what} in {node.log}")


def assert_recent(test, stamp):
    when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    test.assertLess(abs(when.timestamp() - time.time()), 120, stamp)


class LinkLogTest(NodeTestCase):
    def test_link_up_once_on_each_side_and_down_with_the_remote_id(self):
        a = self.start_node("log-a")
        b = self.start_node("log-b", peers=[a.url])
        wait_until(lambda: link_to(a, b) and link_to(b, a), DEADLINE, what="a link between a and b")
        up_b = wait_line(b, r" link: up ", "b's link up line")
        up_a = wait_line(a, r" link: up ", "a's link up line")
        self.assertEqual(len(up_b), 1, up_b)
        self.assertEqual(len(up_a), 1, up_a)
        m = TEXT.match(up_b[0])
        self.assertIsNotNone(m, up_b[0])
        assert_recent(self, m.group(1))
        self.assertEqual(up_b[0][24:], f" INFO link: up remote={a.id} direction=outbound url=http://127.0.0.1:{a.port}")
        self.assertRegex(up_a[0], TEXT)
        self.assertRegex(up_a[0], rf"Z INFO link: up remote={b.id} direction=inbound address=127\.0\.0\.1:\d+$")
        listening = matching(a, r" node: listening ")
        self.assertEqual(len(listening), 1, log_lines(a))
        self.assertRegex(listening[0], rf"Z INFO node: listening scheme=http address=127\.0\.0\.1 port={a.port} id={a.id}$")

        self.assertEqual(b.stop(), 0, b.log_tail())
        down = wait_line(a, r" link: down ", "a's link down line")
        self.assertEqual(len(down), 1, down)
        self.assertRegex(down[0], rf"Z INFO link: down remote={b.id} direction=inbound address=127\.0\.0\.1:\d+ "
                                  r'reason=("[^"]+"|\S+)$')
        self.assertEqual(len(matching(a, r" link: up ")), 1, "still one link up line")
        self.assertRegex(log_lines(b)[-1], rf"Z INFO node: stopped id={b.id}$")

    def test_a_peer_with_the_wrong_secret_is_logged(self):
        a = self.start_node("log-sec-a", args=["--secret-file", write_file("right secret", "secret")])
        b = self.start_node("log-sec-b", args=["--secret-file", write_file("wrong secret", "secret")], peers=[a.url])
        lines = wait_line(a, r" link: secret refused ", "a secret refusal line")
        self.assertRegex(lines[0], rf'Z WARN link: secret refused claimed_id={b.id} direction=inbound '
                                   r'reason="wrong cluster secret" suppressed=0$')
        self.assertEqual(matching(a, r" link: up "), [], "no link came up")

    def test_a_peers_update_that_breaks_a_local_schema_is_logged(self):
        schema = write_file(json.dumps({"type": "number"}), "schema")
        a = self.start_node("log-schema-a", args=["--schema", f"s/:{schema}"])
        b = self.start_node("log-schema-b", peers=[a.url])
        self.assertEqual(b.put("s/x", "not a number")[0], 200)
        wait_until(lambda: a.get("s/x") == (200, "not a number"), DEADLINE, what="the update on a")
        lines = wait_line(a, r" router: schema mismatch ", "a schema mismatch line")
        self.assertRegex(lines[0], rf"Z WARN router: schema mismatch path=s/x origin={b.id} violations=1 suppressed=0$")

    def test_a_failed_dial_says_why_and_when_it_retries(self):
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{s.getsockname()[1]}"
        node = self.start_node("log-dial", peers=[url])
        lines = wait_until(lambda: len(matching(node, r" link: dial failed ")) >= 2 and matching(node, r" link: dial failed "),
                           DEADLINE, what="two dial failure lines")
        delays = []
        for line in lines[:2]:
            m = re.search(rf'Z INFO link: dial failed url={re.escape(url)} reason="[^"]+" retry_in_ms=(\d+)$', line)
            self.assertIsNotNone(m, line)
            delays.append(int(m.group(1)))
        # 100 ms then 200 ms, each +-25%: the backoff grows.
        self.assertTrue(75 <= delays[0] <= 125 and 150 <= delays[1] <= 250, delays)


class QuietTest(NodeTestCase):
    def test_ten_thousand_requests_log_nothing_at_info(self):
        node = self.start_node("log-quiet")
        before = log_lines(node)
        self.assertTrue(any(" node: listening " in l for l in before), before)
        count, threads, errors = 10_000, 8, []

        def worker(k):
            conn = http.client.HTTPConnection(node.host, node.port, timeout=30)
            try:
                for i in range(k, count, threads):
                    if i % 2 == 0:
                        conn.request("PUT", api(f"quiet/{i % 500}"), body=json.dumps({"i": i}),
                                     headers={"Content-Type": "application/json"})
                        want = (200,)
                    else:  # half of the reads miss: 404s are ordinary too
                        conn.request("GET", api(f"quiet/{(i % 1000)}"))
                        want = (200, 404)
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status not in want:
                        errors.append((i, resp.status))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))
            finally:
                conn.close()

        workers = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(300)
        self.assertFalse(any(w.is_alive() for w in workers), "requests still running after 300 s")
        self.assertEqual(errors, [])
        after = log_lines(node)
        self.assertEqual(after[:len(before)], before)
        # A slow disk may make a commit slow (a rate-limited warning); nothing else may appear.
        new = [l for l in after[len(before):] if " WARN store: slow commit " not in l]
        self.assertEqual(new, [], "lines logged under ordinary traffic")


class TokenAndFormatTest(NodeTestCase):
    def test_json_lines_parse_and_a_refused_token_is_logged_once(self):
        token = write_file("t0k3n", "token")
        node = self.start_node("log-json", args=["--token-file", token, "--log-format", "json"])
        for _ in range(20):
            status, _, _ = node.request("PUT", api("tok/x"), body="1", headers={"Authorization": "Bearer wrong"})
            self.assertEqual(status, 401)
        refused = wait_line(node, r'"msg":"token refused"', "a token refusal line")
        node.request("PUT", api("tok/y"), body="1")  # no header at all: held back too
        self.assertEqual(node.stop(), 0, node.log_tail())
        self.assertEqual(len(matching(node, r'"msg":"token refused"')), 1, "at most one line per 10 s")
        line = json.loads(refused[0])
        self.assertEqual({k: line[k] for k in ("level", "component", "status", "method", "target", "reason",
                                               "suppressed")},
                         {"level": "warn", "component": "http", "status": 401, "method": "PUT",
                          "target": "/api/tok/x", "reason": "wrong token", "suppressed": 0})
        lines = log_lines(node)
        self.assertGreaterEqual(len(lines), 4, lines)  # listening, a warning, the refusal, shutdown
        for text in lines:
            obj = json.loads(text)
            for key in ("time", "level", "component", "msg"):
                self.assertIsInstance(obj.get(key), str, text)
            self.assertRegex(obj["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn(obj["level"], ("debug", "info", "warn", "error"))
            assert_recent(self, obj["time"])
        msgs = [(o["component"], o["msg"]) for o in map(json.loads, lines)]
        self.assertIn(("node", "listening"), msgs)
        self.assertEqual(msgs[-2:], [("node", "shutting down"), ("node", "stopped")])

    def test_warn_level_leaves_out_info_lines(self):
        node = self.start_node("log-warn", args=["--token-file", write_file("t", "token"), "--log-level", "warn"])
        self.assertEqual(node.request("DELETE", api("k"))[0], 401)
        wait_line(node, r" WARN http: token refused ", "a token refusal line")
        self.assertEqual(node.stop(), 0, node.log_tail())
        self.assertEqual([l for l in log_lines(node) if " INFO " in l], [])


if __name__ == "__main__":
    unittest.main()
