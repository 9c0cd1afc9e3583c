"""Anonymous memory of node processes (heap, not LMDB's file-backed map pages), and a thread
that samples its peak while a benchmark runs. Shared by catchup.py and transfer.py."""
import threading, time


def anon_mb(node):
    """RssAnon of a harness.Node's process, in MB."""
    with open(f"/proc/{node.proc.pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return 0


class PeakSampler(threading.Thread):
    """Samples anon_mb of `nodes` every 10 ms; `finish()` stops it and returns the peaks."""

    def __init__(self, nodes):
        super().__init__(daemon=True)
        self.nodes, self.peak, self.done = nodes, [0.0] * len(nodes), threading.Event()

    def run(self):
        while not self.done.is_set():
            for i, n in enumerate(self.nodes):
                try:
                    self.peak[i] = max(self.peak[i], anon_mb(n))
                except OSError:
                    pass
            time.sleep(0.01)

    def finish(self):
        self.done.set()
        self.join()
        return self.peak
