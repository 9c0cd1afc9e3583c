"""The command line (README, "The node launcher"): --version, the --help of the node, of export and
import and of p2p-sim; flags from P2P_<FLAG> environment variables, the command line winning; a bad
value, from either, exits 2 before listening and names the flag (and the variable); export and
import print a summary on stderr, redrawn in place on a terminal."""
import os, pty, re, select, shutil, socket, subprocess, unittest

from harness import WORK, NodeTestCase, launcher

DEADLINE = 20


def env_with(**extra):
    env = dict(os.environ)
    env.update(extra)
    return env


def run(args, env=None, stdin=None, deadline_s=DEADLINE):
    return subprocess.run(launcher() + list(args), cwd=WORK, env=env, input=stdin, capture_output=True,
                          timeout=deadline_s)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, env):
    """Starts the launcher -> (process, its first stdout line); the caller stops it."""
    proc = subprocess.Popen(launcher() + list(args), cwd=WORK, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    ready, _, _ = select.select([proc.stdout], [], [], DEADLINE)
    line = proc.stdout.readline().decode() if ready else ""
    return proc, line


def stop(proc):
    proc.terminate()
    try:
        return proc.wait(DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()


def sim_binary():
    sim = os.environ.get("P2P_SIM")
    if sim:
        return sim
    candidate = os.path.join(os.path.dirname(launcher()[0]), "p2p-sim")
    return candidate if os.access(candidate, os.X_OK) else shutil.which("p2p-sim")


class VersionAndHelpTest(unittest.TestCase):
    def test_version(self):
        r = run(["--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.decode(), r"^p2p-node \d+\.\d+\.\d+( \(git [0-9a-f]{7,40}\))?\n$")

    def test_help_variants_exit_0_with_usage(self):
        for args, words in ((["--help"], ("--port", "--log-level", "P2P_PORT")), (["-h"], ("--port",)),
                            (["export", "--help"], ("--db", "--prefix", "--tombstones")),
                            (["import", "--help"], ("--db", "import"))):
            with self.subTest(args=args):
                r = run(args)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertTrue(r.stdout.startswith(b"usage: p2p-node"), r.stdout[:200])
                for word in words:
                    self.assertIn(word, r.stdout.decode())

    def test_sim_help(self):
        sim = sim_binary()
        if not sim:
            self.skipTest("no p2p-sim (set P2P_SIM)")
        r = subprocess.run([sim, "--help"], capture_output=True, timeout=DEADLINE)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"usage: p2p-sim"), r.stdout[:200])
        r = subprocess.run([sim, "--no-such-flag"], capture_output=True, timeout=DEADLINE)
        self.assertEqual(r.returncode, 2, r.stderr)


class EnvironmentTest(NodeTestCase):
    def test_port_from_the_environment(self):
        port = free_port()
        proc, line = start(["--db", os.path.join(WORK, "env-port")],
                           env_with(P2P_PORT=str(port), P2P_NOT_A_FLAG="whatever"))
        self.assertEqual(stop(proc), 0)
        self.assertRegex(line, rf"^listening on http://127\.0\.0\.1:{port} id=[0-9a-f]+$")

    def test_the_command_line_wins_and_takes_flag_equals_value(self):
        proc, line = start(["--port=0", f"--db={os.path.join(WORK, 'env-wins')}"], env_with(P2P_PORT="not-a-port"))
        self.assertEqual(stop(proc), 0)
        self.assertRegex(line, r"^listening on http://127\.0\.0\.1:\d+ id=")

    def test_a_bad_environment_value_exits_2_naming_the_variable(self):
        r = run(["--db", os.path.join(WORK, "env-bad")], env=env_with(P2P_PORT="70000"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout, b"", "nothing listened")
        first = r.stderr.decode().splitlines()[0]
        self.assertIn("--port", first)
        self.assertIn("P2P_PORT", first)

    def test_bad_values_exit_2_before_listening_naming_the_flag(self):
        for args in (["--log-level", "loud"], ["--log-format=xml"], ["--token-reads=maybe"],
                     ["--cors-origin", "*", "--token-file", os.path.join(WORK, "no-token")]):
            with self.subTest(args=args):
                r = run(["--port", "0", "--db", os.path.join(WORK, "bad-flag")] + args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(r.stdout, b"")
                self.assertIn(args[0].split("=")[0], r.stderr.decode().splitlines()[0])

    def test_empty_paths_and_variables_exit_2_instead_of_turning_protection_off(self):
        db = os.path.join(WORK, "empty-path")
        for args, env, words in (
                (["--token-file", ""], None, ("--token-file",)),
                (["--secret-file", "", "--host", "0.0.0.0"], None, ("--secret-file",)),
                ([], {"P2P_TOKEN_FILE": ""}, ("--token-file", "P2P_TOKEN_FILE")),
                ([], {"P2P_PEER": ""}, ("--peer", "P2P_PEER"))):
            with self.subTest(args=args, env=env):
                r = run(["--port", "0", "--db", db] + args, env=env_with(**(env or {})), deadline_s=5)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(r.stdout, b"", "nothing listened")
                first = r.stderr.decode().splitlines()[0]
                for word in words:
                    self.assertIn(word, first)
                self.assertNotIn("WARN", r.stderr.decode())

    def test_bad_id_host_index_twice_given_flags_exit_2_naming_the_flag(self):
        db = os.path.join(WORK, "bad-values")
        schema = os.path.join(WORK, "not-a-schema.json")
        with open(schema, "w") as f:
            f.write("{not json")
        for args, flag in ((["--id", "zz"], "--id"), (["--host", ""], "--host"),
                           (["--host", "not a host"], "--host"), (["--index", "nope:bad"], "--index"),
                           (["--schema", f"u/:{schema}"], "--schema"),
                           (["--db", db + "-2"], "--db"), (["--log-level", "error", "--log-level", "info"],
                                                            "--log-level"),
                           (["--port=2"], "--port")):
            with self.subTest(args=args):
                r = run(["--port", "0", "--db", db] + args, deadline_s=5)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(r.stdout, b"")
                first = r.stderr.decode().splitlines()[0]
                self.assertIn(flag, first)
                self.assertNotIn("WARN", r.stderr.decode())

    def test_a_bad_list_item_is_named_by_its_place(self):
        r = run(["--port", "0", "--db", os.path.join(WORK, "bad-item")],
                env=env_with(P2P_PEER="http://127.0.0.1:1, ftp://x"), deadline_s=5)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("(item 2 of P2P_PEER)", r.stderr.decode().splitlines()[0])


class TransferProgressTest(NodeTestCase):
    SUMMARY = r"p2p-node export: 3 entries, \d+ bytes in \d+\.\d\d s \(\d+\.\d MB/s\)"

    def setUp(self):
        node = self.start_node("progress")
        for i in range(3):
            self.assertEqual(node.put(f"p/{i}", i)[0], 200)
        self.db = node.db

    def test_one_summary_line_when_stderr_is_not_a_terminal(self):
        r = run(["export", "--db", self.db])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 3)
        self.assertRegex(r.stderr.decode(), rf"^{self.SUMMARY}\n$")

    def test_redrawn_in_place_on_a_terminal(self):
        master, slave = pty.openpty()
        try:
            r = subprocess.run(launcher() + ["export", "--db", self.db], cwd=WORK, stdout=subprocess.PIPE,
                               stderr=slave, timeout=DEADLINE)
            os.close(slave)
            slave = None
            said = b""
            while select.select([master], [], [], 1)[0]:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the other end is closed
                    break
                if not chunk:
                    break
                said += chunk
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)
        self.assertEqual(r.returncode, 0)
        text = said.decode().replace("\r\n", "\n")  # the terminal's own line ending
        self.assertRegex(text, rf"\r{self.SUMMARY}\x1b\[K\n$")

    def test_an_export_that_cannot_write_says_so(self):
        with open("/dev/full", "wb") as full:
            r = subprocess.run(launcher() + ["export", "--db", self.db], cwd=WORK, stdout=full,
                               stderr=subprocess.PIPE, timeout=DEADLINE)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr.decode(), r"^p2p-node export: cannot write the output: .*space")


if __name__ == "__main__":
    unittest.main()
