"""Peer URLs and IPv6: a bad --peer stops the launcher (exit 2) with the reason, before anything
starts; an IPv6 host is bracketed in every URL the node prints (the listening line, /peers); two
nodes on ::1 link and sync. The IPv6 test is skipped on a machine without an IPv6 loopback."""
import socket, unittest

from cluster import CONVERGE_S, peers, up_links
from harness import NodeTestCase, Node, wait_until
from test_security import run_launcher

BAD_PEERS = {
    "no port": "http://localhost",
    "empty port": "http://127.0.0.1:",
    "port 0": "http://127.0.0.1:0",
    "port too big": "http://127.0.0.1:65536",
    "unknown scheme": "ftp://127.0.0.1:21",
    "no scheme": "127.0.0.1:3000",
    "a path": "http://127.0.0.1:3000/p2p",
    "a query": "http://127.0.0.1:3000/?x=1",
    "userinfo": "http://user:pw@127.0.0.1:3000",
    "percent-escaped host": "http://local%68ost:3000",
    "IPv6 without brackets": "http://::1:3000",
    "unclosed bracket": "http://[::1:3000",
    "empty host": "http://:3000",
}


def has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class BadPeerURLTest(unittest.TestCase):
    def test_bad_peer_urls_stop_the_launcher_with_exit_2(self):
        for what, url in BAD_PEERS.items():
            with self.subTest(what, url=url):
                # A launcher that takes the URL keeps running: 10 s is plenty for a flag error.
                code, out, err = run_launcher(["--peer", url], deadline_s=10)
                self.assertEqual(code, 2, f"stderr {err!r}")
                self.assertNotIn("listening", out)
                self.assertIn(url, err, "the error does not name the bad URL")


class IPv6Test(NodeTestCase):
    def setUp(self):
        if not has_ipv6_loopback():
            self.skipTest("no IPv6 loopback (::1) on this machine")

    def v6_node(self, name, peers=()):
        node = Node(name, ["--host", "::1"], peers=peers, start=False)
        self.addCleanup(node.cleanup)
        try:
            node.start()
        except RuntimeError as e:  # the listening line did not parse as a URL
            self.fail(f"bad listening line for --host ::1: {e}")
        self.assertEqual(node.host, "::1")
        return node

    def test_two_nodes_on_ipv6_loopback_link_and_sync(self):
        a = self.v6_node("v6-a")
        b = self.v6_node("v6-b", peers=[f"http://[::1]:{a.port}"])
        for node in (a, b):
            wait_until(lambda: len(up_links(node)) == 1, CONVERGE_S, 0.05,
                       what=f"{node.name}'s link up; /peers {peers(node)}")
        self.assertEqual(a.put("v6/x", {"over": "ipv6"})[0], 200)
        wait_until(lambda: b.get("v6/x") == (200, {"over": "ipv6"}), CONVERGE_S, 0.05, what="v6/x on b")
        out = next(p for p in peers(b) if p["direction"] == "out")
        self.assertEqual(out["url"], f"http://[::1]:{a.port}")
        inbound = next(p for p in peers(a) if p["direction"] == "in")
        self.assertTrue(inbound["address"].startswith("[::1]:"), inbound)
        port = inbound["address"].rpartition(":")[2]
        self.assertTrue(port.isdigit(), inbound)

    def test_bracketed_host_flag_is_the_same_address(self):
        node = Node("v6-bracketed", ["--host", "[::1]"], start=False)
        self.addCleanup(node.cleanup)
        node.start()
        self.assertEqual(node.host, "::1")
        self.assertTrue(node.serving())


if __name__ == "__main__":
    unittest.main()
