"""Catch-up: a node that was down, partitioned or new converges when it (re)connects, without
any new write, and the bytes that takes grow with what it missed, not with the store's size."""
import shutil, threading, unittest

from cluster import ClusterTestCase, chain, link_to, parallel, put_many, spread_writes, wait_converged
from harness import now_ms, wait_until

PAD = "p" * 200


class RestartCatchUpTest(ClusterTestCase):
    def test_stopped_node_catches_up_writes_overwrites_and_deletes(self):
        n0, n1, n2 = nodes = self.start_topology(3, chain(3), "down")  # n1 dials n0, n2 dials n1
        expected = {f"down/k{i:03d}": {"v": 0, "pad": PAD} for i in range(300)}
        put_many(n2, sorted(expected.items()))  # written at the far end: n0 gets them relayed
        wait_converged(nodes, expected)
        first_sync_bytes = n0.metrics()['p2p_link_bytes_total{direction="received"}']
        self.assertEqual(n0.stop(), 0, n0.log_tail())  # n0 is inbound-only: n1 must redial it
        for i in range(0, 30, 3):
            self.put_ok(n1, f"down/k{i:03d}", {"v": 1})  # overwrites of keys n0 has
            expected[f"down/k{i:03d}"] = {"v": 1}
            self.assertEqual(n2.delete(f"down/k{i + 1:03d}")[0], 200)  # deletes of keys n0 has
            del expected[f"down/k{i + 1:03d}"]
            self.put_ok(n2, f"down/new{i:03d}", i)
            expected[f"down/new{i:03d}"] = i
        wait_converged([n1, n2], expected)
        n0.restart(same_port=True)
        scan = wait_converged(nodes, expected, what="n0 to catch up with no new writes")
        self.assertEqual(len(scan), 300)
        for i in range(1, 30, 3):
            self.assertEqual(n0.get(f"down/k{i:03d}")[0], 404)
        missed_bytes = n0.metrics()['p2p_link_bytes_total{direction="received"}']
        self.assertLess(missed_bytes, first_sync_bytes / 4,
                        f"catch-up of 30 changes took {missed_bytes} bytes; the first sync of 300 took "
                        f"{first_sync_bytes}: catch-up must grow with what was missed, not the store")

    def test_node_back_through_a_different_peer_gets_only_what_it_missed(self):
        n0, n1, n2 = nodes = self.start_topology(3, [(0, 1), (0, 2)], "moved")  # n1, n2 dial n0
        expected = {f"moved/k{i:03d}": {"v": 0, "pad": PAD} for i in range(300)}
        put_many(n0, sorted(expected.items()))
        wait_converged(nodes, expected)
        first_sync_bytes = n2.metrics()['p2p_link_bytes_total{direction="received"}']
        self.assertEqual(n2.stop(), 0, n2.log_tail())
        for i in range(0, 300, 30):  # 10 changes while n2 is away
            self.put_ok(n0, f"moved/k{i:03d}", {"v": 1})
            expected[f"moved/k{i:03d}"] = {"v": 1}
        wait_converged([n0, n1], expected)
        n2.args = ["--peer", n1.url]  # back, linked to n1 instead of n0: no checkpoint for it
        n2.restart(same_port=True)
        wait_converged(nodes, expected, what="n2 to catch up through its new peer")
        got = n2.metrics()['p2p_link_bytes_total{direction="received"}']
        self.assertLess(got, first_sync_bytes / 4,
                        f"catch-up of 10 changes through a new peer took {got} bytes; the first "
                        f"sync of 300 took {first_sync_bytes}")
        self.assertGreaterEqual(n1.metrics()['p2p_sketch_sync_attempts_total{result="ok"}'], 1)

    def test_node_with_a_wiped_db_but_the_same_id_gets_its_own_writes_back(self):
        n0, n1 = nodes = self.start_topology(2, [(0, 1)], "wiped")  # n1 dials n0
        expected = {f"wiped/k{i}": i for i in range(20)}
        put_many(n0, sorted(expected.items()))  # n0 is the origin of all of them
        wait_converged(nodes, expected)
        self.assertEqual(n0.stop(), 0, n0.log_tail())
        shutil.rmtree(n0.db)
        n0.args += ["--id", n0.id]  # same node id, new database (new epoch)
        n0.restart(same_port=True)
        wait_converged(nodes, expected, what="n0 to get its own writes back")

    def test_node_restored_from_a_copy_of_its_db_converges(self):
        """A db copied while its node was stopped, and put back later, keeps its epoch but holds
        a shorter log than peers' checkpoints for that epoch say: what it writes next must still
        reach them, and it must get back what it wrote after the copy."""
        n0, n1 = nodes = self.start_topology(2, [(0, 1)], "restored")  # n1 dials n0
        expected = {f"restored/a{i}": i for i in range(5)}
        put_many(n0, sorted(expected.items()))
        wait_converged(nodes, expected)
        self.assertEqual(n0.stop(), 0, n0.log_tail())
        backup = n0.db + ".copy"
        shutil.copytree(n0.db, backup)
        n0.restart(same_port=True)
        later = {f"restored/b{i:02d}": i for i in range(20)}  # n1's checkpoint moves past the copy
        put_many(n0, sorted(later.items()))
        expected.update(later)
        wait_converged(nodes, expected)
        self.assertEqual(n0.stop(), 0, n0.log_tail())
        shutil.rmtree(n0.db)
        shutil.copytree(backup, n0.db)
        n0.restart(same_port=True)
        for i in range(3):  # seqs the copy reuses: under n1's checkpoint
            self.put_ok(n0, f"restored/after{i}", i)
            expected[f"restored/after{i}"] = i
        wait_converged(nodes, expected, what="the restored node and its peer to agree")

    def test_delete_made_while_node_was_down_is_caught_up(self):
        n0, n1, n2 = nodes = self.start_topology(3, chain(3), "deldown")
        for key in ("deldown/a", "deldown/b", "deldown/c"):
            self.put_ok(n0, key, key)
        wait_converged(nodes, {"deldown/a": "deldown/a", "deldown/b": "deldown/b", "deldown/c": "deldown/c"})
        self.assertEqual(n2.stop(), 0, n2.log_tail())  # n2 dials n1: it redials on restart
        self.assertEqual(n0.delete("deldown/b")[0], 200)
        self.assertEqual(n1.delete("deldown/c")[0], 200)
        wait_converged([n0, n1], {"deldown/a": "deldown/a"})
        n2.restart(same_port=True)
        self.wait_absent([n2], "deldown/b")
        self.wait_absent([n2], "deldown/c")
        wait_converged(nodes, {"deldown/a": "deldown/a"})
        self.assertTrue(link_to(n2, n1))


class NewNodeTest(ClusterTestCase):
    def test_new_node_joining_gets_all_100_entries(self):
        nodes = self.start_topology(3, chain(3), "join")
        items = [(f"join/k{i:03d}", {"i": i}) for i in range(110)]
        spread_writes(nodes, items, threads_per_node=1)
        for i in range(100, 110):  # tombstones too: they must not show up on the new node
            self.assertEqual(nodes[i % 3].delete(f"join/k{i:03d}")[0], 200)
        expected = dict(items[:100])
        wait_converged(nodes, expected)
        newcomer = self.start_node("join-new", peers=[nodes[1].url])
        scan = wait_converged(nodes + [newcomer], expected, what="the new node to get all 100 entries")
        self.assertEqual(len(scan), 100)
        self.assertEqual({e["origin"] for e in scan}, {n.id for n in nodes})
        self.assertEqual(newcomer.get("join/k105")[0], 404)


class PartitionTest(ClusterTestCase):
    def test_partition_heals_and_last_write_wins(self):
        a, b, c = nodes = self.start_topology(3, chain(3), "part")  # b dials a, c dials b
        self.put_ok(a, "part/base", 0)
        wait_converged(nodes, {"part/base": 0})
        self.assertEqual(b.stop(), 0, b.log_tail())
        expected, acks = {"part/base": 0}, {}
        for i in range(10):
            self.put_ok(a, f"part/a{i}", i)
            self.put_ok(c, f"part/c{i}", i)
            expected[f"part/a{i}"] = expected[f"part/c{i}"] = i
        for i in range(6):  # the same keys on both sides; the second write is clearly later
            first, second = (a, c) if i % 2 == 0 else (c, a)
            ack = self.put_ok(first, f"part/shared{i}", {"by": first.name, "order": 1})
            # the second write must be later in wall time: wait for the clock to pass the first
            wait_until(lambda: now_ms() > ack["timestamp"], 5, what="the clock to move on")
            acks[i] = self.put_ok(second, f"part/shared{i}", {"by": second.name, "order": 2})
            expected[f"part/shared{i}"] = {"by": second.name, "order": 2}
        self.put_ok(c, "part/base", "c wins")  # an overwrite on one side only
        expected["part/base"] = "c wins"
        b.restart(same_port=True)
        scan = wait_converged(nodes, expected, what="the partition to heal")
        by_path = {e["path"]: e for e in scan}
        for i, ack in acks.items():
            self.assertEqual(by_path[f"part/shared{i}"]["timestamp"], ack["timestamp"])
            self.assertEqual(by_path[f"part/shared{i}"]["origin"], ack["origin"])


class LiveCatchUpTest(ClusterTestCase):
    def test_catch_up_while_live_writes_hit_the_same_keys(self):
        n0, n1, n2 = nodes = self.start_topology(3, chain(3), "live")  # n2 catches up from n1
        self.assertEqual(n2.stop(), 0, n2.log_tail())
        keys = [f"live/k{i:04d}" for i in range(2000)]
        expected = {k: {"v": "missed", "pad": PAD * 5} for k in keys}  # ~2 MB to catch up
        spread_writes([n0], sorted(expected.items()), threads_per_node=4)
        wait_converged([n0, n1], expected)
        rounds, first_round, restarted = 8, threading.Event(), threading.Event()

        def live(node, offset):  # n1 writes on the catch-up link itself, n0 two hops away
            for r in range(rounds):
                put_many(node, [(k, {"v": f"live{r}", "by": node.name}) for k in keys[offset::20]])
                first_round.set()
            restarted.wait(60)  # and a last round surely after the restart
            put_many(node, [(k, {"v": f"live{rounds}", "by": node.name}) for k in keys[offset::20]])

        def restart_during_live_writes():
            first_round.wait(60)
            n2.restart(same_port=True)
            restarted.set()

        parallel(lambda fn, *args: fn(*args), [(live, n1, 0), (live, n0, 10), (restart_during_live_writes,)])
        for k in keys[0::20]:
            expected[k] = {"v": f"live{rounds}", "by": n1.name}
        for k in keys[10::20]:
            expected[k] = {"v": f"live{rounds}", "by": n0.name}
        scan = wait_converged(nodes, expected, what="catch-up and live writes to converge")
        self.assertEqual(len(scan), 2000)
        self.assertTrue(link_to(n2, n1), "n2's link to n1 is up")


if __name__ == "__main__":
    unittest.main()
