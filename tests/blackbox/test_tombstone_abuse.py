"""A peer that knows the cluster secret against tombstone collection's messages (protocol/WIRE.md,
`reconcile`, `reconciled`, `horizon`; README "Deletes and tombstones"), on a node started with
`--tombstone-ttl 1s`:

- lying reconciliations (a page out of order, paths that do not ascend or fall outside the
  page's range, a horizon far ahead, pages sent without waiting, a `horizon` before any page or
  not the pages', a `reconciled` never asked for) close the link with an `error` naming the
  problem and a 1008, remove nothing of the node's data, and leave the node serving HTTP and
  accepting a new link;
- a well-formed reconciliation removes exactly the unlisted entries older than the page's
  horizon (subscribers see deletes), and the node adopts the horizon;
- after that, an update older than the horizon for a path the node does not hold is dropped,
  counted, and deleted again just past its stamp, which the node streams to its peers;
- a peer whose hello does not list "reconcile" is never sent `reconcile` or `horizon`, and still
  gets the data; one that lists it gets the page before the first run, then the horizon.

The lying pages below would remove data if the node applied them: horizon = now, so every entry
the node holds is older, and its range covers the node's data with no path listed."""
import json, time

from harness import WORK, NodeTestCase, SSEClient, now_ms, wait_until
from peer_client import SECRET, PeerClient, item, rand_id, write_secret
from ws_client import TEXT, WSClient

DEADLINE = 10
TTL = ["--tombstone-ttl", "1s"]
FEATURES = ("peers", "tree", "reconcile")
N_DATA = 50


def hlc_of_ms(ms):
    """An HLC stamp (wall ms * 65536) as the wire sends it: a string of digits."""
    return str(int(ms) << 16)


def ms_of_hlc(stamp):
    return int(stamp) >> 16


def page(horizon, after, through=None, paths=(), end=False):
    m = {"type": "reconcile", "horizon": horizon, "after": after, "paths": list(paths)}
    if end:
        m["end"] = True
    else:
        m["through"] = through
    return m


def burst(p, frames):
    """All frames in one write: the node reads them before it can answer any."""
    p.ws.send_raw(b"".join(WSClient.frame(TEXT, json.dumps(f).encode()) for f in frames))


def metric(node, name):
    return node.metrics().get(name, 0.0)


def horizon_ms(node_or_metrics):
    """p2p_tombstone_horizon_timestamp_seconds in ms (the wall-clock ms of the horizon)."""
    m = node_or_metrics if isinstance(node_or_metrics, dict) else node_or_metrics.metrics()
    return round(m.get("p2p_tombstone_horizon_timestamp_seconds", 0) * 1000)


def changed_items(p):
    """Every item of every `changes` run the peer received: path -> the last one."""
    out = {}
    for run in p.of_type("changes"):
        for i in run.get("items", []):
            out[i["path"]] = i
    return out


class TombstoneAbuseBase(NodeTestCase):
    def victim(self):
        return self.start_node("tomb", args=["--secret-file", write_secret(WORK), *TTL])

    def peer(self, node, **kw):
        kw.setdefault("features", FEATURES)
        p = PeerClient(node, secret=SECRET, **kw)
        self.addCleanup(p.close)
        return p

    def full_scan(self, node):
        status, rows = node.scan("", 10000)
        self.assertEqual(status, 200, rows)
        return rows

    def fill(self, node, prefix="data/", n=N_DATA):
        for i in range(n):
            self.assertEqual(node.put(f"{prefix}k{i:03d}", {"i": i})[0], 200)
        rows = self.full_scan(node)
        self.assertEqual(len(rows), n)
        return rows

    def assert_closed(self, p, want, timeout=DEADLINE):
        """The node sends an error naming `want` and closes the link with 1008."""
        closed = p.drain(timeout)
        errors = p.of_type("error")
        self.assertTrue(errors and want in errors[-1].get("message", ""),
                        f"errors {errors}, want {want!r}; frames {p.types()}")
        self.assertEqual(closed.code, 1008, closed)
        return errors[-1]["message"]

    def assert_new_link_works(self, node):
        """A new link is accepted, and a run on it is applied and acked. The store handles the
        run after anything the closed link had asked of it, so the scan that follows sees all."""
        p = self.peer(node, sync=False)
        good = item(f"after/{rand_id()}", value="fine", origin=p.id)
        p.send({"type": "changes", "upto": 1, "items": [good]})
        p.wait_for(lambda m: m == {"type": "ack", "upto": 1})
        self.assertEqual(node.get(good["path"]), (200, "fine"))
        p.close()
        return good["path"]

    def assert_nothing_removed(self, node, before, p, want, frames=None):
        """Sends `frames` (all at once), expects the close naming `want`, then: the data is
        untouched, nothing was counted removed, the node serves HTTP and takes a new link."""
        if frames:
            burst(p, frames)
        message = self.assert_closed(p, want)
        extra = self.assert_new_link_works(node)
        after = [r for r in self.full_scan(node) if r["path"] != extra]
        self.assertEqual(after, before, "the lying peer's frames removed data")
        self.assertEqual(metric(node, "p2p_reconcile_removed_total"), 0)
        self.assertEqual(horizon_ms(node), 0, "a lying peer's horizon was adopted")
        self.assertEqual(node.request("GET", "/health")[0], 200)
        self.assertTrue(node.serving(), "a PUT and GET failed")
        return message


class LyingReconcileTest(TombstoneAbuseBase):
    """Each case on a node holding 50 entries written over HTTP before it."""

    def setUp(self):
        self.node = self.victim()
        self.fill(self.node)

    @property
    def before(self):
        """The full scan as the case starts (a case's subtests leave their probes behind)."""
        return self.full_scan(self.node)

    def test_page_out_of_order(self):
        p = self.peer(self.node, sync=False)
        now = hlc_of_ms(now_ms())
        before = self.before
        # ("", "a"] holds nothing of the node's: harmless, and applied. The next page skips
        # ("a", "b"] and claims ("b", ...) to the end holds nothing.
        p.send(page(now, "", "a"))
        p.wait_for(lambda m: m == {"type": "reconciled"})
        self.assert_nothing_removed(self.node, before, p, "reconcile page out of order", [
            page(now, "b", end=True)])

    def test_page_with_another_horizon_than_the_first(self):
        p = self.peer(self.node, sync=False)
        now = now_ms()
        self.assert_nothing_removed(self.node, self.before, p, "reconcile page out of order", [
            page(hlc_of_ms(now - 1000), "", "a"), page(hlc_of_ms(now), "a", end=True)])

    def test_page_after_the_end(self):
        p = self.peer(self.node, sync=False)
        now = hlc_of_ms(now_ms())
        # The first page lists everything (removes nothing) and ends the reconciliation; a page
        # that goes on after the end (from "cz", to the end, listing nothing) must be refused.
        self.assert_nothing_removed(self.node, self.before, p, "reconcile page out of order", [
            page(now, "", end=True, paths=[r["path"] for r in self.before]),
            page(now, "cz", end=True)])

    def test_paths_not_ascending(self):
        p = self.peer(self.node, sync=False)
        self.assert_nothing_removed(self.node, self.before, p, "must ascend", [
            page(hlc_of_ms(now_ms()), "", end=True, paths=["data/k010", "data/k001"])])

    def test_duplicate_path(self):
        p = self.peer(self.node, sync=False)
        self.assert_nothing_removed(self.node, self.before, p, "must ascend", [
            page(hlc_of_ms(now_ms()), "", end=True, paths=["data/k001", "data/k001"])])

    def test_path_outside_the_range(self):
        for name, bad in (("past through", page(hlc_of_ms(now_ms()), "", "data/k010", ["data/k020"])),
                          ("at after", page(hlc_of_ms(now_ms()), "data/k000", "data/k099", ["data/k000"])),
                          ("before after", page(hlc_of_ms(now_ms()), "data/k010", "data/k099", ["data/k005"]))):
            with self.subTest(name):
                p = self.peer(self.node, sync=False)
                self.assert_nothing_removed(self.node, self.before, p, "must ascend", [bad])

    def test_range_backwards(self):
        p = self.peer(self.node, sync=False)
        self.assert_nothing_removed(self.node, self.before, p, "'through' must be a path past 'after'", [
            page(hlc_of_ms(now_ms()), "data/k099", "data/k000")])

    def test_horizon_far_in_the_future(self):
        p = self.peer(self.node, sync=False)
        self.assert_nothing_removed(self.node, self.before, p, "a horizon ahead of our clock", [
            page(hlc_of_ms(now_ms() + 3600 * 1000), "", end=True)])

    def test_horizon_message_far_in_the_future(self):
        p = self.peer(self.node, sync=False)
        self.assert_nothing_removed(self.node, self.before, p, "a horizon ahead of our clock", [
            {"type": "horizon", "horizon": hlc_of_ms(now_ms() + 3600 * 1000)}])

    # "More than 4 pages unanswered close the link" counts, at the node, the pages it has not
    # applied and answered yet: a node that applies a page before the next one is read has
    # none waiting. So a burst of only 5 pages is a race (measured: about half the runs the
    # node answers all 5, as it may); a flood of FLOOD pages in one write reliably finds
    # more than 4 waiting (measured: closed after at most 12 answers in 1,000 pages).
    FLOOD = 200

    def test_pages_without_waiting(self):
        p = self.peer(self.node, sync=False)
        now = hlc_of_ms(now_ms())
        # Chained pages over ranges below the data ("a00000" < ... < "data/"), harmless, then
        # one that would remove everything to the end: the link closes before it is applied.
        bounds = [""] + [f"a{i:05d}" for i in range(self.FLOOD)]
        chain = [page(now, bounds[i], bounds[i + 1]) for i in range(self.FLOOD)]
        self.assert_nothing_removed(self.node, self.before, p, "too many reconcile pages unacknowledged",
                                    chain + [page(now, bounds[-1], end=True)])
        self.assertLess(len(p.of_type("reconciled")), self.FLOOD)

    def test_restarting_pages_without_waiting(self):
        p = self.peer(self.node, sync=False)
        now = hlc_of_ms(now_ms())
        # `after:""` restarts a reconciliation; a restart must not reset the count of pages
        # the node has not answered yet (WIRE.md: more than 4 unanswered close the link), or a
        # liar queues pages without bound. The last page would remove everything.
        self.assert_nothing_removed(self.node, self.before, p, "too many reconcile pages unacknowledged",
                                    [page(now, "", "a")] * self.FLOOD + [page(now, "", end=True)])
        self.assertLess(len(p.of_type("reconciled")), self.FLOOD)

    def test_horizon_before_any_page(self):
        p = self.peer(self.node, sync=False)
        self.assert_nothing_removed(self.node, self.before, p, "a horizon before its reconciliation ended", [
            {"type": "horizon", "horizon": hlc_of_ms(now_ms())}])

    def test_horizon_before_the_last_page(self):
        p = self.peer(self.node, sync=False)
        now = hlc_of_ms(now_ms())
        p.send(page(now, "", "a"))
        p.wait_for(lambda m: m == {"type": "reconciled"})
        self.assert_nothing_removed(self.node, self.before, p, "a horizon before its reconciliation ended", [
            {"type": "horizon", "horizon": now}])

    def test_horizon_other_than_the_pages(self):
        p = self.peer(self.node, sync=False)
        now = now_ms()
        paths = [r["path"] for r in self.before]  # lists everything: removes nothing
        p.send(page(hlc_of_ms(now - 60000), "", end=True, paths=paths))
        p.wait_for(lambda m: m == {"type": "reconciled"})
        self.assert_nothing_removed(self.node, self.before, p, "a horizon other than its reconcile pages'", [
            {"type": "horizon", "horizon": hlc_of_ms(now)}])

    def test_reconciled_out_of_the_blue(self):
        # The node serves a page only to a peer that speaks "reconcile" and asks by sync: this
        # one never asked, so it was sent none.
        p = self.peer(self.node, sync=False)
        self.assert_nothing_removed(self.node, self.before, p, "acknowledged a reconcile page it was not sent", [
            {"type": "reconciled"}])
        self.assertEqual(p.of_type("reconcile"), [])


class ReconcileTest(TombstoneAbuseBase):
    def reconcile_from_peer(self, node):
        """t/a..t/e written, then (once they are over a second old) t/f; a peer's one page,
        horizon = now - 1 s, lists t/b and t/d. -> (peer, horizon, SSE subscriber)."""
        stamps = {}
        for name in "abcde":
            status, body = node.put(f"t/{name}", {"v": name})
            self.assertEqual(status, 200, body)
            stamps[name] = int(body["hlc"])
        oldest_allowed = max(stamps.values()) >> 16
        wait_until(lambda: now_ms() > oldest_allowed + 1200, 5, what="the writes a second old")
        status, body = node.put("t/f", {"v": "f"})
        self.assertEqual(status, 200, body)
        stamps["f"] = int(body["hlc"])
        sse = SSEClient(node, "t/")
        self.addCleanup(sse.close)
        self.assertEqual(sse.status, 200)
        sse.wait_comment()
        horizon = hlc_of_ms(now_ms() - 1000)
        self.assertTrue(max(stamps[n] for n in "abcde") < int(horizon) < stamps["f"], (stamps, horizon))
        p = self.peer(node, sync=False)
        p.send(page(horizon, "", end=True, paths=["t/b", "t/d", "t/x"]))  # t/x: held there only
        p.wait_for(lambda m: m == {"type": "reconciled"})
        return p, horizon, sse

    def test_well_formed_reconciliation_removes_the_unlisted_old_entries(self):
        node = self.victim()
        p, horizon, sse = self.reconcile_from_peer(node)
        self.assertEqual(sorted(r["path"] for r in self.full_scan(node)), ["t/b", "t/d", "t/f"])
        for name in "ace":
            self.assertEqual(node.get(f"t/{name}")[0], 404, f"t/{name} is still there")
        self.assertEqual(node.get("t/x")[0], 404, "a listed path it never held appeared")
        m = node.metrics()
        self.assertEqual(m.get("p2p_reconcile_removed_total"), 3, m)
        # Each removed value is deleted just past its stamp, so that copies handed out earlier
        # go too: three tombstones (the node's collector takes them later).
        self.assertEqual(m.get("p2p_tombstones", 0) + m.get("p2p_tombstones_collected_total", 0), 3, m)
        self.assertEqual(horizon_ms(m), 0, "adopted before the horizon message")
        # Subscribers see each removal as a delete (value null).
        deletes = set()
        while len(deletes) < 3:
            ev = sse.next_event(DEADLINE)["data"]
            self.assertIsNone(ev["value"], f"an event other than a delete: {ev}")
            deletes.add(ev["path"])
        self.assertEqual(deletes, {"t/a", "t/c", "t/e"})
        # The horizon: adopted, the link stays up.
        p.send({"type": "horizon", "horizon": horizon})
        wait_until(lambda: horizon_ms(node) == ms_of_hlc(horizon), DEADLINE,
                   what=f"the horizon (ms) == {ms_of_hlc(horizon)}")
        self.assertEqual(metric(node, 'p2p_reconciliations_total{role="made"}'), 1)
        p.send({"type": "changes", "upto": 1, "items": [item("t/new", value=1, origin=p.id)]})
        p.wait_for(lambda m: m == {"type": "ack", "upto": 1})
        self.assertEqual(node.get("t/new"), (200, 1))
        self.assertEqual(p.of_type("error"), [])

    def adopted(self, node):
        """reconcile_from_peer, then its `horizon`, adopted. -> (peer, horizon)."""
        p, horizon, _ = self.reconcile_from_peer(node)
        p.send({"type": "horizon", "horizon": horizon})
        wait_until(lambda: horizon_ms(node) == ms_of_hlc(horizon), DEADLINE,
                   what="the horizon adopted")
        return p, horizon

    def test_update_below_the_adopted_horizon_is_dropped_and_deleted_again(self):
        node = self.victim()
        p, horizon = self.adopted(node)
        collected0 = metric(node, "p2p_tombstones_collected_total")
        self.assertEqual(collected0, 0, "this node deleted nothing itself")
        # A second peer (an older node: no features), fed the node's log.
        old = self.peer(node, features=None)
        old.wait_for(lambda m: m.get("type") == "changes" and "t/f" in changed_items(old))
        stale = item("t/ghost", value={"resurrected": True}, origin=rand_id(),
                     hlc=str(int(horizon) - (5000 << 16)))
        old.send({"type": "changes", "upto": 1, "items": [stale]})
        old.wait_for(lambda m: m == {"type": "ack", "upto": 1})
        self.assertEqual(node.get("t/ghost")[0], 404, "an update below the horizon was stored")
        self.assertEqual(metric(node, "p2p_updates_dropped_horizon_total"), 1)
        # The same from the peer it adopted the horizon of: its reconciliation is over, so its
        # updates are checked against the horizon again.
        stale2 = item("t/ghost2", value=2, origin=p.id, hlc=str(int(horizon) - 1))
        p.send({"type": "changes", "upto": 1, "items": [stale2]})
        p.wait_for(lambda m: m == {"type": "ack", "upto": 1})
        self.assertEqual(node.get("t/ghost2")[0], 404, "an update below the horizon was stored")
        self.assertEqual(metric(node, "p2p_updates_dropped_horizon_total"), 2)
        # Each was deleted again just past its stamp: a tombstone below the horizon (held until
        # the linked peers have been sent it, then collected). Nothing else here was ever
        # deleted, so the tombstones are those two and the reconciliation's three.
        wait_until(lambda: metric(node, "p2p_tombstones_collected_total")
                   + metric(node, "p2p_tombstones") == 5, 15, interval=0.05,
                   what="the two re-deletes written")
        self.assertEqual(node.get("t/ghost")[0], 404)
        # An update above the horizon for a new path is stored as ever.
        fresh = item("t/fresh", value=3, origin=rand_id())
        old.send({"type": "changes", "upto": 2, "items": [fresh]})
        old.wait_for(lambda m: m == {"type": "ack", "upto": 2})
        self.assertEqual(node.get("t/fresh"), (200, 3))
        self.assertEqual(metric(node, "p2p_updates_dropped_horizon_total"), 2)

    def test_re_delete_below_the_horizon_is_streamed_to_linked_peers(self):
        # README: a dropped update "that came from a peer is deleted again just past its stamp,
        # so that nodes which still hold it ... converge on its absence". The peer that sent it
        # holds it: the node's next runs to it must carry that delete.
        node = self.victim()
        _, horizon = self.adopted(node)
        old = self.peer(node, features=None)  # an older node, fed the node's log
        old.wait_for(lambda m: m.get("type") == "changes" and "t/f" in changed_items(old))
        stale = item("t/ghost", value={"resurrected": True}, origin=rand_id(),
                     hlc=str(int(horizon) - (5000 << 16)))
        old.send({"type": "changes", "upto": 1, "items": [stale]})
        old.wait_for(lambda m: m == {"type": "ack", "upto": 1})
        self.assertEqual(metric(node, "p2p_updates_dropped_horizon_total"), 1)
        run = old.wait_for(lambda m: m.get("type") == "changes" and "t/ghost" in changed_items(old))
        tomb = next(i for i in run["items"] if i["path"] == "t/ghost")
        self.assertEqual((tomb["value"], int(tomb["hlc"]), tomb["origin"]),
                         (None, int(stale["hlc"]) + 1, node.id), tomb)


class FeatureGateTest(TombstoneAbuseBase):
    def node_with_a_horizon(self):
        node = self.victim()
        for i in range(5):
            self.assertEqual(node.put(f"keep/{i}", {"i": i})[0], 200)
        self.assertEqual(node.put("gone/x", 1)[0], 200)
        self.assertEqual(node.delete("gone/x")[0], 200)
        wait_until(lambda: horizon_ms(node) > 0, 15, interval=0.05,
                   what="the delete collected (a horizon)")
        return node

    def sync_all(self, p, want):
        p.wait_for(lambda m: m.get("type") == "changes" and want <= set(changed_items(p)))

    def round_trip(self, p, node):
        """A run of ours, acked: the node handled our acks before it (a link is ordered), so
        anything it sends for them (a `horizon`, once the runs are acked) came before."""
        mine = item(f"rt/{rand_id()}", value=1, origin=p.id)
        p.send({"type": "changes", "upto": 1, "items": [mine]})
        p.wait_for(lambda m: m == {"type": "ack", "upto": 1})
        self.assertEqual(node.get(mine["path"]), (200, 1))

    def test_no_reconcile_to_a_peer_without_the_feature(self):
        node = self.node_with_a_horizon()
        want = {f"keep/{i}" for i in range(5)}
        for name, features in (("no features field", None), ("peers and tree", ("peers", "tree"))):
            with self.subTest(name):
                p = self.peer(node, features=features)  # sync since 0: "I hold nothing"
                self.sync_all(p, want)
                # A page would have come before the first run (WIRE.md); the horizon once the
                # runs are acked (the round trip makes sure it would have come by now).
                self.round_trip(p, node)
                sent = p.types()
                for kind in ("reconcile", "horizon", "reconciled", "error"):
                    self.assertNotIn(kind, sent, f"sent {kind} to a peer without the feature: {sent}")
                got = changed_items(p)
                self.assertEqual({k: v["value"] for k, v in got.items() if k in want},
                                 {f"keep/{i}": {"i": i} for i in range(5)})
                p.close()

    def test_a_peer_with_the_feature_syncing_from_nothing_gets_the_horizon(self):
        # It holds nothing, so it has nothing to remove: no page (WIRE.md), only the horizon
        # once it has applied the runs.
        node = self.node_with_a_horizon()
        want = {f"keep/{i}" for i in range(5)}
        p = self.peer(node, auto_ack=True)
        self.sync_all(p, want)
        self.round_trip(p, node)
        self.assertEqual(p.of_type("reconcile"), [], "a page to a node that holds nothing")
        (h,) = p.of_type("horizon")
        self.assertEqual(ms_of_hlc(h["horizon"]), horizon_ms(node))
        self.assertEqual(p.of_type("error"), [])
