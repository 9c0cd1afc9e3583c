"""The ledger of a chaos run: every PUT and DELETE the writers sent, when, and how it ended.

An op is `acked` (200 with its timestamp), `unsure` (sent, but the connection died or the node
answered an error: it may or may not have landed) or a no-op (DELETE 404, not recorded).
After a kill and restart (or after a cluster converges) each path's stored state must be one
an acknowledged write allows:

- the acknowledged ops of a path that no other acknowledged op certainly supersedes: a larger
  timestamp; or the same timestamp from the same node, sent after it was answered (that
  node's clock orders them);
- or an unsure op that was not certainly over before one of those was sent (it may have been
  stamped later, and last-write-wins lets it win). "Certainly over before" means: same node and
  ended before the other started, or ended in an earlier wall-clock millisecond.

Nothing acknowledged is then lost when every path holds an allowed state. Stdlib only.
"""
import threading, time


class Op:
    __slots__ = ("path", "kind", "ident", "node", "start", "end", "wall_start", "wall_end",
                 "status", "ts", "origin", "hlc")

    def __init__(self, path, kind, ident, node):
        self.path, self.kind, self.ident, self.node = path, kind, ident, node
        self.start, self.wall_start = time.monotonic(), time.time() * 1000
        self.end = self.wall_end = None
        self.status, self.ts, self.origin, self.hlc = "sent", None, None, None

    def __repr__(self):
        return (f"{self.kind} {self.path} {self.ident} on {self.node[:8]} {self.status}"
                f" ts={self.ts}")


def certainly_before(a, b):
    """a ended before b started, so b cannot be stamped earlier than a."""
    if a.end >= b.start:
        return False
    return a.node == b.node or int(a.wall_end) < int(b.wall_start)


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_path = {}
        self.by_ident = {}
        self.counts = {"acked": 0, "unsure": 0, "noop": 0}
        self.landed = set()  # idents of unacknowledged PUTs seen stored

    def begin(self, path, kind, ident, node_id):
        op = Op(path, kind, ident, node_id)
        with self.lock:
            self.by_path.setdefault(path, []).append(op)
            if ident is not None:
                self.by_ident[ident] = op
        return op

    def finish(self, op, status, ts=None, origin=None, hlc=None):
        op.end, op.wall_end = time.monotonic(), time.time() * 1000
        op.status, op.ts, op.origin, op.hlc = status, ts, origin, hlc
        with self.lock:
            self.counts[status] += 1
            if status == "noop":
                self.by_path[op.path].remove(op)

    def allowed(self, path):
        """The ops whose result may be the path's state now (None stands for 'never written')."""
        ops = self.by_path.get(path, [])
        acked = [o for o in ops if o.status == "acked"]
        unsure = [o for o in ops if o.status in ("unsure", "sent")]

        if acked and all(o.hlc is not None for o in acked):
            # An answer carries the write's whole stamp: the winner is exactly the op with
            # the largest (hlc, origin), as last-write-wins picks it. (Without it, as from an
            # older node, only the millisecond is known: the rule below.)
            winner = max(acked, key=lambda o: (o.hlc, o.origin))
            return [winner] + [u for u in unsure if not certainly_before(u, winner)]
        # Below the largest timestamp every op is superseded; at it, only the same node's later ops.
        top = max((o.ts for o in acked), default=None)
        tied = [o for o in acked if o.ts == top]
        winners = [x for x in tied
                   if not any(y.node == x.node and x.end < y.start for y in tied)]
        if not winners:
            return [None] + unsure
        return winners + [u for u in unsure if not any(certainly_before(u, w) for w in winners)]

    def verify(self, live):
        """live: {path: scan entry} of one node -> (problems, how many paths hold a value whose
        PUT was never acknowledged). No problems: nothing acknowledged is lost."""
        problems, landed = [], 0
        with self.lock:
            paths = set(self.by_path) | set(live)
            for path in sorted(paths):
                entry = live.get(path)
                allowed = self.allowed(path)
                if entry is None:
                    ok = any(o is None or o.kind == "del" for o in allowed)
                else:
                    value = entry.get("value")
                    ident = (value.get("w"), value.get("n")) if isinstance(value, dict) else None
                    op = self.by_ident.get(ident)
                    ok = op is not None and op in allowed and op.kind == "put"
                    if ok and op.status == "acked":
                        ok = (entry.get("timestamp"), entry.get("origin")) == (op.ts, op.origin)
                    elif ok and ident not in self.landed:
                        self.landed.add(ident)
                        landed += 1
                if not ok:
                    problems.append(f"{path}: holds {entry!r}, but the acknowledged history allows "
                                    f"only {allowed[:4]!r}")
        return problems, landed
