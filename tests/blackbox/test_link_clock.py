"""Clock skew on peer links (WIRE.md `changes`, `hello.now`): an update stamped more than 10
minutes ahead of the receiver's clock is refused on its own (counted, logged), the rest of its
frame is stored and the link stays up; each link shows the other node's clock offset. The chain
test shifts one node's clock with P2P_CLOCK_OFFSET_MS (test-only, protocol/hlc.cpp)."""
import contextlib, os, threading

from harness import NodeTestCase, now_ms, wait_until
from test_lying_peer import DEADLINE, LiarMixin, changes, hello, item, rand_id

TEN_MIN_MS = 10 * 60_000


def metric(node, name):
    return node.metrics().get(name, 0)


@contextlib.contextmanager
def clock_shifted(ms):
    """Nodes started inside get a wall clock `ms` ahead (the variable is read at start)."""
    old = os.environ.get("P2P_CLOCK_OFFSET_MS")
    os.environ["P2P_CLOCK_OFFSET_MS"] = str(ms)
    try:
        yield
    finally:
        if old is None:
            del os.environ["P2P_CLOCK_OFFSET_MS"]
        else:
            os.environ["P2P_CLOCK_OFFSET_MS"] = old


class SkewedItemTest(LiarMixin, NodeTestCase):
    def setUp(self):
        self.node = self.start_node("skew-target")

    def test_far_future_item_is_refused_alone_and_the_link_stays(self):
        ws = self.connect()
        ident = self.handshake(ws)
        far = (now_ms() + TEN_MIN_MS + 5 * 60_000) << 16
        ws.send_json(changes(item("skew/good1", value=1, origin=ident),
                             item("skew/far", value=2, hlc=far, origin=ident),
                             item("skew/good2", value=3, origin=ident), upto=3))
        self.assertEqual(ws.recv_json(DEADLINE), {"type": "ack", "upto": 3})
        self.assertEqual(self.node.get("skew/good1"), (200, 1))
        self.assertEqual(self.node.get("skew/good2"), (200, 3))
        self.assertEqual(self.node.get("skew/far")[0], 404)
        self.assertEqual(metric(self.node, "p2p_updates_refused_skew_total"), 1)
        row = self.links_to(ident)[0]
        self.assertEqual((row["state"], row["updates_refused"]), ("up", 1), row)
        # Still the same link: the next frame is taken as usual.
        ws.send_json(changes(item("skew/after", value=4, origin=ident), upto=4))
        self.assertEqual(ws.recv_json(DEADLINE), {"type": "ack", "upto": 4})
        self.assertEqual(self.node.get("skew/after"), (200, 4))
        self.assertEqual(self.links_to(ident)[0]["connects"], 1)

    def test_refusals_do_not_flood_the_log(self):
        """A peer far ahead sends one far-future item per frame: each is refused and counted,
        but the log gets a line now and then, not one per frame."""
        ws = self.connect()
        ident = self.handshake(ws)
        far = (now_ms() + TEN_MIN_MS + 5 * 60_000) << 16
        frames = 200
        for i in range(frames):
            ws.send_json(changes(item(f"skew/flood{i % 7}", value=i, hlc=far + i, origin=ident),
                                 upto=i + 1))
            self.assertEqual(ws.recv_json(DEADLINE), {"type": "ack", "upto": i + 1})
        self.assertEqual(metric(self.node, "p2p_updates_refused_skew_total"), frames)
        self.assertEqual(self.links_to(ident)[0]["updates_refused"], frames)
        lines = [l for l in self.node.log_tail(100_000).splitlines() if "refused" in l]
        self.assertTrue(lines, "no refusal logged at all")
        self.assertLessEqual(len(lines), 3, lines[:5])

    def test_each_link_shows_the_other_clock_offset(self):
        ws = self.connect()
        ident = rand_id()
        ahead = 3_600_000
        ws.send_json(hello(ident, now=now_ms() + ahead))
        theirs = ws.recv_json(DEADLINE)
        self.assertIsInstance(theirs.get("now"), int, theirs)  # ours goes out too
        self.assertLess(abs(theirs["now"] - now_ms()), 60_000, theirs)
        wait_until(lambda: self.links_to(ident) and self.links_to(ident)[0]["state"] == "up",
                   DEADLINE, what="link up")
        offset = self.links_to(ident)[0]["clock_offset_ms"]
        self.assertLess(abs(offset - ahead), 60_000, offset)
        self.assertGreater(metric(self.node, "p2p_clock_offset_max_seconds") * 1000, ahead - 60_000)

    def test_a_hello_without_now_still_links(self):
        ws = self.connect()
        ident = self.handshake(ws)  # an older node's hello: no `now`
        self.assertIsNone(self.links_to(ident)[0]["clock_offset_ms"])


class ClockHookTest(NodeTestCase):
    def test_a_shifted_clock_says_so_and_a_huge_shift_is_bounded(self):
        """The test hook is read by every build: set by mistake it must not skew a node
        silently, and a huge value must not overflow the clock."""
        with clock_shifted(TEN_MIN_MS):
            node = self.start_node("clock-hook")
        wait_until(lambda: "P2P_CLOCK_OFFSET_MS" in node.log_tail(), DEADLINE,
                   what="a line saying the clock is shifted")
        with clock_shifted(10**30):
            huge = self.start_node("clock-hook-huge")
        status, _, put = huge.json_request("PUT", "/api/hook/x", '{"v":1}')
        self.assertEqual(status, 200, put)
        # Clamped to about 34 years ahead: still a sane, positive, JS-safe timestamp.
        self.assertGreater(put["timestamp"], now_ms() + 30 * 365 * 86_400_000, put)
        self.assertLess(put["timestamp"], 2**53, put)


class SkewedChainTest(NodeTestCase):
    def test_a_node_far_ahead_does_not_cut_the_chain(self):
        """X - Y - Z with Y's clock 10 min 15 s ahead while Y writes: X's writes reach Z, Y's own
        are refused (counted) at X and Z, and the links stay up."""
        z = self.start_node("chain-z")
        with clock_shifted(TEN_MIN_MS + 15_000):
            y = self.start_node("chain-y", peers=[z.url])
        x = self.start_node("chain-x", peers=[y.url])
        stop, written = threading.Event(), [0]

        def y_writes():
            while not stop.is_set():
                y.put(f"y/{written[0] % 50}", written[0])
                written[0] += 1
                stop.wait(0.02)
        writer = threading.Thread(target=y_writes, daemon=True)
        writer.start()
        self.addCleanup(writer.join)
        self.addCleanup(stop.set)
        wait_until(lambda: written[0] >= 20, 60, what="Y writing")
        for i in range(30):
            self.assertEqual(x.put(f"x/{i}", i)[0], 200)
        wait_until(lambda: all(z.get(f"x/{i}") == (200, i) for i in range(30)), 60,
                   what="X's writes on Z")
        stop.set()
        writer.join()
        self.assertGreater(metric(z, "p2p_updates_refused_skew_total"), 0)
        self.assertGreater(metric(x, "p2p_updates_refused_skew_total"), 0)
        for node, other in ((z, y), (x, y)):
            rows = [r for r in node.json_request("GET", "/peers")[2] if r["remote_id"] == other.id]
            self.assertEqual(len(rows), 1, rows)
            self.assertEqual(rows[0]["state"], "up", rows)
            self.assertGreater(rows[0]["clock_offset_ms"], TEN_MIN_MS, rows)
