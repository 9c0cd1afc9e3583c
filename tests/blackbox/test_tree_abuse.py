"""A lying peer that knows the cluster secret against the tree-broadcast and peer-exchange
messages: ids announced and never sent, grafts for ids the node never had, runs piling up
unacknowledged, floods of addresses and shuffles, a victim's address repeated, prunes over the
limit. Each ends in a clear error (and a 1008 close) or a bounded effect; nothing of it is
stored, and the node keeps serving (/health, a PUT and GET)."""
import json, time

from harness import WORK, NodeTestCase, wait_until
from peer_client import (SECRET, CountingListener, PeerClient, item, item_id, metric, passive,
                         rand_id, rss_kib, write_secret)

DEADLINE = 10
GRAFT_GIVE_UP_S = 10  # a grafted id still missing this long closes the link


def as_id(entry):
    return {"path": entry["path"], "hlc": str(entry["hlc"]), "origin": entry["origin"]}


class TreeAbuseTest(NodeTestCase):
    def victim(self, *extra):
        return self.start_node("abused", args=["--secret-file", write_secret(WORK), *extra])

    def peer(self, node, **kw):
        p = PeerClient(node, secret=SECRET, **kw)
        self.addCleanup(p.close)
        return p

    def assert_serving(self, node, absent=()):
        self.assertEqual(node.request("GET", "/health")[0], 200)
        self.assertTrue(node.serving(), "a PUT and GET failed")
        for path in absent:
            self.assertEqual(node.get(path)[0], 404, f"{path} was stored")

    def assert_closed(self, p, want, timeout=DEADLINE):
        """The node sends an error naming `want` and closes with 1008."""
        closed = p.drain(timeout)
        errors = p.of_type("error")
        self.assertTrue(errors and want in errors[-1].get("message", ""), f"errors {errors}, want {want!r}")
        self.assertEqual(closed.code, 1008, closed)
        return closed

    def assert_link_works(self, p, node, upto):
        """A valid run from the peer is applied and acked: the link is still up."""
        good = item(f"abuse/ok/{rand_id()}", value="fine", origin=p.id)
        p.send({"type": "changes", "upto": upto, "items": [good]})
        p.wait_for(lambda m: m == {"type": "ack", "upto": upto})
        self.assertEqual(node.get(good["path"]), (200, "fine"))

    # ------------------------------------------------------------------ announcements and grafts
    def test_announced_id_never_sent_is_grafted_then_the_link_closes(self):
        node = self.victim()
        p = self.peer(node)
        ghost = item_id("ghost/never-sent")
        p.send({"type": "changes", "upto": 1, "items": [], "ids": [ghost]})
        graft = p.wait_for("graft", 5)
        self.assertIn(ghost, [as_id(i) for i in graft["items"]], graft)
        grafted_at = time.monotonic()
        self.assert_closed(p, "did not send when asked", GRAFT_GIVE_UP_S + 10)
        waited = time.monotonic() - grafted_at
        self.assertGreater(waited, GRAFT_GIVE_UP_S - 1, "closed before the graft's 10 s were up")
        self.assertLess(waited, 15, "a grafted id missing for 15 s still held the link")
        self.assertGreaterEqual(metric(node, 'p2p_grafts_total{direction="sent"}'), 1)
        self.assert_serving(node, ["ghost/never-sent"])
        wait_until(lambda: not [r for r in node.json_request("GET", "/peers")[2] if r.get("remote_id") == p.id],
                   DEADLINE, what="the closed link gone from /peers")
        # The run was acknowledged (flow control), but the checkpoint did not pass the
        # missing id: the same peer coming back is asked for everything again.
        again = self.peer(node, ident=p.id, epoch=p.epoch)
        self.assertEqual(again.node_since, 0, "the checkpoint passed an update the node lacks")

    def test_announced_id_sent_when_grafted_is_acked(self):
        node = self.victim()
        p = self.peer(node)
        full = item("lazy/sent", value={"v": 1})
        p.send({"type": "changes", "upto": 1, "items": [], "ids": [as_id(full)]})
        graft = p.wait_for("graft", 5)
        self.assertEqual([as_id(i) for i in graft["items"]], [as_id(full)])
        if {"type": "ack", "upto": 1} not in p.frames:  # flow control goes on
            p.wait_for(lambda m: m == {"type": "ack", "upto": 1})
        p.send({"type": "payload", "items": [full]})
        wait_until(lambda: node.get("lazy/sent") == (200, {"v": 1}), DEADLINE, what="the grafted value stored")
        self.assertEqual(metric(node, 'p2p_announcements_total{direction="received"}'), 1)
        # Held now: the checkpoint moves past the run (written once the id is held).
        p.close()
        wait_until(lambda: not [r for r in node.json_request("GET", "/peers")[2] if r.get("remote_id") == p.id],
                   DEADLINE, what="the closed link gone from /peers")
        again = self.peer(node, ident=p.id, epoch=p.epoch)
        self.assertEqual(again.node_since, 1, "the checkpoint did not move once the id was held")

    def test_too_many_runs_waiting_for_announced_ids_close_the_link(self):
        node = self.victim()
        p = self.peer(node)
        for upto in range(1, 5):  # a sender's window (4 runs) may wait
            p.send({"type": "changes", "upto": upto, "items": [], "ids": [item_id(f"pile/{upto}")]})
        p.wait_for("graft", 5)  # still open: the node grafts what it lacks
        for upto in range(5, 66):  # past the limit (32 runs kept at most)
            p.send({"type": "changes", "upto": upto, "items": [], "ids": [item_id(f"pile/{upto}")]})
        self.assert_closed(p, "too many runs")
        # Acks stop once 16 acknowledged runs still wait for their ids (backpressure).
        self.assertLessEqual(len(p.of_type("ack")), 16)
        self.assert_serving(node, ["pile/1", "pile/64", "pile/65"])

    def test_graft_for_unknown_id_gets_no_payload_and_keeps_the_link(self):
        node = self.victim()
        p = self.peer(node)
        self.assertEqual(node.put("known/x", {"k": 1})[0], 200)
        run = p.wait_for(lambda m: m.get("type") == "changes" and any(i["path"] == "known/x" for i in m["items"]))
        known = as_id(next(i for i in run["items"] if i["path"] == "known/x"))
        before = metric(node, 'p2p_grafts_total{direction="received"}')
        unknown = [item_id("nope/never"), item_id("nope/other", origin=node.id)]
        p.send({"type": "graft", "items": unknown})
        p.send({"type": "graft", "items": [known]})  # answered: the frames are handled in order
        answer = p.wait_for("payload")
        self.assertEqual([as_id(i) for i in answer["items"]], [known], answer)
        self.assertEqual(answer["items"][0]["value"], {"k": 1})
        p.send({"type": "graft", "items": [item_id("nope/third")]})
        self.assert_link_works(p, node, 1)
        payloads = [i["path"] for m in p.of_type("payload") for i in m["items"]]
        self.assertEqual(payloads, ["known/x"], "answered a graft for an id it never had")
        self.assertEqual(metric(node, 'p2p_grafts_total{direction="received"}') - before, 4)
        self.assert_serving(node, ["nope/never", "nope/other", "nope/third"])

    # ------------------------------------------------------------------ peer exchange
    def test_bad_peers_frames_close_the_link(self):
        node = self.victim()
        many = [{"url": f"http://127.0.0.1:{10000 + i}"} for i in range(33)]
        bad_urls = ["ftp://127.0.0.1:1", "http://127.0.0.1:99999", "http://127.0.0.1",
                    "http://" + "a" * 300 + ":1", "http://u@127.0.0.1:1", 42]
        cases = [("33 addresses", many, "more than 32")] + [(f"url {u!r}"[:40], [{"url": u}], "") for u in bad_urls]
        for name, addrs, want in cases:
            with self.subTest(name):
                p = self.peer(node)
                p.send({"type": "peers", "reply": True, "addresses": addrs})
                self.assert_closed(p, want)
                self.assertEqual(passive(node), [], "a refused frame's addresses were learned")
        p = self.peer(node)  # 32 is fine
        p.send({"type": "peers", "reply": False, "addresses": many[:32]})
        wait_until(lambda: len(passive(node)) == 32, DEADLINE, what="32 addresses learned")
        self.assert_link_works(p, node, 1)
        self.assert_serving(node)

    def test_ten_thousand_advertised_addresses_stay_bounded(self):
        node = self.victim()  # --min-links 3: it dials learned addresses
        p = self.peer(node)
        dials_before, start = metric(node, "p2p_overlay_dials_total"), time.monotonic()
        for f in range(400):  # 25 distinct addresses a frame; nothing listens on 127.10/16 port 1
            p.send({"type": "peers", "reply": False,
                    "addresses": [{"url": f"http://127.10.{n // 250}.{n % 250 + 1}:1", "id": rand_id()}
                                  for n in range(f * 25, f * 25 + 25)]})
        largest = 0
        while time.monotonic() < start + 5:
            largest = max(largest, len(passive(node)), metric(node, "p2p_overlay_passive"))
            time.sleep(0.1)  # sampling a window, not waiting on a condition
        dials = metric(node, "p2p_overlay_dials_total") - dials_before
        self.assertEqual(metric(node, 'p2p_shuffles_total{direction="received"}'), 400)
        self.assertLessEqual(largest, 64, "passive view over 64 entries")
        self.assert_serving(node)
        self.assert_link_works(p, node, 1)
        self.assertLess(dials, 30, f"{dials:.0f} overlay dials within 5 s of 10,000 unreachable addresses "
                                   f"(min-links 3, 2 dials at a time, backoff from 1 s per address)")

    def test_advertised_victim_is_dialled_within_the_backoff(self):
        node = self.victim()
        target = CountingListener()
        self.addCleanup(target.close)
        p = self.peer(node)
        start = time.monotonic()
        while time.monotonic() < start + 12:  # the victim's URL ten times a second
            p.send({"type": "peers", "reply": False, "addresses": [{"url": target.url}]})
            p.pump(0.1)
        early, late = target.count_since(start) - target.count_since(start + 6), target.count_since(start)
        self.assertGreaterEqual(early, 1, "the node never dialled a learned address")
        # backoff 1 s, 2 s, 4 s, 8 s (+-25%): at most 4 dials in 6 s and 5 in 12 s
        self.assertLessEqual(early, 4, f"dial times {[round(t - start, 2) for t in target.times]}")
        self.assertLessEqual(late, 5, f"the repeated address reset the backoff: dial times "
                                      f"{[round(t - start, 2) for t in target.times]}")
        self.assert_serving(node)

    def test_shuffle_flood_is_answered_about_once_a_second(self):
        node = self.victim()
        p = self.peer(node)
        p.wait_for("peers")  # the sample a newcomer gets
        own = p.hello_from_node["advertise"]
        frame = json.dumps({"type": "peers", "reply": True, "addresses": [{"url": own, "id": node.id}] * 32})
        rss0, seen = rss_kib(node.proc.pid), len(p.frames)
        start = time.monotonic()
        for _ in range(2000):
            p.ws.send_text(frame)
        wait_until(lambda: metric(node, 'p2p_shuffles_total{direction="received"}') >= 2000, 30, what="2,000 shuffles read")
        p.pump(2)
        elapsed = time.monotonic() - start
        answers = [m for m in p.frames[seen:] if m.get("type") == "peers" and m.get("reply") is False]
        self.assertGreaterEqual(len(answers), 1, "a shuffle was never answered")
        self.assertLessEqual(len(answers), int(elapsed) + 1, f"{len(answers)} answers in {elapsed:.1f} s")
        grown = rss_kib(node.proc.pid) - rss0
        self.assertLess(grown, 8 * 1024, f"VmRSS grew {grown} KiB over 2,000 shuffles")
        rss1 = rss_kib(node.proc.pid)
        for _ in range(3):  # more of the same: no growth per burst
            for _ in range(2000):
                p.ws.send_text(frame)
            p.pump(1)
        wait_until(lambda: metric(node, 'p2p_shuffles_total{direction="received"}') >= 8000, 30, what="8,000 shuffles read")
        self.assertLess(rss_kib(node.proc.pid) - rss1, 4 * 1024, "VmRSS keeps growing with shuffles")
        self.assertEqual(passive(node), [], "learned its own address")
        self.assertEqual(metric(node, "p2p_overlay_dials_total"), 0, "dialled its own address")
        self.assert_link_works(p, node, 1)
        self.assert_serving(node)

    # ------------------------------------------------------------------ prune
    def test_prune_over_the_limit_closes_and_a_valid_prune_keeps_the_link(self):
        node = self.victim()
        for name, origins, want in (("5,000 origins", [rand_id() for _ in range(5000)], "more than 2048"),
                                    ("not hex", ["not-a-node"], "node ids"), ("a number", [7], "node ids"),
                                    ("not an array", "abc", "array")):
            with self.subTest(name):
                p = self.peer(node)
                p.send({"type": "prune", "origins": origins})
                self.assert_closed(p, want)
        p = self.peer(node)
        before = metric(node, 'p2p_prunes_total{direction="received"}')
        p.send({"type": "prune", "origins": [node.id] + [rand_id() for _ in range(2047)]})  # at the limit
        wait_until(lambda: metric(node, 'p2p_prunes_total{direction="received"}') - before == 2048, DEADLINE,
                   what="2048 pruned origins counted")
        # the node's own writes now go to us as ids only; a graft fetches one
        self.assertEqual(node.put("pruned/x", {"p": 1})[0], 200)
        run = p.wait_for(lambda m: m.get("type") == "changes" and "pruned/x" in json.dumps(m))
        self.assertEqual([i["path"] for i in run["items"]], [], run)
        (announced,) = [i for i in run.get("ids", []) if i["path"] == "pruned/x"]
        self.assertEqual(announced["origin"], node.id)
        p.send({"type": "graft", "items": [announced]})
        answer = p.wait_for("payload")
        self.assertEqual([(i["path"], i["value"]) for i in answer["items"]], [("pruned/x", {"p": 1})])
        self.assert_link_works(p, node, 1)
        self.assert_serving(node)
