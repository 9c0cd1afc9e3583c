"""Black-box harness for p2p-node: start launchers as child processes, talk HTTP/raw TCP/SSE,
and wait on conditions with deadlines. Python 3 stdlib only.

The launcher comes from $P2P_NODE: a path to an executable or a command line such as
`node /path/p2p-node.js` (split with shlex). Without it, build/p2p-node is tried, else the
tests are skipped. Set P2P_KEEP_TMP=1 to keep the temp dir (dbs and stderr logs).
"""
import atexit, http.client, itertools, json, os, queue, re, shlex, shutil, signal, ssl
import subprocess, tempfile, threading, time, unittest, urllib.parse

from wire import HTTP_TIMEOUT, RawConn, SSEClient, parse_response, raw_exchange  # noqa: F401 (re-exported)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BINARY = os.path.join(HERE, "..", "..", "build", "p2p-node")
LINE = re.compile(r"^listening on (https?)://(\[[^\]]+\]|[^:/ ]+):(\d+) id=([0-9a-fA-F]+)\s*$")
START_DEADLINE = 20
WORK = tempfile.mkdtemp(prefix="p2p-blackbox-")
_NODES = []
_names = itertools.count()


def launcher():
    cmd = os.environ.get("P2P_NODE")
    if cmd:  # nodes run with cwd=WORK, so relative paths (build/p2p-node) are made absolute
        return [os.path.abspath(a) if "/" in a and not a.startswith("/") and os.path.exists(a) else a
                for a in shlex.split(cmd)]
    if os.access(DEFAULT_BINARY, os.X_OK):
        return [os.path.abspath(DEFAULT_BINARY)]
    raise unittest.SkipTest("set P2P_NODE to the p2p-node launcher (no build/p2p-node found)")


def now_ms():
    return int(time.time() * 1000)


def api(path):
    """Target for /api/<path>, percent-encoding UTF-8 and reserved characters except '/'."""
    return "/api/" + urllib.parse.quote(path, safe="/")


def scan_target(prefix="", limit=None):
    return "/api/scan/" + urllib.parse.quote(prefix, safe="/") + ("" if limit is None else f"?limit={limit}")


def wait_until(fn, deadline_s=15, interval=0.02, what="condition"):
    """Polls fn until it returns something truthy and returns that; AssertionError on timeout."""
    end, last = time.monotonic() + deadline_s, None
    while True:
        last = fn()
        if last:
            return last
        if time.monotonic() >= end:
            raise AssertionError(f"timed out after {deadline_s}s waiting for {what}; last value {last!r}")
        time.sleep(interval)


def parse_json(body):
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise AssertionError(f"body is not JSON: {body[:200]!r}") from None


def parse_metrics(text):
    """Prometheus text -> {metric name: sum of its series' values}, plus each labelled series
    under its name and labels as the node writes them: 'p2p_link_bytes_total{direction="sent"}'."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if m and not line.startswith("#"):
            out[m.group(1)] = out.get(m.group(1), 0.0) + float(m.group(3))
            if m.group(2):
                out[m.group(1) + m.group(2)] = float(m.group(3))
    return out


def call(conn, method, target, body=None, headers=None):
    """One request on an http.client connection -> (status, lower-cased headers, body bytes)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    hdrs = dict(headers or {})
    if body is not None:
        hdrs.setdefault("Content-Type", "application/json")
    conn.request(method, target, body=body, headers=hdrs)
    resp = conn.getresponse()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()


class Node:
    """One launcher process with its own db under WORK. Use as a context manager or call cleanup()."""

    def __init__(self, name="node", args=(), peers=(), db=None, start=True):
        self.name = f"{name}-{next(_names)}"
        self.db = db or os.path.join(WORK, self.name)
        self.log = os.path.join(WORK, self.name + ".log")
        self.args = list(args) + [a for p in peers for a in ("--peer", p)]
        self.proc, self.host, self.port, self.id, self.extra_stdout = None, None, None, None, []
        self.scheme = "http"  # "https" when the launcher says so (--tls-cert)
        _NODES.append(self)
        if start:
            self.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    @property
    def url(self):
        return f"{self.scheme}://{self.host}:{self.port}"

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, deadline_s=START_DEADLINE, port=0):
        assert not self.running(), "already running"
        cmd = launcher() + ["--port", str(port), "--db", self.db] + self.args
        with open(self.log, "ab") as err:
            err.write(f"--- start {cmd}\n".encode())
            err.flush()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=err, cwd=WORK, start_new_session=True)
        first = queue.Queue()
        threading.Thread(target=self._read_stdout, args=(self.proc, first), daemon=True).start()
        try:
            line = first.get(timeout=deadline_s)
        except queue.Empty:
            line = None
        m = LINE.match(line.decode("utf-8", "replace").rstrip("\r\n")) if line else None
        if not m:
            self.kill9()
            raise RuntimeError(f"{self.name}: no 'listening on' line within {deadline_s}s "
                               f"(got {line!r}, rc={self.proc.returncode}); log tail:\n{self.log_tail()}")
        self.scheme, self.host, self.port, self.id = m.group(1), m.group(2).strip("[]"), int(m.group(3)), m.group(4)
        return self

    def _read_stdout(self, proc, first):
        with proc.stdout:
            line = proc.stdout.readline()
            first.put(line)  # b"" when the process exited without printing
            for rest in proc.stdout:
                self.extra_stdout.append(rest)

    def stop(self, sig=signal.SIGTERM, deadline_s=20):
        """Sends sig and waits for the exit; returns the exit code (AssertionError if it hangs)."""
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise AssertionError(f"{self.name} did not exit within {deadline_s}s of signal {sig}")

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: includes a wrapper's children
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=30)

    def restart(self, deadline_s=START_DEADLINE, same_port=False):
        """Starts again on the same db with the same args (on the same port if same_port,
        as peers dialling it need; else the port may change). Stop it first."""
        return self.start(deadline_s, self.port if same_port else 0)

    def cleanup(self):
        self.kill9()

    def log_tail(self, n=40):
        try:
            with open(self.log, "rb") as f:
                return b"".join(f.readlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""

    # ------------------------------------------------------------------ HTTP
    def connection(self, timeout=HTTP_TIMEOUT):
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=self.ssl_context())
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def ssl_context(self):
        """Verifies the node against the (self-signed) certificate it was started with (--tls-cert)."""
        ctx = ssl.create_default_context(cafile=self.args[self.args.index("--tls-cert") + 1])
        ctx.verify_flags &= ~getattr(ssl, "VERIFY_X509_STRICT", 0)  # a bare test cert lacks keyUsage
        return ctx

    def request(self, method, target, body=None, headers=None, timeout=HTTP_TIMEOUT):
        """One request on a fresh connection -> (status, headers, body bytes)."""
        conn = self.connection(timeout)
        try:
            return call(conn, method, target, body, headers)
        finally:
            conn.close()

    def json_request(self, method, target, body=None, headers=None):
        """-> (status, headers, parsed JSON body); AssertionError if the body is not JSON."""
        status, hdrs, data = self.request(method, target, body, headers)
        return status, hdrs, parse_json(data)

    def put(self, path, value):
        status, _, obj = self.json_request("PUT", api(path), json.dumps(value, ensure_ascii=False))
        return status, obj

    def get(self, path):
        status, _, obj = self.json_request("GET", api(path))
        return status, obj

    def delete(self, path):
        status, _, obj = self.json_request("DELETE", api(path))
        return status, obj

    def scan(self, prefix="", limit=None):
        status, _, obj = self.json_request("GET", scan_target(prefix, limit))
        return status, obj

    def metrics(self):
        status, _, body = self.request("GET", "/metrics")
        assert status == 200, f"/metrics answered {status}: {body[:200]!r}"
        return parse_metrics(body.decode("utf-8"))

    def serving(self):
        """A normal PUT and GET still work (used after every bad-input case)."""
        key = f"probe/{time.monotonic_ns()}"
        return self.put(key, {"ok": key})[0] == 200 and self.get(key) == (200, {"ok": key})


@atexit.register
def _cleanup_all():
    for node in _NODES:
        try:
            node.cleanup()
        except Exception:
            pass
    if not os.environ.get("P2P_KEEP_TMP"):
        shutil.rmtree(WORK, True)


class NodeTestCase(unittest.TestCase):
    """Base class: start_node() per test, class_node() per class; both are killed afterwards."""

    def start_node(self, name="node", args=(), **kw):
        node = Node(name, args, **kw)
        self.addCleanup(node.cleanup)
        return node

    @classmethod
    def class_node(cls, name="node", args=(), **kw):
        node = Node(name, args, **kw)
        cls.addClassCleanup(node.cleanup)
        return node

    def assert_json_error(self, status, obj, want):
        wants = want if isinstance(want, (tuple, list, set)) else (want,)
        self.assertIn(status, wants, f"body: {repr(obj)[:300]}")
        self.assertIsInstance(obj, dict)
        self.assertIsInstance(obj.get("error"), str, f"no 'error' string in {obj!r}")
