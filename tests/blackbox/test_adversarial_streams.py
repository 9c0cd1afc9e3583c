"""Slow and stalled clients on every streaming surface (SSE, export, import, the peer link,
request headers), each while a separate process probes /health: the node must answer
/health promptly throughout, keep taking writes, and forget the attackers once they go.
(The defects these guard against pinned I/O threads or held memory without bound.)"""
import json, os, socket, time

from cluster import ClusterTestCase
from harness import RawConn, api, wait_until
from health_watch import HealthWatch
from transfer_helpers import rss_anon_kb
from ws_client import WSClient
from test_lying_peer import hello

VALUE_KB = 8


def big_value(i, kb=VALUE_KB):
    return {"i": i, "pad": "x" * (kb * 1024)}


def stalled(test, node, request, rcvbuf=4096):
    """A raw connection that sends `request` and then never reads (closed after the test)."""
    conn = RawConn(node, rcvbuf=rcvbuf)
    test.addCleanup(conn.close)
    conn.sock.sendall(request)
    return conn


def get_request(node, target, extra=""):
    return (f"GET {target} HTTP/1.1\r\nHost: {node.host}:{node.port}\r\n{extra}\r\n").encode()


class SlowClientsTest(ClusterTestCase):
    def setUp(self):
        self.node = self.start_node("slow", args=["--idle-timeout", "1500"])

    def fill(self, n, kb=VALUE_KB, prefix="fill"):
        for i in range(n):
            self.put_ok(self.node, f"{prefix}/{i:05d}", big_value(i, kb))

    def assert_still_serves(self, tag):
        self.put_ok(self.node, f"after/{tag}", {"tag": tag})
        self.assertEqual(self.node.get(f"after/{tag}")[1], {"tag": tag})

    def test_sse_readers_that_never_read(self):
        self.fill(50)
        with HealthWatch(self.node) as watch:
            readers = [stalled(self, self.node, get_request(self.node, "/events/fill",
                                                      "Last-Event-ID: 1\r\n"))
                       for _ in range(12)]
            readers += [stalled(self, self.node, get_request(self.node, "/events/")) for _ in range(12)]
            self.fill(150, prefix="fill")  # overwrites: replays and live events race
            self.assert_still_serves("sse")
        watch.assert_responsive(self)
        for r in readers:
            r.close(reset=True)
        wait_until(lambda: self.node.metrics().get("p2p_sse_clients", 1) == 0, 20,
                   what="SSE sessions released after the readers left")

    def test_export_readers_that_never_read(self):
        self.fill(400)
        with HealthWatch(self.node) as watch:
            readers = [stalled(self, self.node, get_request(self.node, "/export")) for _ in range(8)]
            self.fill(50, prefix="during")
            self.assert_still_serves("export")
        watch.assert_responsive(self)
        for r in readers:
            r.close(reset=True)

    def test_import_and_put_bodies_trickled_then_stalled(self):
        head = (f"POST /import HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                f"Transfer-Encoding: chunked\r\n\r\n").encode()
        line = json.dumps({"path": "imp/a", "value": 1, "timestamp": int(time.time() * 1000),
                           "origin": "00000000000000aa"}) + "\n"
        put_head = (f"PUT {api('trickle/a')} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    f"Content-Length: 100\r\n\r\n").encode()
        with HealthWatch(self.node) as watch:
            importers = [stalled(self, self.node, head) for _ in range(6)]
            putters = [stalled(self, self.node, put_head + b'{"a":') for _ in range(6)]
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:  # a few bytes now and then, never the end
                for c in importers:
                    c.sock.sendall(f"{len(line):x}\r\n{line}\r\n".encode()[:7])
                time.sleep(0.1)
            self.assert_still_serves("import")
            # --idle-timeout 1500: the stalled uploads are closed, and nothing half-sent landed
            for c in importers + putters:
                self.assertTrue(c.wait_closed(15), "a stalled upload was never closed")
        watch.assert_responsive(self)
        self.assertEqual(self.node.get("trickle/a")[0], 404)
        self.assertEqual(self.node.get("imp/a")[0], 404)

    def test_headers_trickled_slowloris(self):
        with HealthWatch(self.node) as watch:
            conns = [stalled(self, self.node, b"GET /health HTTP/1.1\r\nX-Slow: ") for _ in range(40)]
            for _ in range(5):
                for c in conns:
                    try:
                        c.sock.sendall(b"a")
                    except OSError:
                        pass
                time.sleep(0.1)
            self.assert_still_serves("slowloris")
            for c in conns:
                self.assertTrue(c.wait_closed(15), "a header that never ends kept its connection")
        watch.assert_responsive(self)

    def test_peer_link_that_never_reads(self):
        self.fill(20)
        with HealthWatch(self.node) as watch:
            peer = WSClient(self.node.host, self.node.port)
            self.addCleanup(peer.close)
            peer.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            peer.send_json(hello())
            peer.send_json({"type": "sync", "since": 0})
            before = rss_anon_kb(self.node.proc.pid)
            self.fill(300, prefix="flood")  # ~2.4 MB the peer never takes
            self.assert_still_serves("peer")
            grown = rss_anon_kb(self.node.proc.pid) - before
        watch.assert_responsive(self)
        # The backlog stays in LMDB (the change log), not in the node's memory.
        self.assertLess(grown, 64 * 1024, f"RSS grew {grown} KiB for one peer that never reads")
        peer.close(reset=True)

    def test_peer_frame_trickled_byte_by_byte(self):
        other = self.start_node("normal", peers=[self.node.url])
        self.wait_links([self.node, other], [1, 1])
        with HealthWatch(self.node) as watch:
            peer = WSClient(self.node.host, self.node.port)
            self.addCleanup(peer.close)
            frame = WSClient.frame(1, json.dumps(hello()).encode())
            for b in frame[:-1]:  # all but the last byte, slowly
                peer.send_raw(bytes([b]))
                time.sleep(0.01)
            self.put_ok(other, "through/normal", {"ok": 1})
            self.wait_value([self.node], "through/normal", {"ok": 1})
        watch.assert_responsive(self)
        peer.close(reset=True)


if __name__ == "__main__":
    import unittest
    unittest.main()
