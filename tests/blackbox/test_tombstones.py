"""Tombstone collection (--tombstone-ttl): deletes free their space after the TTL, and a
collected delete never comes back, whether from a node that was away longer than the TTL (in
every topology: directly, through a relay, through a node that joined after the delete) or from
an old export; nodes with different TTLs converge; a catch-up within the TTL sends no inventory."""
import unittest

from cluster import ClusterTestCase, full_scan, wait_converged
from harness import wait_until
from transfer_helpers import cli, http_export, http_import

TTL = ["--tombstone-ttl", "1s"]
COLLECT_S = 30  # a pass runs every TTL/2; generous for a loaded 2-core box


def metric(node, name):
    return node.metrics().get(name, 0)


def horizon_ms(node_or_metrics):
    """p2p_tombstone_horizon_timestamp_seconds in ms (the wall-clock ms of the horizon)."""
    m = node_or_metrics if isinstance(node_or_metrics, dict) else node_or_metrics.metrics()
    return round(m.get("p2p_tombstone_horizon_timestamp_seconds", 0) * 1000)


def wait_collected(node, at_least):
    wait_until(lambda: metric(node, "p2p_tombstones_collected_total") >= at_least, COLLECT_S,
               interval=0.1, what=f"{node.name} to collect {at_least} tombstones "
                                  f"(metrics: {node.metrics()})")


class CollectionTest(ClusterTestCase):
    def test_deletes_free_their_records_after_the_ttl(self):
        node = self.start_node("ttl", args=TTL)
        for i in range(500):
            self.put_ok(node, f"churn/k{i:03d}", {"i": i})
        self.put_ok(node, "keep/me", 1)
        for i in range(500):
            self.assertEqual(node.delete(f"churn/k{i:03d}")[0], 200)
        wait_collected(node, 500)
        m = node.metrics()
        self.assertEqual(m["p2p_tombstones"], 0, m)
        self.assertEqual(m["p2p_store_entries"], 1, m)
        self.assertGreater(horizon_ms(m), 0, m)
        self.assertEqual(node.get("keep/me"), (200, 1))
        self.assertEqual(node.get("churn/k000")[0], 404)
        # The horizon survives a restart, and writes carry on.
        horizon = horizon_ms(m)
        self.assertEqual(node.stop(), 0, node.log_tail())
        node.start()
        self.assertGreaterEqual(horizon_ms(node), horizon)
        self.put_ok(node, "churn/k000", {"again": True})
        self.assertEqual(node.get("churn/k000"), (200, {"again": True}))

    def test_ttl_zero_keeps_tombstones(self):
        node = self.start_node("forever", args=["--tombstone-ttl", "0"])
        self.put_ok(node, "x", 1)
        self.assertEqual(node.delete("x")[0], 200)
        self.assertEqual(metric(node, "p2p_tombstones"), 1)
        # Kept past what a short TTL would allow (no collector runs at all).
        other = self.start_node("short", args=TTL)
        self.put_ok(other, "y", 1)
        self.assertEqual(other.delete("y")[0], 200)
        wait_collected(other, 1)
        self.assertEqual(metric(node, "p2p_tombstones"), 1)
        self.assertEqual(metric(node, "p2p_tombstones_collected_total"), 0)

    def test_bad_ttl_is_refused_before_listening(self):
        for bad in ("7", "1w", "-1s", "1.5h", ""):
            out = self.launch_fails(["--tombstone-ttl", bad])
            self.assertIn("--tombstone-ttl", out)

    def launch_fails(self, args):
        r = cli(*args, "--port", "0", timeout=30)
        self.assertEqual(r.returncode, 2, r)
        return r.stderr.decode()


class NoResurrectionTest(ClusterTestCase):
    def away_past_the_ttl(self, nodes, away, deleter):
        """`away` holds old/k and old/kept, stops; old/k is deleted on `deleter`, and every node
        still up collects the tombstone."""
        self.put_ok(deleter, "old/k", "v1")
        self.put_ok(deleter, "old/kept", "v1")
        wait_converged(nodes, {"old/k": "v1", "old/kept": "v1"})
        self.assertEqual(away.stop(), 0, away.log_tail())
        self.assertEqual(deleter.delete("old/k")[0], 200)
        for node in nodes:
            if node is not away:
                wait_collected(node, 1)

    def assert_gone_everywhere(self, nodes):
        expected = {"old/kept": "v1"}
        wait_converged(nodes, expected, what="old/k gone on every node, old/kept kept")
        for node in nodes:
            self.assertEqual(node.get("old/k")[0], 404, node.name)

    def test_node_back_after_the_ttl_directly(self):
        a, b, c = nodes = self.start_topology(3, [(0, 1), (0, 2)], "direct", TTL)
        self.away_past_the_ttl(nodes, c, a)
        c.restart(same_port=True)
        self.assert_gone_everywhere(nodes)
        self.assertGreaterEqual(metric(a, 'p2p_reconciliations_total{role="served"}'), 1)
        self.assertGreaterEqual(metric(c, "p2p_reconcile_removed_total"), 1)
        self.assertGreater(horizon_ms(c), 0)  # adopted from a

    def test_node_back_after_the_ttl_through_a_relay(self):
        a, b, c = nodes = self.start_topology(3, [(0, 1), (1, 2)], "relay", TTL)  # a - b - c
        self.away_past_the_ttl(nodes, c, a)
        c.restart(same_port=True)
        self.assert_gone_everywhere(nodes)

    def test_node_back_through_a_node_that_joined_after_the_delete(self):
        a, b, c = nodes = self.start_topology(3, [(0, 1), (0, 2)], "joined", TTL)
        self.away_past_the_ttl(nodes, c, a)
        d = self.start_node("joined-d", args=TTL, peers=[a.url])  # never saw old/k or its delete
        wait_converged([a, b, d], {"old/kept": "v1"})
        wait_until(lambda: horizon_ms(d) > 0, COLLECT_S,
                   what="d to adopt a's horizon")
        c.args = [x for x in c.args if x != a.url and x != "--peer"] + ["--peer", d.url]
        c.restart(same_port=True)  # c reaches the others only through d
        self.assert_gone_everywhere([a, b, c, d])

    def test_nodes_with_different_ttls_converge(self):
        a, b, c = nodes = self.start_topology(3, [(0, 1), (1, 2)], "mixed")
        # Different TTLs: a collects in a second, b never, c in two.
        for node, ttl in ((a, "1s"), (b, "0"), (c, "2s")):
            node.args += ["--tombstone-ttl", ttl]
            self.assertEqual(node.stop(), 0)
            node.start(port=node.port)
        self.wait_links(nodes, [1, 2, 1])
        expected = {}
        for i in range(60):
            writer = nodes[i % 3]
            self.put_ok(writer, f"mix/k{i:02d}", i)
            expected[f"mix/k{i:02d}"] = i
        wait_converged(nodes, expected)
        for i in range(0, 60, 2):
            self.assertEqual(nodes[(i + 1) % 3].delete(f"mix/k{i:02d}")[0], 200)
            del expected[f"mix/k{i:02d}"]
        wait_converged(nodes, expected)
        wait_collected(a, 30)
        wait_collected(c, 30)
        wait_converged(nodes, expected)
        self.assertEqual(metric(b, "p2p_tombstones"), 30)
        self.assertEqual(metric(a, "p2p_tombstones"), 0)


class ImportTest(ClusterTestCase):
    def test_old_export_does_not_bring_back_collected_entries(self):
        node = self.start_node("import", args=TTL)
        self.put_ok(node, "exp/gone", {"v": 1})
        self.put_ok(node, "exp/kept", {"v": 1})
        old = http_export(node)
        self.assertEqual(len(old.splitlines()), 2, old)
        self.assertEqual(node.delete("exp/gone")[0], 200)
        self.put_ok(node, "exp/kept", {"v": 2})
        wait_collected(node, 1)
        status, body = http_import(node, old)
        self.assertEqual(status, 200, body)
        self.assertEqual(node.get("exp/gone")[0], 404)
        self.assertEqual(node.get("exp/kept"), (200, {"v": 2}))
        self.assertGreaterEqual(metric(node, "p2p_updates_dropped_horizon_total"), 1)
        self.assertEqual([e["path"] for e in full_scan(node)], ["exp/kept"])
        # The same with the node stopped, through `p2p-node import`.
        self.assertEqual(node.stop(), 0, node.log_tail())
        r = cli("import", "--db", node.db, stdin=old)
        self.assertEqual(r.returncode, 0, r)
        node.start()
        self.assertEqual(node.get("exp/gone")[0], 404)
        self.assertEqual([e["path"] for e in full_scan(node)], ["exp/kept"])


class CatchUpWithinTtlTest(ClusterTestCase):
    def test_catch_up_within_the_ttl_sends_no_inventory(self):
        a, b = nodes = self.start_topology(2, [(0, 1)], "within", ["--tombstone-ttl", "10m"])
        for i in range(200):
            self.put_ok(a, f"w/k{i:03d}", {"pad": "p" * 100})
        wait_converged(nodes)
        self.assertEqual(b.stop(), 0)
        for i in range(0, 20):
            self.assertEqual(a.delete(f"w/k{i:03d}")[0], 200)
        before = metric(a, 'p2p_link_bytes_total{direction="sent"}')
        b.restart(same_port=True)
        wait_converged(nodes)
        sent = metric(a, 'p2p_link_bytes_total{direction="sent"}') - before
        self.assertEqual(metric(a, 'p2p_reconciliations_total{role="served"}'), 0)
        self.assertLess(sent, 20 * 200, f"catch-up of 20 deletes took {sent} bytes")


if __name__ == "__main__":
    unittest.main()
