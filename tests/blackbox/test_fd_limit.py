"""Out of file descriptors: a node whose descriptor limit a connection flood exhausts does not spin
on accept() (its CPU stays low), refuses the connections it cannot take instead of leaving them
hanging, and answers /health again once the flood is gone. The node's limit is lowered after it
starts (resource.prlimit), as the launcher raises its own soft limit to the hard one at start."""
import os, resource, socket, time, unittest

from harness import HTTP_TIMEOUT, NodeTestCase, RawConn, wait_until

HEADROOM = 24      # descriptors left to the node above what it holds once started
FLOOD = 200        # connections held open: far more than the headroom
MEASURE_S = 2.0
MAX_CPU_SHARE = 0.1  # of one core while the flood waits; a spinning accept() takes ~1.0


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class FdLimitTest(NodeTestCase):
    def setUp(self):
        if not hasattr(resource, "prlimit") or not os.path.isdir("/proc/self/fd"):
            self.skipTest("needs Linux prlimit and /proc")
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < FLOOD + 100:  # the test's own sockets
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, FLOOD + 200), hard))

    def flood(self, node):
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        for _ in range(FLOOD):
            s = socket.socket(socket.AF_INET)
            s.settimeout(HTTP_TIMEOUT)
            s.connect((node.host, node.port))  # completes in the backlog, accepted or not
            socks.append(s)
        return socks

    def test_accept_backs_off_when_descriptors_run_out(self):
        node = self.start_node("fd-limit")
        pid = node.proc.pid
        limit = open_fds(pid) + HEADROOM
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (limit, limit))
        socks = self.flood(node)
        wait_until(lambda: open_fds(pid) >= limit - 2, 30, 0.05,
                   what=f"the node to reach its {limit}-descriptor limit")
        before, start = cpu_seconds(pid), time.monotonic()
        time.sleep(MEASURE_S)
        used, spent = cpu_seconds(pid) - before, time.monotonic() - start
        self.assertLess(used, MAX_CPU_SHARE * spent,
                        f"the node used {used:.2f}s of CPU in {spent:.2f}s at its descriptor limit")
        # A client beyond the limit is told (closed), not left in the backlog until it times out.
        late = RawConn(node)
        self.addCleanup(late.close)
        late.exchange(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", deadline_s=HTTP_TIMEOUT)
        self.assertTrue(late.closed or late.received,
                        "a connection beyond the limit got neither an answer nor a close")
        for s in socks:
            s.close()
        wait_until(lambda: self.health(node), 30, 0.1, what="/health after the flood")

    @staticmethod
    def health(node):
        try:
            return node.request("GET", "/health", timeout=2)[0] == 200
        except OSError:
            return False


if __name__ == "__main__":
    unittest.main()
