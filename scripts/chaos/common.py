"""Shared by the chaos scripts: the black-box harness (imported, not copied), writer threads
that record every PUT and DELETE in a Ledger, and reading a node's full scan."""
import http.client, json, os, random, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "blackbox"))

import cluster  # noqa: E402  (tests/blackbox)
import harness  # noqa: E402

from ledger import Ledger  # noqa: E402,F401

SHARED_KEYS = 16
OWN_KEYS = 20


def live_map(node):
    """{path: entry} of node's full scan (no tombstones)."""
    return {e["path"]: e for e in cluster.full_scan(node)}


class Writer(threading.Thread):
    """PUTs and DELETEs on its own paths (w<id % 100>/<k>: a trial's writers get ids
    trial*100 + i, so values stay unique and paths do not pile up) and on shared ones (s/<k>) through one
    keep-alive connection, until stopped. On a dead connection the op is unsure; then the
    writer waits for `node.running()` again (cluster trials restart its node) unless
    `stop_on_error`."""

    def __init__(self, wid, node, ledger, rnd, stop, stop_on_error=True, pad_max=200):
        super().__init__(daemon=True)
        self.wid, self.node, self.ledger, self.rnd, self.stop = wid, node, ledger, rnd, stop
        self.stop_on_error, self.pad_max = stop_on_error, pad_max
        self.seq, self.errors = 0, 0

    def run(self):
        conn = None
        while not self.stop.is_set():
            if conn is None:
                if not self.node.running():
                    time.sleep(0.02)
                    continue
                conn = http.client.HTTPConnection(self.node.host, self.node.port, timeout=30)
                try:
                    conn.connect()  # a refused connect is no op: nothing was sent
                except OSError:
                    conn = None
                    time.sleep(0.02)
                    continue
            try:
                self.one(conn)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = None
                self.errors += 1
                if self.stop_on_error:
                    return
        if conn is not None:
            conn.close()

    def one(self, conn):
        r = self.rnd
        path = (f"s/{r.randrange(SHARED_KEYS)}" if r.random() < 0.25
                else f"w{self.wid % 100}/{r.randrange(OWN_KEYS)}")
        node_id = self.node.id
        if r.random() < 0.7:
            self.seq += 1
            ident = (self.wid, self.seq)
            value = {"w": self.wid, "n": self.seq, "pad": "x" * r.randrange(self.pad_max)}
            op = self.ledger.begin(path, "put", ident, node_id)
            method, body = "PUT", json.dumps(value)
        else:
            op = self.ledger.begin(path, "del", None, node_id)
            method, body = "DELETE", None
        try:
            status, _, data = harness.call(conn, method, harness.api(path), body)
        except BaseException:
            self.ledger.finish(op, "unsure")
            raise
        if status == 200:
            reply = json.loads(data)
            hlc = int(reply["hlc"]) if "hlc" in reply else None
            self.ledger.finish(op, "acked", reply["timestamp"], reply.get("origin", node_id), hlc)
        elif status == 404 and method == "DELETE":
            self.ledger.finish(op, "noop")
        else:  # an error answer should change nothing; counted as unsure all the same
            self.ledger.finish(op, "unsure")


def start_writers(count, node_of, ledger, rnd, stop, first_id=0, **kw):
    """count writers; writer i writes to node_of(i). Ids are unique over a run (first_id)."""
    ws = [Writer(first_id + i, node_of(i), ledger, random.Random(rnd.random()), stop, **kw)
          for i in range(count)]
    for w in ws:
        w.start()
    return ws


def join_all(writers, deadline_s=60):
    end = time.monotonic() + deadline_s  # one deadline for all of them
    for w in writers:
        w.join(max(0, end - time.monotonic()))
    hung = [w.wid for w in writers if w.is_alive()]
    if hung:
        raise AssertionError(f"writers {hung} did not stop within {deadline_s}s")


def report(name, ok, figures):
    """One summary line chaos.sh collects: NAME: PASS|FAIL key=value ..."""
    line = f"{name}: {'PASS' if ok else 'FAIL'} " + " ".join(f"{k}={v}" for k, v in figures.items())
    print(line, flush=True)
    return 0 if ok else 1


def run_main(name, main):
    """Exits with main()'s status; a node that would not start or converge is a FAIL line too."""
    try:
        raise SystemExit(main())
    except (AssertionError, RuntimeError, OSError) as e:
        print(e, flush=True)
        raise SystemExit(report(name, False, {"error": type(e).__name__}))
