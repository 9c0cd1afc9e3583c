"""The log (README, "Logs") against hostile input: JSON lines stay JSON and every line valid
UTF-8 whatever bytes a client sends; what a peer or client sends appears only as a field value,
quoted and escaped, so one event is one line; a client opening links in a loop cannot flood
the log; a seed that stays down is logged less and less."""
import json, os, re, socket, time, unittest

from harness import Node, NodeTestCase, wait_until
from peer_client import PeerClient, item
from ws_client import WSClient
from test_logs import TEXT, matching

DEADLINE = 30
# 255 bytes, then an é across bytes 255-256: the 256-byte cut of the target falls inside it.
HOSTILE = b"/api/\xff\xfe\xc2\x85" + b"a" * 246 + "é".encode() + b"zz"
CUT = "/api/\ufffd\ufffd\u0085" + "a" * 246
BREAKS = ("\u2028", "\u2029", "\u0085", "\u202e", "\u2066", "\x1c", "\x0b", "\r", "\n")


def raw_lines(node):
    """stderr as bytes lines (split on \\n only), without the harness's '--- start' lines."""
    with open(node.log, "rb") as f:
        return [l for l in f.read().split(b"\n") if l and not l.startswith(b"--- start ")]


def raw_request(node, target):
    with socket.create_connection((node.host, node.port), timeout=10) as s:
        s.sendall(b"PUT " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\n1")
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


def token_file(name):
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"{name}-{os.urandom(4).hex()}")
    with open(path, "w") as f:
        f.write("t0k3n")
    return path


class HostileBytesTest(NodeTestCase):
    def test_a_target_not_utf8_and_cut_mid_character_leaves_json_lines_json(self):
        tok = token_file("tok")
        self.addCleanup(os.unlink, tok)
        node = self.start_node("logx-json", args=["--token-file", tok, "--log-format", "json"])
        self.assertIn(b" 401 ", raw_request(node, HOSTILE).split(b"\r\n")[0])
        wait_until(lambda: matching(node, r'"msg":"token refused"'), DEADLINE, what="a token refusal line")
        self.assertEqual(node.stop(), 0, node.log_tail())
        refused = None
        for line in raw_lines(node):
            obj = json.loads(line.decode("utf-8"))  # strict: every line valid UTF-8 and JSON
            if obj["msg"] == "token refused":
                refused = obj
        self.assertEqual(refused["target"], CUT)

    def test_text_lines_quote_and_escape_line_breaks_and_bidi_controls(self):
        tok = token_file("tok")
        self.addCleanup(os.unlink, tok)
        node = self.start_node("logx-text", args=["--token-file", tok])
        target = b"/api/x%20" + "\u2028INFO\u2029\u202e\u2066".encode() + b"\xc2\x85\xff"
        raw_request(node, target)
        wait_until(lambda: matching(node, r" WARN http: token refused "), DEADLINE, what="a token refusal line")
        self.assertEqual(node.stop(), 0, node.log_tail())
        text = b"\n".join(raw_lines(node)).decode("utf-8")  # strict
        lines = text.splitlines()
        self.assertEqual(len(lines), len(raw_lines(node)), "a line break inside a line")
        for line in lines:
            self.assertRegex(line, TEXT)
            self.assertFalse(any(b in line for b in BREAKS), ascii(line))
        refused = [l for l in lines if " WARN http: token refused " in l]
        self.assertEqual(len(refused), 1, lines)
        self.assertIn(r' target="/api/x%20\u2028INFO\u2029\u202e\u2066\u0085' + "\ufffd\"",
                      refused[0])

    def test_a_peers_path_goes_in_a_field_never_in_the_message(self):
        node = self.start_node("logx-peer")  # no secret: anyone may link
        peer = PeerClient(node, features=None)
        self.addCleanup(peer.close)
        far = (int(time.time() * 1000) + 3600_000) << 16
        path = 'x level=ERROR remote=0000 reason="forged" \u2028 \u202e'
        peer.send({"type": "changes", "upto": 1, "items": [item(path, value=1, hlc=str(far), origin=peer.id)]})
        line = wait_until(lambda: matching(node, r" link: refused "), DEADLINE, what="a refusal line")[0]
        m = re.match(r"^\S+ WARN link: refused updates stamped too far ahead of our clock "
                     rf"\(at most one such line a minute\) remote={peer.id} refused=1 latest=(\".*\")$", line)
        self.assertIsNotNone(m, line)
        self.assertIn(path, json.loads(m.group(1)))
        self.assertNotIn("\u2028", line)
        self.assertNotIn("\u202e", line)


def flood_links(node, seconds, at_least=0):
    """Opens links with made-up ids and resets them, in a loop, for `seconds` (and at least
    `at_least` of them); -> how many."""
    start, links = time.monotonic(), 0
    while time.monotonic() - start < seconds or links < at_least:
        ws = WSClient(node.host, node.port)
        ws.send_json({"type": "hello", "version": 1, "id": os.urandom(8).hex(), "epoch": "ab",
                      "now": int(time.time() * 1000)})
        try:
            ws.recv(timeout=1)
        except Exception:  # noqa: BLE001 - the node may close first
            pass
        ws.close(reset=True)
        links += 1
    return links


class FloodTest(NodeTestCase):
    def test_links_opened_in_a_loop_log_a_bounded_number_of_lines(self):
        node = self.start_node("logx-flood")  # no secret: anyone may link
        links = flood_links(node, seconds=2)
        began = time.monotonic()
        self.assertEqual(node.request("GET", "/health")[0], 200)
        self.assertLess(time.monotonic() - began, 5, "the node answers while links churn")
        self.assertGreater(links, 60, "the loop opened enough links to flood")
        # The last links' lines are written as their actors end: wait for them, not a second.
        wait_until(lambda: len(matching(node, r" link: up ")) >= 20
                   and len(matching(node, r" link: down ")) >= 20, DEADLINE, what="the flood's lines")
        ups, downs = matching(node, r" link: up "), matching(node, r" link: down ")
        # 20 of each per 10 s window; the loop may straddle two windows.
        self.assertLessEqual(len(ups), 40, len(ups))
        self.assertLessEqual(len(downs), 40, len(downs))
        self.assertGreaterEqual(len(ups), 20, ups)
        # Once the limiter's 10 s window has passed (a clock, nothing to wait on), the next
        # link's lines say how many were held back.
        time.sleep(10)
        peer = PeerClient(node, features=None)
        self.addCleanup(peer.close)
        line = wait_until(lambda: matching(node, rf" link: up remote={peer.id} "), DEADLINE, what="a later up line")
        m = re.search(r" suppressed=(\d+)$", line[0])
        self.assertIsNotNone(m, line[0])
        self.assertGreater(int(m.group(1)), 0)


class FloodHidesNothingDialledTest(NodeTestCase):
    def test_an_outbound_link_is_logged_during_a_flood_and_the_held_count_at_shutdown(self):
        with socket.socket() as s:  # the seed's port, free until the seed starts
            s.bind(("127.0.0.1", 0))
            seed_port = s.getsockname()[1]
        node = self.start_node("logx-dialler", peers=[f"http://127.0.0.1:{seed_port}"])
        flood_links(node, seconds=1, at_least=40)  # more than the 20 a window lets through
        self.assertLessEqual(len(matching(node, r" link: up .*direction=inbound")), 20)
        seed = Node("logx-seed", start=False)
        self.addCleanup(seed.cleanup)
        seed.start(port=seed_port)
        # The window the flood filled has not passed (10 s); the link this node dialled is logged.
        wait_until(lambda: matching(node, rf" link: up remote={seed.id} direction=outbound "), DEADLINE,
                   what="the outbound link's up line")
        node.stop()
        held = matching(node, r" link: held back ")
        self.assertEqual(len(held), 1, held)
        self.assertRegex(held[0], r" up=[1-9]\d* down=\d+ dial_failed=\d+$")


class DeadSeedTest(NodeTestCase):
    def test_a_seed_that_stays_down_is_logged_three_times_then_at_debug(self):
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{s.getsockname()[1]}"
        node = self.start_node("logx-dead", args=["--log-level", "debug"], peers=[url])
        lines = wait_until(lambda: len(matching(node, r" link: dial failed ")) >= 5
                           and matching(node, r" link: dial failed "), DEADLINE, what="five dial failures")
        self.assertEqual([" INFO " in l for l in lines[:5]], [True, True, True, False, False], lines)
        for i, line in enumerate(lines[:5]):
            tail = f" failures={i + 1}" if i >= 3 else ""
            self.assertRegex(line, rf'Z (INFO|DEBUG) link: dial failed url={re.escape(url)} reason="[^"]+" '
                                   rf"retry_in_ms=\d+{tail}$")


if __name__ == "__main__":
    unittest.main()
