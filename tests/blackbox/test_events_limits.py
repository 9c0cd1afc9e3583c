"""/events and /export under slow readers: a Last-Event-ID replay always ends, what streams
hold for slow readers is bounded node-wide, and so is what slow exports hold.

Memory is read as the node's RssAnon, CPU as its utime+stime (Linux /proc); where /proc
is missing those tests skip."""
import json, os, socket, threading, time, unittest

from harness import NodeTestCase, SSEClient, api, call, wait_until
from transfer_helpers import rss_anon_kb

MIB = 1 << 20


def proc_available():
    return os.path.exists(f"/proc/{os.getpid()}/stat")


def rss_anon_bytes(pid):
    kb = rss_anon_kb(pid)
    if kb is None:
        raise AssertionError("no RssAnon in /proc status")
    return kb * 1024


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def quiet_window(pid, seconds=2.0, busy_share=0.25):
    """True when the process used less than busy_share of one core over a window."""
    start = cpu_seconds(pid)
    time.sleep(seconds)
    return cpu_seconds(pid) - start < seconds * busy_share


def fill(node, prefix, count, size):
    """count entries of about size bytes each at prefix/00000...; returns their paths."""
    conn, paths = node.connection(timeout=60), []
    for i in range(count):
        path = f"{prefix}/{i:05d}"
        status, _, body = call(conn, "PUT", api(path), json.dumps(f"{i:05d}" + "x" * (size - 5)))
        if status != 200:
            raise AssertionError(f"PUT {path}: {status} {body[:200]!r}")
        paths.append(path)
    conn.close()
    return paths


class RawStream:
    """GET /events/<prefix> on a socket with a small receive buffer, read only when asked:
    a reader that falls behind. Events are parsed as they come into (id, path, value)."""

    def __init__(self, node, prefix, last_event_id=None, rcvbuf=4096):
        self.sock = socket.socket(socket.AF_INET6 if ":" in node.host else socket.AF_INET)
        if rcvbuf:  # None: the kernel's own, which grows (autotuning)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(10)
        self.sock.connect((node.host, node.port))
        extra = f"Last-Event-ID: {last_event_id}\r\n" if last_event_id is not None else ""
        self.sock.sendall(f"GET /events/{prefix} HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n"
                          f"{extra}\r\n".encode())
        self.buf, self.head, self.events, self.comments, self.closed = bytearray(), None, [], [], False

    def _parse(self):
        if self.head is None:
            head, sep, rest = bytes(self.buf).partition(b"\r\n\r\n")
            if not sep:
                return
            self.head, self.buf = head, bytearray(rest)
        while True:
            end = self.buf.find(b"\n\n")
            if end < 0:
                return
            block = bytes(self.buf[:end]).decode("utf-8")
            del self.buf[:end + 2]
            self.comments += [line for line in block.split("\n") if line.startswith(":")]
            fields = dict(line.split(": ", 1) for line in block.split("\n") if not line.startswith(":"))
            if "data" in fields:
                data = json.loads(fields["data"])
                self.events.append((int(fields["id"]), data["path"], data["value"]))

    def read_until(self, pred, deadline_s):
        """Reads until pred(self) holds (True), or the stream closes or the deadline passes (False)."""
        end = time.monotonic() + deadline_s
        while not pred(self):
            if self.closed or time.monotonic() >= end:
                return False
            self.sock.settimeout(max(0.01, min(1.0, end - time.monotonic())))
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                continue
            except OSError:
                chunk = b""
            self.closed = not chunk
            self.buf += chunk
            self._parse()
        return True

    def subscribed(self, deadline_s=10):
        ok = self.read_until(lambda s: ": subscribed" in s.comments, deadline_s)
        if not ok or b" 200 " not in (self.head or b"").split(b"\r\n")[0]:
            raise AssertionError(f"no subscription: {self.head!r} {bytes(self.buf[:200])!r}")

    def close(self):
        self.sock.close()


@unittest.skipUnless(proc_available(), "needs Linux /proc")
class ReplayEndsTest(NodeTestCase):
    """The newest entry of a replay's range overwritten during the replay: today's main read the
    same chunk again forever, pinning an I/O thread per stream, even after its client left."""

    COUNT, SIZE, READERS = 300, 60_000, 3

    def test_replay_ends_when_its_newest_entry_is_overwritten(self):
        node = self.start_node("replay-ends")  # --io-threads 2: two spinning streams froze it
        paths = fill(node, "big", self.COUNT, self.SIZE)
        readers = [RawStream(node, "big", last_event_id=0) for _ in range(self.READERS)]
        for r in readers:
            self.addCleanup(r.close)
            r.subscribed()  # the range is fixed once subscribed; nobody reads from here on
        status, ack = node.put(paths[-1], "small")
        self.assertEqual(status, 200, ack)

        # Now they read: each gets the older entries from the replay, the overwrite live.
        for i, r in enumerate(readers):
            got_last = lambda s: any(p == paths[-1] for _, p, _ in s.events)
            self.assertTrue(r.read_until(got_last, 90),
                            f"reader {i}: {len(r.events)} events, closed={r.closed}, last "
                            f"{[e[:2] for e in r.events[-2:]]}")
            self.assertEqual([p for _, p, _ in r.events], paths, f"reader {i}")
            self.assertEqual(r.events[-1][2], "small")
            ids = [n for n, _, _ in r.events]
            self.assertEqual(ids, sorted(set(ids)))

        started = time.monotonic()
        status, _, _ = node.request("GET", "/health", timeout=5)
        self.assertEqual(status, 200)
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(node.put("big/after", 1)[0], 200)
        self.assertEqual(node.get("big/after"), (200, 1))
        # The streams are live: a new write reaches them.
        self.assertEqual(node.put("big/live", 2)[0], 200)
        for r in readers:
            self.assertTrue(r.read_until(lambda s: s.events[-1][1] == "big/live", 20))

        for r in readers:
            r.close()
        wait_until(lambda: quiet_window(node.proc.pid), 40, interval=0,
                   what="the node's CPU use to settle after its streams left")
        wait_until(lambda: node.metrics()["p2p_subscribers"] == 0, 20, what="subscribers gone")


@unittest.skipUnless(proc_available(), "needs Linux /proc")
class StreamMemoryTest(NodeTestCase):
    """Slow /events readers: each held its own copy of every event up to 8 MiB, with no bound on
    their number (400 readers held 4.17 GB, and most of it stayed after they left)."""

    READERS, COUNT, SIZE = 40, 300, 60_000
    MARGIN = 48 * MIB  # allocator slack, I/O buffers, the writes themselves

    def test_readers_that_do_not_read_share_events_within_the_budget(self):
        node = self.start_node("stream-memory")  # default budget: 64 MiB
        fill(node, "warm", 20, self.SIZE)  # the write path's own buffers, before the baseline
        before = rss_anon_bytes(node.proc.pid)
        readers = [RawStream(node, "mem") for _ in range(self.READERS)]
        for r in readers:
            self.addCleanup(r.close)
            r.subscribed()
        peak, stop = [before], threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_anon_bytes(node.proc.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            fill(node, "mem", self.COUNT, self.SIZE)
        finally:
            stop.set()
            sampler.join()
        peak[0] = max(peak[0], rss_anon_bytes(node.proc.pid))
        grown = peak[0] - before
        self.assertLess(grown, 64 * MIB + self.MARGIN,
                        f"RssAnon grew {grown / MIB:.0f} MiB with {self.READERS} slow readers")
        self.assertEqual(node.request("GET", "/health", timeout=5)[0], 200)
        for r in readers:
            r.close()
        wait_until(lambda: node.metrics()["p2p_subscribers"] == 0, 30, what="subscribers gone")
        wait_until(lambda: rss_anon_bytes(node.proc.pid) - before < self.MARGIN, 30,
                   what="memory released after the readers left")

    def test_past_the_budget_the_slowest_stream_ends_and_resumes(self):
        budget = 4 * MIB  # below one stream's own cap (8 MiB): only the budget ends streams here
        node = self.start_node("stream-budget", args=["--sse-buffer-bytes", str(budget)])
        before = rss_anon_bytes(node.proc.pid)
        slow = [RawStream(node, "bud") for _ in range(6)]
        for r in slow:
            self.addCleanup(r.close)
            r.subscribed()
        fast = SSEClient(node, "bud")
        self.addCleanup(fast.close)
        self.assertEqual(fast.status, 200)
        fast.wait_comment()
        seen_fast = []

        def drain():
            while True:
                kind, value = fast.next_item(120)
                if kind == "closed":
                    return
                if kind == "event":
                    seen_fast.append(value["data"]["path"])

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        paths = fill(node, "bud", 120, self.SIZE)  # 7 MB: under a stream's own cap
        grown = rss_anon_bytes(node.proc.pid) - before
        self.assertLess(grown, budget + self.MARGIN, f"RssAnon grew {grown / MIB:.0f} MiB")

        # The readers that did not read were ended; what they got is whole events.
        for i, r in enumerate(slow):
            self.assertTrue(r.read_until(lambda s: s.closed, 30), f"slow reader {i} was not ended")
            got = [p for _, p, _ in r.events]
            self.assertEqual(got, paths[:len(got)], f"slow reader {i}")
            self.assertLess(len(got), len(paths), f"slow reader {i} got everything")
        m = node.metrics()
        self.assertGreaterEqual(m["p2p_sse_streams_ended_total"], len(slow))
        self.assertEqual(m["p2p_sse_buffer_limit_bytes"], budget)
        # The one that kept up was not.
        wait_until(lambda: seen_fast[-1:] == [paths[-1]], 60, what="the fast reader to get every event")
        self.assertEqual(seen_fast, paths)

        # An ended reader resumes with Last-Event-ID and gets what it missed, in order.
        last = slow[0].events[-1][0] if slow[0].events else 0
        again = SSEClient(node, "bud", last_event_id=last)
        self.addCleanup(again.close)
        again.wait_comment()
        missed = paths[len(slow[0].events):]
        self.assertEqual([again.next_event(30)["data"]["path"] for _ in missed], missed)
        for r in slow:
            r.close()
        again.close()
        fast.close()
        wait_until(lambda: node.metrics()["p2p_sse_buffer_bytes"] == 0, 30,
                   what="the streams' events released once every reader left")


class ExportLimitTest(NodeTestCase):
    """Each slow /export reader held about 4 MiB for 30 s, with no bound on their number."""

    def test_exports_past_the_limit_are_refused_until_one_ends(self):
        node = self.start_node("export-limit")
        fill(node, "exp", 160, 60_000)  # 9.6 MB: more than one page and the socket buffers hold
        request = b"GET /export?prefix=exp HTTP/1.1\r\nHost: t\r\n\r\n"
        running = []

        def open_export():
            s = socket.socket(socket.AF_INET6 if ":" in node.host else socket.AF_INET)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.settimeout(10)
            s.connect((node.host, node.port))
            self.addCleanup(s.close)
            s.sendall(request)
            head = b""
            while b"\r\n" not in head:
                chunk = s.recv(64)  # the status line, then it reads no more
                if not chunk:
                    break
                head += chunk
            return s, head.split(b"\r\n")[0]

        for i in range(8):
            s, status = open_export()
            self.assertIn(b" 200 ", status, f"export {i}")
            running.append(s)
        refused = node.request("GET", "/export?prefix=exp")
        self.assertEqual(refused[0], 503, refused[:2])
        # The node still serves everything else meanwhile.
        self.assertEqual(node.request("GET", "/health", timeout=5)[0], 200)
        running.pop().close()  # one reader leaves: its place frees

        def accepted():
            status, _, body = node.request("GET", "/export?prefix=exp", timeout=30)
            return status == 200 and body.count(b"\n") == 160

        wait_until(accepted, 30, interval=0.2, what="an export to be accepted again")


if __name__ == "__main__":
    unittest.main()
