"""TLS: --tls-cert/--tls-key make the port HTTPS and WSS, --tls-ca names the certificates to trust
for https:// peers. Throwaway self-signed certificates come from the openssl CLI. Every test is
skipped while the launcher rejects --tls-cert (exit 2, "not supported")."""
import os, shutil, socket, subprocess, time, unittest

from cluster import ClusterTestCase, peers
from harness import WORK, Node, wait_until
from test_security import run_launcher
from ws_client import WSClient, WSClosed

REFUSED_S = 30  # a dialer that does not trust the certificate must say so within this
_certs, _probe = {}, {}


def certs():
    """{"dir", "cert1", "key1", "cert2", "key2"}: two self-signed pairs for localhost and 127.0.0.1."""
    if not _certs:
        if not shutil.which("openssl"):
            raise unittest.SkipTest("the openssl CLI is needed to make test certificates")
        d = os.path.join(WORK, "tls-certs")
        os.makedirs(d, exist_ok=True)
        for n in ("1", "2"):
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                            os.path.join(d, f"key{n}.pem"), "-out", os.path.join(d, f"cert{n}.pem"),
                            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                            "-days", "1"], check=True, capture_output=True, timeout=60)
        _certs.update({k: os.path.join(d, k + ".pem") for k in ("cert1", "key1", "cert2", "key2")}, dir=d)
    return _certs


def tls_args(n="1", ca=None):
    c = certs()
    return ["--tls-cert", c["cert" + n], "--tls-key", c["key" + n]] + (["--tls-ca", ca] if ca else [])


def require_tls():
    """SkipTest while the launcher rejects --tls-cert with exit 2 and "not supported"."""
    if "reason" not in _probe:
        node = Node("tls-probe", tls_args(), start=False)
        try:
            node.start()
            _probe["reason"] = None
        except RuntimeError:
            with open(node.log, encoding="utf-8", errors="replace") as f:
                said = [line for line in f if "not supported" in line]
            _probe["reason"] = (f"the launcher rejects --tls-cert (exit 2): {said[0].strip()}"
                                if node.proc.returncode == 2 and said else None)
        finally:
            node.cleanup()
    if _probe["reason"]:
        raise unittest.SkipTest(_probe["reason"])


def plain_bytes(node, request, deadline_s=10):
    """Sends plain-text bytes to the port -> what comes back before EOF, a reset or the deadline."""
    got, end = b"", time.monotonic() + deadline_s
    with socket.create_connection((node.host, node.port), timeout=deadline_s) as sock:
        sock.sendall(request)
        while time.monotonic() < end:
            sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                chunk = sock.recv(65536)
            except (socket.timeout, ConnectionError):
                break
            if not chunk:
                break
            got += chunk
    return got


class TLSTest(ClusterTestCase):
    def setUp(self):
        require_tls()

    def tls_node(self, name, n="1", ca=None, peers=()):
        node = self.start_node(name, args=tls_args(n, ca), peers=peers)
        self.assertEqual(node.scheme, "https", f"{node.name} did not print an https:// listening line")
        return node

    def test_two_tls_nodes_sync_both_ways(self):
        a = self.tls_node("tls-a")
        b = self.tls_node("tls-b", "2", ca=certs()["cert1"], peers=[f"https://127.0.0.1:{a.port}"])
        self.wait_links([a, b], [1, 1])
        for node, path in ((a, "tls/from-a"), (b, "tls/from-b")):
            self.put_ok(node, path, {"over": "wss", "from": path})
        for path in ("tls/from-a", "tls/from-b"):
            self.wait_value([a, b], path, {"over": "wss", "from": path})

    def test_plain_http_to_tls_port_gets_no_data(self):
        a = self.tls_node("tls-plain")
        self.put_ok(a, "tls/secret", "s3cr3t-v4lue")
        for target in (b"/api/tls/secret", b"/api/scan/", b"/peers"):
            got = plain_bytes(a, b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            self.assertNotIn(b"s3cr3t-v4lue", got, target)
            self.assertFalse(got.startswith(b"HTTP/1.1 200") or got.startswith(b"HTTP/1.0 200"), got[:200])
        ws = WSClient(a.host, a.port, timeout=10, upgrade=False)
        self.addCleanup(ws.close)
        with self.assertRaises((AssertionError, WSClosed, OSError, ValueError, IndexError),
                               msg="a plain ws:// upgrade to /p2p succeeded on a TLS port"):
            ws.upgrade()
        self.assertTrue(a.serving(), "the TLS node stopped serving after plain-text clients")

    def test_untrusted_certificate_does_not_link(self):
        a = self.tls_node("tls-trusted")
        self.put_ok(a, "tls/a-only", 1)
        b = self.tls_node("tls-no-ca", "2", peers=[a.url])  # no --tls-ca: a's self-signed cert is unknown
        self.put_ok(b, "tls/b-only", 2)

        def refused():
            for node in (a, b):
                linked = [p for p in peers(node) if p.get("connected") or p.get("state") == "up"]
                self.assertEqual(linked, [], f"{node.name} linked over an untrusted certificate")
            row = next((p for p in peers(b) if p.get("direction") == "out"), {})
            error = row.get("last_error", "").lower()
            return row.get("connects", 0) >= 2 and any(w in error for w in ("certif", "handshake", "verif"))
        try:
            wait_until(refused, REFUSED_S, interval=0.05, what="b's dials refused over the certificate")
        except AssertionError as e:
            raise AssertionError(f"{e}; b's /peers: {peers(b)}") from None
        self.assertEqual(a.get("tls/b-only")[0], 404)
        self.assertEqual(b.get("tls/a-only")[0], 404)


def s_client(node, *args):
    """openssl s_client to the node -> (handshake done, its output)."""
    p = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{node.port}", "-brief"] + list(args),
                       input=b"", capture_output=True, timeout=60)
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    return p.returncode == 0 and "CONNECTION ESTABLISHED" in out, out


class TLSCipherTest(ClusterTestCase):
    """TLS 1.2 offers only AEAD suites with forward secrecy (ECDHE): no CBC suite, which LUCKY13
    style padding oracles need, and no static-RSA key exchange. TLS 1.3 is untouched."""

    def setUp(self):
        require_tls()

    def test_only_ecdhe_aead_suites_under_tls_1_2(self):
        a = self.start_node("tls-ciphers", args=tls_args())
        for suite in ("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                      "ECDHE-RSA-CHACHA20-POLY1305"):
            with self.subTest(suite):
                done, out = s_client(a, "-tls1_2", "-cipher", suite)
                self.assertTrue(done, out)
                self.assertIn(suite, out)
        for suite in ("ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES128-SHA256",
                      "AES128-SHA", "AES256-SHA256", "AES128-GCM-SHA256", "AES256-GCM-SHA384"):
            with self.subTest(suite):
                done, out = s_client(a, "-tls1_2", "-cipher", suite)
                self.assertFalse(done, f"a client offering only {suite} got a TLS 1.2 session:\n{out}")
        done, out = s_client(a, "-tls1_3")
        self.assertTrue(done, out)
        self.assertTrue(a.serving())


class TLSConfigTest(unittest.TestCase):
    def setUp(self):
        require_tls()

    def test_bad_tls_files_stop_the_launcher(self):
        c = certs()
        missing = os.path.join(c["dir"], "no-such.pem")
        not_pem = os.path.join(c["dir"], "not.pem")
        with open(not_pem, "w") as f:
            f.write("this is not a certificate\n")
        cases = {
            "key of another certificate": ["--tls-cert", c["cert1"], "--tls-key", c["key2"]],
            "missing certificate": ["--tls-cert", missing, "--tls-key", c["key1"]],
            "missing key": ["--tls-cert", c["cert1"], "--tls-key", missing],
            "certificate not PEM": ["--tls-cert", not_pem, "--tls-key", c["key1"]],
            "certificate without key": ["--tls-cert", c["cert1"]],
            "missing --tls-ca": tls_args() + ["--tls-ca", missing],
        }
        for name, args in cases.items():
            with self.subTest(name):
                code, out, err = run_launcher(args, deadline_s=40)  # a failed start exits after ~10 s now
                self.assertNotEqual(code, 0, f"{name}: exit 0; stderr {err!r}")
                self.assertNotIn("listening", out, f"{name}: printed the listening line")
                self.assertTrue(err.strip(), f"{name}: nothing on stderr")
