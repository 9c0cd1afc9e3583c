"""The node under a service manager: systemd's readiness protocol (READY=1 on
$NOTIFY_SOCKET once serving, STOPPING=1 on SIGTERM, as scripts/p2p-node.service's
Type=notify expects), and the unit file itself as systemd reads it."""
import os, shutil, signal, socket, subprocess, tempfile, unittest

from harness import Node, NodeTestCase, wait_until, WORK

HERE = os.path.dirname(os.path.abspath(__file__))
UNIT = os.path.join(HERE, "..", "..", "scripts", "p2p-node.service")


class NotifyTest(NodeTestCase):
    def notify_socket(self, abstract=False):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(sock.close)
        if abstract:
            name = f"\0p2p-notify-{os.getpid()}-{id(sock)}"
            sock.bind(name)
            return sock, "@" + name[1:]
        path = os.path.join(tempfile.mkdtemp(dir=WORK), "notify")
        sock.bind(path)
        return sock, path

    def start_notified(self, address):
        os.environ["NOTIFY_SOCKET"] = address
        try:
            return self.start_node("notified")
        finally:
            del os.environ["NOTIFY_SOCKET"]

    def receive(self, sock, deadline_s=20):
        sock.settimeout(deadline_s)
        return sock.recv(4096).decode()

    def test_ready_once_serving_and_stopping_on_sigterm(self):
        sock, address = self.notify_socket()
        node = self.start_notified(address)
        message = self.receive(sock)
        self.assertIn("READY=1", message.split("\n"))
        self.assertIn(f"STATUS=serving on port {node.port}", message)
        # Ready means serving: the first request after it is answered.
        self.assertEqual(node.request("GET", "/health")[0], 200)
        node.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.receive(sock), "STOPPING=1")
        self.assertEqual(node.proc.wait(timeout=20), 0)

    def test_abstract_socket_address(self):
        sock, address = self.notify_socket(abstract=True)
        self.start_notified(address)
        self.assertIn("READY=1", self.receive(sock).split("\n"))

    def test_bad_notify_socket_changes_nothing(self):
        # A relative or missing socket is ignored: the node serves as usual.
        os.environ["NOTIFY_SOCKET"] = "not/absolute"
        try:
            node = self.start_node("bad-notify")
        finally:
            del os.environ["NOTIFY_SOCKET"]
        self.assertEqual(node.request("GET", "/health")[0], 200)


class UnitFileTest(unittest.TestCase):
    def test_systemd_accepts_the_unit(self):
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("systemd-analyze is not installed (the systemd package)")
        # verify wants ExecStart to exist: point it at the launcher under test.
        binary = os.environ.get("P2P_NODE", "").split()[0] if os.environ.get("P2P_NODE") else None
        if not binary or not os.path.exists(binary):
            self.skipTest("P2P_NODE does not name a launcher binary")
        with open(UNIT) as f:
            text = f.read()
        self.assertIn("Type=notify", text)
        unit_dir = tempfile.mkdtemp(dir=WORK)
        with open(os.path.join(unit_dir, "p2p-node.service"), "w") as f:
            f.write(text.replace("/usr/local/bin/p2p-node", os.path.abspath(binary)))
        out = subprocess.run([analyze, "verify", os.path.join(unit_dir, "p2p-node.service")],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertNotIn("Unknown", out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main()
