"""A hand-made peer for the overlay and tree-broadcast tests: a WSClient that says hello (with
the cluster secret's auth when given), keeps every frame the node sends, answers its runs with
acks, and sends whatever it is told to, true or not. Also a counting TCP listener and the
node's process figures. Python 3 stdlib only."""
import hashlib, hmac, os, socket, threading, time

from ws_client import WSClient, WSClosed

DEADLINE = 10
SECRET = "overlay tests' shared secret"
OVERLAY_TYPES = ("graft", "prune", "peers", "shed", "payload")


def rand_id():
    return os.urandom(8).hex()


_last = [0]


def hlc_now():
    """Wall ms * 65536 + a counter, as a string of digits; unique per call."""
    _last[0] = max(_last[0] + 1, int(time.time() * 1000) << 16)
    return str(_last[0])


def mac(secret, role, ident, own_nonce, peer_nonce):
    msg = f"p2psync-auth-v1|{role}|{ident}|{own_nonce}|{peer_nonce}"
    return hmac.new(secret.encode(), msg.encode(), hashlib.sha256).hexdigest()


def write_secret(work, secret=SECRET):
    path = os.path.join(work, f"secret-{os.urandom(4).hex()}")
    with open(path, "w") as f:
        f.write(secret)
    return path


def item(path, value=None, origin=None, hlc=None):
    return {"path": path, "value": {"by": "peer"} if value is None else value,
            "hlc": hlc or hlc_now(), "origin": origin or rand_id()}


def item_id(path, origin=None, hlc=None):
    return {"path": path, "hlc": hlc or hlc_now(), "origin": origin or rand_id()}


class PeerClient:
    """One link to `node` at /p2p. features: the hello's list (None: no `features` field, an
    older node). secret: prove it as a dialling node does; sync: ask for the node's changes. Every received frame is kept in
    self.frames (parsed), in order; `changes` runs are acked when auto_ack."""

    def __init__(self, node, features=("peers", "tree"), secret=None, ident=None, advertise=None,
                 auto_ack=True, sync=True, timeout=DEADLINE, epoch=None):
        self.node, self.id, self.auto_ack = node, ident or rand_id(), auto_ack
        self.epoch = epoch or rand_id()
        self.ws = WSClient(node.host, node.port, timeout=timeout)
        self.frames, self.hello_from_node = [], None
        hello = {"type": "hello", "version": 1, "id": self.id, "epoch": self.epoch,
                 "now": int(time.time() * 1000)}
        if features is not None:
            hello["features"] = list(features)
        if advertise:
            hello["advertise"] = advertise
        theirs = self.next_frame(DEADLINE)  # the node says hello first
        assert theirs.get("type") == "hello" and theirs.get("id") == node.id, theirs
        self.hello_from_node = theirs
        nonce = os.urandom(16).hex() if secret is not None else None
        if nonce:
            hello["nonce"] = nonce
        self.send(hello)
        if secret is not None:
            auth = self.wait_for("auth")
            want = mac(secret, "accept", node.id, theirs["nonce"], nonce)
            assert auth.get("mac") == want, f"the node's auth {auth} is not {want}"
            self.send({"type": "auth", "mac": mac(secret, "dial", self.id, nonce, theirs["nonce"])})
        self.node_since = self.wait_for("sync")["since"]  # the node's checkpoint for our epoch
        if sync:  # "I hold nothing": the node streams its whole log, then keeps streaming
            self.send({"type": "sync", "since": 0})

    def send(self, obj):
        return self.ws.send_json(obj)

    def next_frame(self, timeout=DEADLINE):
        """The next frame (recorded); acks a `changes` run when auto_ack."""
        msg = self.ws.recv_json(timeout)
        self.frames.append(msg)
        if self.auto_ack and msg.get("type") == "changes":
            self.send({"type": "ack", "upto": msg["upto"]})
        return msg

    def _read_until(self, done, timeout, what):
        """Reads (recording) until done(frame) is true -> that frame; socket.timeout at the deadline."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise socket.timeout(what)
            msg = self.next_frame(left)
            if done(msg):
                return msg

    def wait_for(self, pred, timeout=DEADLINE):
        """Reads until a frame matches pred (a type name or a function) and returns it;
        AssertionError at the deadline or when the link closes first."""
        match = (lambda m: m.get("type") == pred) if isinstance(pred, str) else pred
        try:
            return self._read_until(match, timeout, pred)
        except socket.timeout:
            raise AssertionError(f"no frame matching {pred!r} within {timeout}s; "
                                 f"got {self.types()}") from None
        except WSClosed as closed:
            raise AssertionError(f"link closed ({closed}) before a frame matching {pred!r}; "
                                 f"got {self.types()}") from None

    def first(self, kind, timeout=DEADLINE):
        """The first frame of type `kind` received so far, or the next one."""
        return next((m for m in self.frames if m.get("type") == kind), None) or self.wait_for(kind, timeout)

    def pump(self, seconds):
        """Reads (and records, and acks) whatever comes for `seconds`; the link must stay open."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                self.next_frame(max(0.01, end - time.monotonic()))
            except socket.timeout:
                pass

    def drain(self, timeout):
        """Reads until the node closes the link -> WSClosed; AssertionError at the deadline."""
        try:
            self._read_until(lambda m: False, timeout, "close")
        except WSClosed as closed:
            return closed
        except socket.timeout:
            raise AssertionError(f"link still open after {timeout}s; got {self.types()}") from None

    def types(self):
        return [m.get("type") for m in self.frames]

    def of_type(self, *types):
        return [m for m in self.frames if m.get("type") in types]

    def close(self):
        self.ws.close()


class CountingListener:
    """A plain TCP listener on 127.0.0.1 that accepts, counts and at once closes every
    connection (a 'victim' that a node may be tricked into dialling)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.times, self._stop = [], False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.sock.settimeout(0.1)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.times.append(time.monotonic())
            conn.close()

    def count_since(self, t):
        return sum(1 for x in self.times if x >= t)

    def close(self):
        self._stop = True
        self.thread.join(5)
        self.sock.close()


def rss_kib(pid):
    """VmRSS of a process in KiB, from /proc."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


def passive(node):
    status, _, body = node.json_request("GET", "/peers/passive")
    assert status == 200, f"/peers/passive answered {status}: {body!r}"
    return body


def metric(node, name):
    return node.metrics().get(name, 0.0)
