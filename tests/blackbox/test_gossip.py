"""Peer links and gossip: writes spread over WebSocket links to every node of a partially
connected network, links report their state, and a restarted node gets its links back."""
import threading, unittest

from cluster import (CONVERGE_S, ClusterTestCase, chain, degrees, full_scan, link_to, mesh, parallel,
                     peers, random_graph, ring, spread_writes, wait_converged, wait_link_counter)
from harness import SSEClient, wait_until


class TwoNodesTest(ClusterTestCase):
    def test_write_on_either_reaches_the_other(self):
        a, b = self.start_topology(2, [(0, 1)], "pair")  # b dials a
        ack = self.put_ok(a, "pair/from-a", {"by": "a"})
        self.wait_value([b], "pair/from-a", {"by": "a"})
        self.put_ok(b, "pair/from-b", [1, "b"])
        self.wait_value([a], "pair/from-b", [1, "b"])
        scan = wait_converged([a, b], {"pair/from-a": {"by": "a"}, "pair/from-b": [1, "b"]})
        entry = next(e for e in scan if e["path"] == "pair/from-a")
        self.assertEqual((entry["timestamp"], entry["origin"]), (ack["timestamp"], a.id))

    def test_peers_shows_direction_state_and_remote_id(self):
        a, b = self.start_topology(2, [(0, 1)], "peers")
        (out,) = peers(b)
        self.assertEqual((out["direction"], out["state"], out["connected"]), ("out", "up", True), out)
        self.assertEqual(out["url"], a.url)
        self.assertEqual(out["remote_id"], a.id)
        self.assertGreaterEqual(out["connects"], 1)
        (inb,) = peers(a)
        self.assertEqual((inb["direction"], inb["state"], inb["connected"]), ("in", "up", True), inb)
        self.assertEqual(inb["remote_id"], b.id)
        self.assertIn("address", inb)
        for p in (out, inb):
            self.assertLessEqual({"updates_sent", "updates_received", "connects", "last_error"}, set(p), p)

    def test_metrics_counters_move(self):
        a, b = self.start_topology(2, [(0, 1)], "metrics")
        before = b.metrics()
        self.assertGreaterEqual(before['p2p_link_state_changes_total{state="up"}'], 1)
        for i in range(5):
            self.put_ok(a, f"metrics/{i}", i)
        wait_converged([a, b], {f"metrics/{i}": i for i in range(5)})
        grown = lambda m: m if m["p2p_updates_applied_total"] >= before["p2p_updates_applied_total"] + 5 else None
        m = wait_until(lambda: grown(b.metrics()), what="p2p_updates_applied_total on b to grow by 5")
        self.assertGreaterEqual(m["p2p_updates_received_total"], before["p2p_updates_received_total"] + 5)
        self.assertGreater(m['p2p_link_bytes_total{direction="received"}'], before['p2p_link_bytes_total{direction="received"}'])
        self.assertGreater(a.metrics()['p2p_link_bytes_total{direction="sent"}'], 0)
        self.assertGreater(a.metrics()["p2p_updates_forwarded_total"], 0)

    def test_peers_link_counters_count_updates(self):
        a, b = self.start_topology(2, [(0, 1)], "counters")
        for i in range(5):
            self.put_ok(a, f"counters/{i}", i)
        wait_converged([a, b], {f"counters/{i}": i for i in range(5)})
        wait_link_counter(b, a, "updates_received", 5)
        wait_link_counter(a, b, "updates_sent", 5)


class ChainTest(ClusterTestCase):
    def test_chain_end_to_end_both_ways_and_forwarded(self):
        n1, n2, n3 = self.start_topology(3, chain(3), "chain")  # n2 dials n1, n3 dials n2
        self.assertEqual(link_to(n2, n1)["direction"], "out")
        self.assertEqual(link_to(n2, n3)["direction"], "in")
        self.assertIsNone(link_to(n1, n3))
        self.put_ok(n1, "chain/near", "from n1")
        self.wait_value([n2, n3], "chain/near", "from n1")
        self.put_ok(n3, "chain/far", {"from": "n3"})
        self.wait_value([n2, n1], "chain/far", {"from": "n3"})
        wait_converged([n1, n2, n3], {"chain/near": "from n1", "chain/far": {"from": "n3"}})
        m = n2.metrics()
        self.assertGreaterEqual(m["p2p_updates_forwarded_total"], 2, m)
        self.assertGreaterEqual(n3.metrics()["p2p_updates_received_total"], 1)

    def test_delete_on_one_node_removes_key_everywhere(self):
        nodes = self.start_topology(3, chain(3), "del")
        self.put_ok(nodes[0], "del/x", {"doomed": True})
        self.put_ok(nodes[0], "del/keep", 1)
        self.wait_value(nodes, "del/x", {"doomed": True})
        status, body = nodes[2].delete("del/x")  # deleted at the far end
        self.assertEqual(status, 200, body)
        self.wait_absent(nodes, "del/x")
        wait_converged(nodes, {"del/keep": 1})

    def test_events_subscriber_at_far_end_sees_near_change(self):
        n1, n2, n3 = self.start_topology(3, chain(3), "ev")
        sse = SSEClient(n3, "ev/far")
        self.addCleanup(sse.close)
        self.assertEqual(sse.status, 200)
        sse.wait_comment()
        ack = self.put_ok(n1, "ev/far/x", {"hello": "n3"})
        data = sse.next_event(CONVERGE_S)["data"]
        self.assertEqual({k: data.get(k) for k in ("path", "value", "timestamp", "origin")},
                         {"path": "ev/far/x", "value": {"hello": "n3"}, "timestamp": ack["timestamp"], "origin": n1.id})


class TopologyTest(ClusterTestCase):
    def check_writes_converge(self, n, edges, name, count=200):
        nodes = self.start_topology(n, edges, name)
        items = [(f"{name}/k{i:03d}", {"i": i, "s": "x" * (i % 7)}) for i in range(count)]
        acks = [a for acks in spread_writes(nodes, items) for a in acks]
        self.assertEqual(len(acks), count)
        expected = dict(items)
        scan = wait_converged(nodes, expected, what=f"{n} nodes to hold the {count} writes")
        self.assertEqual([e["path"] for e in scan], sorted(expected))
        origins = {e["origin"] for e in scan}
        self.assertEqual(origins, {node.id for node in nodes}, "every node wrote some keys")
        for node in nodes:  # no link dropped on the way
            self.assertEqual(len([p for p in peers(node) if p["state"] == "up"]), degrees(n, edges)[nodes.index(node)])

    def test_ring_of_5_converges(self):
        self.check_writes_converge(5, ring(5), "ring")

    def test_random_graph_of_8_converges(self):
        edges = random_graph(8, 3, seed=20261125)
        self.check_writes_converge(8, edges, "graph")


class ConflictTest(ClusterTestCase):
    def test_concurrent_writes_to_one_key_converge_to_one_value(self):
        nodes = self.start_topology(4, mesh(4), "race")
        rounds, barrier = 5, threading.Barrier(4)

        def write(i, r):
            barrier.wait(30)
            return self.put_ok(nodes[i], "race/k", {"node": i, "round": r})

        for r in range(rounds):
            acks = parallel(write, [(i, r) for i in range(4)])
            scan = wait_converged(nodes, what=f"round {r}: one value for race/k everywhere")
            entry = next(e for e in scan if e["path"] == "race/k")
            self.assertIn(entry["value"], [{"node": i, "round": r} for i in range(4)], entry)
            self.assertEqual(entry["timestamp"], max(a["timestamp"] for a in acks),
                             f"the winner must have the newest timestamp: {entry} vs {acks}")
            winner = acks[entry["value"]["node"]]
            self.assertEqual((entry["origin"], entry["timestamp"]), (winner["origin"], winner["timestamp"]))
            self.assertEqual(len({n.get("race/k")[1]["node"] for n in nodes}), 1)

    def test_concurrent_put_and_delete_converge(self):
        nodes = self.start_topology(3, chain(3), "pd")
        for r in range(5):
            self.put_ok(nodes[0], "pd/k", {"round": r})
            self.wait_value(nodes, "pd/k", {"round": r})
            barrier = threading.Barrier(2)

            def put():
                barrier.wait(30)
                return self.put_ok(nodes[0], "pd/k", {"round": r, "again": True})

            def delete():
                barrier.wait(30)
                return nodes[2].delete("pd/k")

            parallel(lambda fn: fn(), [(put,), (delete,)])
            wait_converged(nodes, what=f"round {r}: put and delete to converge")
            self.assertEqual(len({n.get("pd/k")[0] for n in nodes}), 1, "GET agrees everywhere")


class RestartTest(ClusterTestCase):
    def test_restarted_node_gets_links_back_and_syncs(self):
        n1, n2, n3 = self.start_topology(3, chain(3), "restart")  # n2: out to n1, in from n3
        self.put_ok(n1, "restart/before", 1)
        wait_converged([n1, n2, n3], {"restart/before": 1})
        connects_before = link_to(n3, n2)["connects"]
        self.assertEqual(n2.stop(), 0, n2.log_tail())
        wait_until(lambda: link_to(n1, n2) is None and link_to(n3, n2) is None, CONVERGE_S,
                   what="n1 and n3 to see the link to n2 down")
        n2.restart(same_port=True)
        self.wait_links([n1, n2, n3], [1, 2, 1])
        self.assertEqual((link_to(n1, n2)["direction"], link_to(n3, n2)["direction"]), ("in", "out"))
        self.assertEqual((link_to(n2, n1)["direction"], link_to(n2, n3)["direction"]), ("out", "in"))
        self.assertGreater(link_to(n3, n2)["connects"], connects_before)
        self.put_ok(n1, "restart/after-n1", "a")
        self.put_ok(n3, "restart/after-n3", "c")
        self.put_ok(n2, "restart/after-n2", "b")
        wait_converged([n1, n2, n3], {"restart/before": 1, "restart/after-n1": "a",
                                      "restart/after-n3": "c", "restart/after-n2": "b"})
        self.assertGreaterEqual(n1.metrics()['p2p_link_state_changes_total{state="up"}'], 2)
        self.assertGreaterEqual(n1.metrics()['p2p_link_state_changes_total{state="down"}'], 1)
        self.assertEqual(len(full_scan(n2)), 4)


if __name__ == "__main__":
    unittest.main()
