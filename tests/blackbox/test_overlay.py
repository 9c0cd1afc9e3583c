"""Tree broadcast and peer exchange on real nodes: a network mixing --broadcast flood and tree
nodes converges, an older peer (a hello without `features`) is sent plain `changes` and none of
the new messages, a chain closes into a triangle by peer exchange, a killed middle node is routed
around (an overlay dial to an address learned from it), and a node restarted without --peer
links again from the addresses it kept in its db (/peers/passive)."""

import json

from cluster import CONVERGE_S, ClusterTestCase, link_to, peers, put_many, wait_converged
from harness import WORK, wait_until
from peer_client import OVERLAY_TYPES, SECRET, PeerClient, passive, write_secret

HEAL_S = 60  # deadline for an overlay dial to link (backoff, a loaded 2-core box)
DEADLINE_S = 10


def secret_args(*extra):
    return ["--secret-file", write_secret(WORK)] + list(extra)


def passive_urls(node):
    return {e["url"] for e in passive(node)}


def total(nodes, name):
    return sum(n.metrics().get(name, 0.0) for n in nodes)


class MixedNetworkTest(ClusterTestCase):
    def test_flood_and_tree_nodes_converge(self):
        a = self.start_node("flood-a", args=["--broadcast", "flood"])
        b = self.start_node("tree-b", peers=[a.url])
        c = self.start_node("tree-c", peers=[a.url, b.url])
        self.wait_links([a, b, c], [2, 2, 2])
        # a link is "tree" only when both ends speak it
        for node, remote, mode in ((b, c, "tree"), (c, b, "tree"), (b, a, "flood"), (c, a, "flood"),
                                   (a, b, "flood"), (a, c, "flood")):
            row = link_to(node, remote)
            self.assertEqual(row.get("broadcast"), mode, f"{node.name} -> {remote.name}: {row}")
        expected = {}
        for rnd in range(2):  # the second round runs over a tree pruned by the first
            for node in (a, b, c):
                items = [(f"mixed/{node.name}/{rnd}/{i}", {"n": i, "by": node.name}) for i in range(8)]
                put_many(node, items)
                expected.update(items)
            wait_converged([a, b, c], expected, what=f"round {rnd} on every node")
            if rnd == 0:
                # a's writes reach b both directly and through c (and c through b): a duplicate
                # payload on the b-c link makes one of them prune a's origin there
                wait_until(lambda: total([b, c], 'p2p_prunes_total{direction="sent"}') >= 1, 10,
                           what="a prune on the b-c link")
        self.assertGreaterEqual(total([b, c], 'p2p_announcements_total{direction="sent"}'), 1,
                                "the pruned b-c link carried no ids")
        m = a.metrics()  # the flood node is never sent ids, so it never grafts nor prunes
        for name in ('p2p_announcements_total{direction="received"}', 'p2p_grafts_total{direction="sent"}', 'p2p_prunes_total{direction="sent"}'):
            self.assertEqual(m.get(name), 0.0, f"{name} on the flood node: {m.get(name)}")

    def echo_back(self, node, p, path, write=True):
        """Writes path on node (if write), waits for it on p's link and sends it back as p's
        first run (a duplicate for the node), which the node acks."""
        if write:
            self.put_ok(node, path, {"echo": path})
        run = p.wait_for(lambda m: m.get("type") == "changes" and any(i["path"] == path for i in m["items"]))
        p.send({"type": "changes", "upto": 1, "items": [i for i in run["items"] if i["path"] == path]})
        p.wait_for(lambda m: m == {"type": "ack", "upto": 1})

    def test_older_peer_gets_plain_changes_and_no_overlay_frames(self):
        t = self.start_node("tree-t", args=secret_args("--min-links", "1", "--max-links", "1"))
        # a current peer, for contrast: it gets a sample; echoing the node's write back (a
        # duplicate payload) gets a prune of the node's origin, whose writes then come as ids
        new = PeerClient(t, secret=SECRET)
        self.addCleanup(new.close)
        new.wait_for("peers")
        self.echo_back(t, new, "old/first")
        self.assertEqual(new.first("prune")["origins"], [t.id])  # sent before the ack
        self.put_ok(t, "old/second", 2)
        run = new.wait_for(lambda m: m.get("type") == "changes" and "old/second" in json.dumps(m))
        self.assertEqual([i["path"] for i in run.get("ids", [])], ["old/second"], run)
        # an older node: no features. Two links are over --max-links 1: the node sheds the newest
        # inbound link that can learn other addresses -- the current peer, not the older one
        old = PeerClient(t, secret=SECRET, features=None)
        self.addCleanup(old.close)
        closed = new.drain(15)
        self.assertIn("shed", new.types(), f"the current peer was closed without a shed: {new.types()}")
        self.assertIn(closed.code, (1000, 1001, 1008, None), closed)
        self.echo_back(t, old, "old/first", write=False)  # a duplicate again: no prune this time
        written = [(f"old/from-node/{i}", {"i": i}) for i in range(20)]
        put_many(t, written)
        written += [("old/first", {"echo": "old/first"}), ("old/second", 2)]  # caught up, in full
        got = {}

        def all_arrived(msg):
            for m in [msg] + old.of_type("changes"):
                got.update((i["path"], i["value"]) for i in m.get("items", []) if m.get("type") == "changes")
            return all(got.get(p) == v for p, v in written)
        old.wait_for(all_arrived, 20)
        old.pump(1.5)  # anything else the node would send it
        self.assertEqual(old.of_type(*OVERLAY_TYPES), [], f"frames: {old.types()}")
        runs = old.of_type("changes")
        self.assertTrue(runs)
        self.assertEqual([m for m in runs if "ids" in m], [], "an older peer was sent ids")
        row = next((r for r in peers(t) if r.get("remote_id") == old.id), {})
        self.assertEqual((row.get("state"), row.get("broadcast")), ("up", "flood"), row)
        self.assertGreaterEqual(t.metrics()["p2p_sheds_total"], 1)
        self.assertTrue(t.serving())


class SelfHealingTest(ClusterTestCase):
    def chain(self, a_args=(), c_args=()):
        """a <- b <- c, one secret: b --peer a, c --peer b; waits for both links."""
        sec = write_secret(WORK)
        a = self.start_node("heal-a", args=["--secret-file", sec, *a_args])
        b = self.start_node("heal-b", args=["--secret-file", sec], peers=[a.url])
        self.wait_links([b], [1])
        c = self.start_node("heal-c", args=["--secret-file", sec, *c_args], peers=[b.url])
        wait_until(lambda: link_to(c, b) and link_to(b, c), CONVERGE_S, what="c linked to b")
        return a, b, c

    def test_chain_closes_into_a_triangle_by_peer_exchange(self):
        a, b, c = self.chain()  # --min-links 3 by default: each dials what it learns
        wait_until(lambda: link_to(c, a) and link_to(a, c), HEAL_S,
                   what=f"a link a-c from peer exchange; c: {peers(c)}")
        for row in (link_to(c, a), link_to(a, c)):
            self.assertIs(row.get("seed"), False, row)
        self.put_ok(a, "tri/x", "from a")
        self.wait_value([b, c], "tri/x", "from a")

    def test_killed_middle_node_is_routed_around(self):
        # a never dials (--min-links 0); c is content with one link until b dies
        a, b, c = self.chain(a_args=["--min-links", "0"], c_args=["--min-links", "1"])
        wait_until(lambda: a.url in passive_urls(c), 20,
                   what=f"c to learn a's address from b; c's passive view {passive(c)}")
        self.assertIsNone(link_to(c, a), "c dialled a while it had its minimum of links")
        dials_before = c.metrics()["p2p_overlay_dials_total"]
        b.kill9()
        self.put_ok(a, "heal/after-kill", {"from": "a"})
        self.wait_value([c], "heal/after-kill", {"from": "a"}, HEAL_S)
        row = link_to(c, a)
        self.assertEqual((row.get("direction"), row.get("seed")), ("out", False), row)
        m = c.metrics()
        self.assertGreaterEqual(m["p2p_overlay_dials_total"], max(1, dials_before + 1), m)
        self.put_ok(c, "heal/from-c", 2)
        self.wait_value([a], "heal/from-c", 2)


class PersistedViewTest(ClusterTestCase):
    def test_restart_without_peers_relinks_from_the_persisted_view(self):
        sec = write_secret(WORK)
        a = self.start_node("keep-a", args=["--secret-file", sec])
        b = self.start_node("keep-b", args=["--secret-file", sec], peers=[a.url])
        self.wait_links([b], [1])
        c = self.start_node("keep-c", args=["--secret-file", sec], peers=[b.url])
        wait_until(lambda: link_to(c, a) and link_to(c, b), HEAL_S, what=f"c linked to a and b; {peers(c)}")
        self.assertEqual(c.stop(), 0)  # SIGTERM: a clean close writes the view to the db
        c.args = ["--secret-file", sec]  # no --peer at all now
        c.restart()
        wait_until(lambda: passive(c), DEADLINE_S, what="addresses remembered after the restart")
        self.assertLessEqual(passive_urls(c), {a.url, b.url}, passive(c))
        wait_until(lambda: link_to(c, a) and link_to(c, b), HEAL_S,
                   what=f"c to link again to a and b; {peers(c)} passive {passive(c)}")
        for row in (link_to(c, a), link_to(c, b)):
            self.assertEqual((row.get("direction"), row.get("seed")), ("out", False), row)
        self.assertTrue(passive(c), "the passive view emptied after linking")
        self.put_ok(a, "keep/after-restart", "a")
        self.wait_value([c], "keep/after-restart", "a")
