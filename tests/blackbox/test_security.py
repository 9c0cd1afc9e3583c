"""Security: the cluster secret (an HMAC-SHA256 challenge-response on /p2p), the bearer token on
the HTTP API (--token-file, --token-reads), bad security config stopping the launcher, and the
warning for a node listening beyond loopback without a secret."""
import hashlib, hmac, json, os, signal, socket, subprocess, time

from cluster import ClusterTestCase, link_to, peers
from harness import WORK, NodeTestCase, api, launcher, parse_json, wait_until
from test_lying_peer import DEADLINE, LiarMixin, changes, hello, item, rand_id
from ws_client import WSClient, WSClosed

SECRET, TOKEN = "correct horse battery staple", "t0k3n-5ecret"
REFUSED_S = 30  # deadline for a refused link to show its error after a few dial attempts


def write_file(text, name="secret"):
    path = os.path.join(WORK, f"{name}-{os.urandom(4).hex()}")
    with open(path, "w") as f:
        f.write(text)
    return path


def secret_args(secret):
    return ["--secret-file", write_file(secret)] if secret is not None else []


def proof(secret, role, ident, own_nonce, peer_nonce):
    """The auth mac `ident` (whose hello carried own_nonce) gives to a peer whose hello carried
    peer_nonce; role is "dial" when the prover dialled the link, else "accept"."""
    msg = f"p2psync-auth-v1|{role}|{ident}|{own_nonce}|{peer_nonce}"
    return hmac.new(secret.encode(), msg.encode(), hashlib.sha256).hexdigest()


def run_launcher(args, deadline_s=20):
    """Runs the launcher on a fresh db -> (exit code, stdout, stderr); kills it at the deadline."""
    cmd = launcher() + ["--port", "0", "--db", os.path.join(WORK, "cfg-" + rand_id())] + list(args)
    proc = subprocess.Popen(cmd, cwd=WORK, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=deadline_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError(f"launcher still running after {deadline_s}s: {cmd}") from None
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def log_text(node):
    with open(node.log, encoding="utf-8", errors="replace") as f:
        return f.read().lower()


def send(node, method, target, token=None, body=None):
    """-> (status, lower-cased headers, body bytes); an SSE stream's body is not read."""
    conn = node.connection()
    try:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, target, body=None if body is None else json.dumps(body), headers=headers)
        resp = conn.getresponse()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        streaming = "text/event-stream" in hdrs.get("content-type", "")
        return resp.status, hdrs, b"" if streaming else resp.read()
    finally:
        conn.close()


class SecretLinkTest(ClusterTestCase):
    def secret_node(self, name, secret, peers=()):
        return self.start_node(name, args=secret_args(secret), peers=peers)

    def assert_refused(self, listener, dialer, both_sides=True, attempts=4):
        """Polls until the dialer has dialled `attempts` times (and, if both_sides, its last_error
        mentions authentication); no poll may show the listener (if both_sides, either) linked."""
        def check():
            for node in (listener, dialer) if both_sides else (listener,):
                linked = [p for p in peers(node) if p.get("connected") or p.get("state") == "up"]
                self.assertEqual(linked, [], f"{node.name} linked despite the secret: {linked}")
            row = next((p for p in peers(dialer) if p.get("direction") == "out"), {})
            return row.get("connects", 0) >= attempts and (
                not both_sides or "authentication" in row.get("last_error", ""))
        try:
            wait_until(check, REFUSED_S, interval=0.05, what=f"{attempts} refused dials")
        except AssertionError as e:
            raise AssertionError(f"{e}; {dialer.name}'s /peers: {peers(dialer)}") from None

    def test_right_secret_links_and_syncs_both_ways(self):
        a = self.secret_node("sec-a", SECRET)
        b = self.secret_node("sec-b", SECRET, peers=[a.url])
        self.wait_links([a, b], [1, 1])
        self.assertTrue(link_to(a, b) and link_to(b, a), f"/peers: {peers(a)} {peers(b)}")
        for node, path in ((a, "sec/from-a"), (b, "sec/from-b")):
            self.put_ok(node, path, path)
        for path in ("sec/from-a", "sec/from-b"):
            self.wait_value([a, b], path, path)

    def check_refused(self, name, secret):
        a = self.secret_node("sec-a", SECRET)
        self.put_ok(a, "refused/from-a", 1)
        b = self.secret_node(name, secret, peers=[a.url])
        self.put_ok(b, "refused/from-b", 2)
        # a node without a secret may take a's hello for a moment: then only a must never admit it
        self.assert_refused(a, b, both_sides=secret is not None)
        self.assertEqual(a.get("refused/from-b")[0], 404, f"{b.name}'s write reached a")
        self.assertEqual(b.get("refused/from-a")[0], 404, f"a's write reached {b.name}")

    def test_wrong_secret_never_links_nor_syncs(self):
        self.check_refused("wrong-b", SECRET + "!")

    def test_node_without_secret_is_refused(self):
        self.check_refused("open-b", None)


class RawSecretPeerTest(LiarMixin, NodeTestCase):
    """A hand-made peer on /p2p of a node with a cluster secret."""

    @classmethod
    def setUpClass(cls):
        cls.node = cls.class_node("sec-raw", args=secret_args(SECRET))

    def node_hello(self, ws, node=None):
        theirs = ws.recv_json(DEADLINE)  # the node says hello first, with a fresh nonce
        self.assertEqual((theirs.get("type"), theirs.get("id")), ("hello", (node or self.node).id), theirs)
        self.assertRegex(theirs.get("nonce", ""), "^[0-9a-f]{32}$", theirs)
        return theirs["nonce"]

    def refused(self, first, *rest):
        """Sends the frames on a new link -> the node's error message; nothing is stored."""
        before = self.stored()
        ws = self.connect()
        self.node_hello(ws)
        for frame in (first,) + rest:
            ws.send_json(frame)
        code, message = self.expect_rejected(ws)
        self.assertEqual(code, 1008, message)
        self.assert_serving(self.node, before)
        return message

    def test_hello_without_nonce_is_refused(self):
        msg = self.refused(hello(), changes(item("noauth/x")))
        self.assertIn("authentication required", msg)

    def test_wrong_mac_auth_first_or_changes_before_auth_are_refused(self):
        nonce, bad = os.urandom(16).hex(), {"type": "auth", "mac": os.urandom(32).hex()}
        for frames, want in (([hello(nonce=nonce), bad, changes(item("badmac/x"))], "authentication failed"),
                             ([bad], "unexpected auth"), ([hello(nonce=nonce), changes(item("early/x"))], "")):
            with self.subTest(want or "changes between hello and auth"):
                self.assertIn(want, self.refused(*frames))

    def test_captured_auth_replayed_on_a_new_link_is_refused(self):
        ident, nonce = rand_id(), os.urandom(16).hex()
        # link 1: an honest peer that knows the secret is admitted and can write
        ws = self.connect()
        node_nonce = self.node_hello(ws)
        ws.send_json(hello(ident, nonce=nonce))
        self.assertEqual(ws.recv_json(DEADLINE), {"type": "auth", "mac": proof(SECRET, "accept", self.node.id, node_nonce, nonce)})
        captured = {"type": "auth", "mac": proof(SECRET, "dial", ident, nonce, node_nonce)}
        ws.send_json(captured)
        sync = ws.recv_json(DEADLINE)
        self.assertEqual((sync.get("type"), sync.get("since")), ("sync", 0), sync)
        ws.send_json(changes(item("replay/first", value="honest", origin=ident)))
        self.assertEqual(ws.recv_json(DEADLINE), {"type": "ack", "upto": 1})
        self.assertEqual(self.node.get("replay/first"), (200, "honest"))
        ws.send_close(1000)
        ws.drain(DEADLINE)
        wait_until(lambda: not self.links_to(ident), DEADLINE, what="link 1 gone from /peers")
        # link 2: the same hello and the captured auth; the node's nonce is new, so the mac is stale
        before = self.stored()
        ws2 = self.connect()
        self.assertNotEqual(self.node_hello(ws2), node_nonce, "the node reused its nonce")
        ws2.send_json(hello(ident, nonce=nonce))
        ws2.send_json(captured)
        ws2.send_json(changes(item("replay/second", value="replayed", origin=ident)))
        code, message = self.expect_rejected(ws2)
        self.assertIn("authentication failed", message)
        self.assertEqual(code, 1008, message)
        self.assert_serving(self.node, before, ["replay/second"])
        self.assertFalse(self.links_to(ident), "the replayed link shows in /peers")

    def test_proof_relayed_from_another_node_is_refused(self):
        """Without the secret: send c's nonce to a, then offer a's proof to c as a's (a's id and
        nonce in the hello). c must refuse it, or anyone who reaches two nodes can join as either."""
        a, c = (self.start_node(n, args=secret_args(SECRET)) for n in ("relay-a", "relay-c"))
        to_c, to_a = self.connect(c), self.connect(a)
        c_nonce, a_nonce = self.node_hello(to_c, c), self.node_hello(to_a, a)
        to_a.send_json(hello(nonce=c_nonce))
        a_proof = to_a.recv_json(DEADLINE)  # hmac(secret, a.id|a_nonce|c_nonce)
        for frame in (hello(a.id, nonce=a_nonce), a_proof, changes(item("relay/x", value="forged", origin=a.id))):
            to_c.send_json(frame)
        got = []
        try:
            while not got or got[-1] not in ("ack", "error"):
                got.append(to_c.recv_json(DEADLINE).get("type"))
        except (WSClosed, socket.timeout):
            pass
        self.assertNotIn("ack", got, f"c admitted a relayed proof and applied a forged write; frames {got}")
        self.assertEqual(c.get("relay/x")[0], 404, "c stored the forged write")


class TokenTest(NodeTestCase):
    @classmethod
    def setUpClass(cls):
        token = ["--token-file", write_file(TOKEN + "\n", "token")]  # a trailing newline is not part of it
        cls.node = cls.class_node("tok", args=token)
        cls.reads = cls.class_node("tok-reads", args=token + ["--token-reads"])

    def assert_401(self, reply, what):
        status, hdrs, body = reply
        self.assertEqual(status, 401, f"{what}: {body[:200]!r}")
        self.assertIn("bearer", hdrs.get("www-authenticate", "").lower(), f"{what}: headers {hdrs}")
        self.assertIsInstance(parse_json(body).get("error"), str, f"{what}: {body!r}")

    def assert_needs_token(self, node, method, target, body=None):
        self.assert_401(send(node, method, target, body=body), f"{method} {target} without a token")
        for wrong in ("nope", TOKEN + "x", TOKEN[:-1], "", TOKEN.upper()):
            self.assert_401(send(node, method, target, wrong, body), f"{method} {target} token {wrong!r}")
        for header in (TOKEN, "Basic " + TOKEN, "bearer" + TOKEN, "Token " + TOKEN):
            status, _, data = node.request(method, target, None if body is None else json.dumps(body),
                                           {"Authorization": header})
            self.assertEqual(status, 401, f"{method} {target} Authorization: {header!r}: {data[:200]!r}")

    def test_put_and_delete_need_the_token(self):
        n = self.node
        self.assert_needs_token(n, "PUT", api("tok/a"), {"v": 1})
        self.assertEqual(n.get("tok/a")[0], 404, "a refused PUT was stored")
        self.assertEqual(send(n, "PUT", api("tok/a"), TOKEN, {"v": 1})[0], 200)
        self.assertEqual(n.get("tok/a"), (200, {"v": 1}))
        self.assert_needs_token(n, "DELETE", api("tok/a"))
        self.assertEqual(n.get("tok/a"), (200, {"v": 1}), "a refused DELETE changed the value")
        self.assertEqual(send(n, "DELETE", api("tok/a"), TOKEN)[0], 200)
        self.assertEqual(n.get("tok/a")[0], 404)

    def test_reads_are_open_without_token_reads(self):
        self.assertEqual(send(self.node, "PUT", api("tok/open"), TOKEN, 7)[0], 200)
        self.assertEqual(self.node.get("tok/open"), (200, 7))
        for target in ("/api/scan/", "/events/", "/peers", "/metrics", "/health"):
            self.assertEqual(send(self.node, "GET", target)[0], 200, target)

    def test_token_reads_guards_every_read_but_health(self):
        n = self.reads
        self.assertEqual(send(n, "PUT", api("tok/r"), TOKEN, {"r": 1})[0], 200)
        self.assert_needs_token(n, "PUT", api("tok/r2"), 1)
        for target in (api("tok/r"), "/api/scan/", "/events/", "/peers", "/metrics"):
            with self.subTest(target):
                self.assert_needs_token(n, "GET", target)
                status, _, body = send(n, "GET", target, TOKEN)
                self.assertEqual(status, 200, body[:200])
        self.assertEqual(parse_json(send(n, "GET", api("tok/r"), TOKEN)[2]), {"r": 1})
        for token in (None, "nope", TOKEN):
            self.assertEqual(send(n, "GET", "/health", token)[0], 200, f"/health with token {token!r}")

    def test_token_reads_does_not_block_peer_links(self):
        """Peers carry no bearer token: /p2p is guarded by the secret, not by --token-reads."""
        def args(tok):
            return secret_args(SECRET) + ["--token-file", write_file(tok, "token"), "--token-reads"]
        a = self.start_node("tr-a", args=args("token-a"))
        nodes = ((a, "token-a"), (self.start_node("tr-b", args=args("token-b"), peers=[a.url]), "token-b"))
        for node, tok in nodes:
            self.assertEqual(send(node, "PUT", api("tr/" + tok), tok, tok)[0], 200)
        for node, tok in nodes:
            for path in ("tr/token-a", "tr/token-b"):
                wait_until(lambda: send(node, "GET", api(path), tok)[::2] == (200, json.dumps(path[3:]).encode()),
                           60, 0.05, what=f"{path} on {node.name}")


class TokenWithoutSecretTest(LiarMixin, NodeTestCase):
    """--token-file without --secret-file: a peer link carries no token, so /p2p is refused (403)
    and --peer stops the launcher; a peer holding neither token nor secret reads and writes nothing."""

    @classmethod
    def setUpClass(cls):
        cls.token_args = ["--token-file", write_file(TOKEN, "token"), "--token-reads"]
        cls.node = cls.class_node("tok-nosecret", args=cls.token_args)

    def test_a_peer_without_token_or_secret_can_neither_read_nor_write(self):
        n = self.node
        self.assertEqual(send(n, "PUT", api("vault/pin"), TOKEN, {"pin": 1234})[0], 200)
        ws, frames = WSClient(n.host, n.port, timeout=DEADLINE, upgrade=False), []
        self.addCleanup(ws.close)
        try:
            ws.upgrade()
        except AssertionError:
            upgraded = False
        else:  # the hole: play the attack out, so the failure says what it got
            upgraded = True
            ws.send_json(hello())
            ws.send_json(changes(item("vault/pin", value={"pwned": True})))
            end = time.monotonic() + 3
            while time.monotonic() < end:
                try:
                    frames.append(ws.recv(max(0.01, end - time.monotonic()))[1])
                except (WSClosed, OSError):
                    break
        value = parse_json(send(n, "GET", api("vault/pin"), TOKEN)[2])
        self.assertFalse(upgraded, f"/p2p upgraded without the secret; the peer read the pin: "
                                   f"{any('1234' in str(f) for f in frames)}; the value is now {value}")
        self.assertEqual(ws.status, 403)
        self.assertEqual(value, {"pin": 1234})
        self.assertEqual(parse_json(send(n, "GET", "/peers", TOKEN)[2]), [])

    def test_the_refusal_says_why(self):
        status, _, body = self.node.request("GET", "/p2p", headers={
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
        self.assertEqual(status, 403, body[:200])
        self.assertIn("--secret-file", parse_json(body)["error"])
        self.assertIn("peer links are refused", log_text(self.node), "no word of it at start")

    def test_peer_flag_needs_the_secret(self):
        code, out, err = run_launcher(self.token_args + ["--peer", "http://127.0.0.1:9"], deadline_s=10)
        self.assertEqual(code, 2, err)
        self.assertNotIn("listening", out)
        self.assertIn("--secret-file", err)


class SecurityConfigTest(NodeTestCase):
    def assert_stops(self, args, mention):
        code, out, err = run_launcher(args)
        self.assertNotEqual(code, 0, f"{args}: exit 0; stderr {err!r}")
        self.assertNotIn("listening", out, f"{args}: printed the listening line")
        self.assertIn(mention, err, f"{args}: stderr does not mention {mention!r}")

    def test_missing_file_or_a_directory(self):
        for flag in ("--secret-file", "--token-file"):
            for path in (os.path.join(WORK, "no-such-" + rand_id()), WORK):
                with self.subTest(flag=flag, path=path):
                    self.assert_stops([flag, path], path)

    def test_empty_and_whitespace_files(self):
        for flag in ("--secret-file", "--token-file"):
            for text in ("", "\n", "  \t\r\n \n"):
                with self.subTest(flag=flag, text=text):
                    path = write_file(text, "empty")
                    self.assert_stops([flag, path], path)

    def test_token_reads_without_token_file(self):
        self.assert_stops(["--token-reads"], "--token-file")
        self.assert_stops(["--token-reads", "--secret-file", write_file(SECRET)], "--token-file")

    def test_warns_beyond_loopback_without_a_secret(self):
        node = self.start_node("exposed", args=["--host", "0.0.0.0"])
        text = wait_until(lambda: "warning" in log_text(node) and log_text(node), DEADLINE,
                          what=f"a warning in {node.log}")
        self.assertIn("secret", text)

    def test_no_warning_with_a_secret_or_on_loopback(self):
        for args in (["--host", "0.0.0.0"] + secret_args(SECRET), ["--host", "127.0.0.1"]):
            node = self.start_node("quiet", args=args)  # the warning comes before the listening line
            self.assertTrue(node.serving())
            self.assertNotIn("warning", log_text(node), args)
