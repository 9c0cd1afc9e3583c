#!/usr/bin/env python3
"""What /metrics costs a loaded node: GET throughput (wrk, 2 threads, 32 connections, random keys
among 1,000) with and without a scraper reading /metrics every 100 ms on a keep-alive
connection, interleaved (without/with, then with/without, ...) because the machine is noisy.
Reports each pair, the median ratio with/without, and the server's own time per scrape (from
p2p_http_request_duration_seconds{route="/metrics"}) as a share of one core at that rate.
Usage: metrics.py P2P_NODE [--rounds 6] [--duration 5] [--interval 0.1]"""
import argparse, http.client, os, re, statistics, subprocess, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "blackbox"))
import harness  # noqa: E402

KEYS, THREADS, CONNS = 1000, 2, 32


def wrk(url, seconds):
    out = subprocess.run(["wrk", f"-t{THREADS}", f"-c{CONNS}", f"-d{seconds}s", "-s",
                          os.path.join(HERE, "get.lua"), url, "--", str(KEYS)],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if bad or (errors and sum(map(int, errors.groups()))):
        sys.exit(f"bench-metrics: wrk saw errors:\n{out}")
    return rps


class Scraper(threading.Thread):
    """GET /metrics every `interval` s on one keep-alive connection until stopped."""

    def __init__(self, node, interval):
        super().__init__(daemon=True)
        self.node, self.interval, self.stop, self.count, self.bytes = node, interval, threading.Event(), 0, 0

    def run(self):
        conn = http.client.HTTPConnection(self.node.host, self.node.port, timeout=10)
        next_at = time.monotonic()
        while not self.stop.is_set():
            conn.request("GET", "/metrics")
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                sys.exit(f"bench-metrics: /metrics answered {resp.status}")
            self.count, self.bytes = self.count + 1, self.bytes + len(body)
            next_at += self.interval
            self.stop.wait(max(0.0, next_at - time.monotonic()))
        conn.close()


def render_seconds(node):
    """(count, sum) of the node's own /metrics answers."""
    m = node.metrics()
    return (m.get('p2p_http_request_duration_seconds_count{route="/metrics"}', 0),
            m.get('p2p_http_request_duration_seconds_sum{route="/metrics"}', 0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("p2p_node")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--interval", type=float, default=0.1)
    args = ap.parse_args()
    os.environ["P2P_NODE"] = args.p2p_node
    node = harness.Node("bench-metrics")
    try:
        subprocess.run([sys.executable, os.path.join(HERE, "preload.py"), node.url, str(KEYS), "16"],
                       check=True)
        wrk(node.url + "/", 2)  # warm-up
        pairs, scrapes, scraped_bytes = [], 0, 0
        c0, s0 = render_seconds(node)
        for rnd in range(args.rounds):
            got = {}
            for scraping in ((False, True) if rnd % 2 == 0 else (True, False)):
                scraper = Scraper(node, args.interval) if scraping else None
                if scraper:
                    scraper.start()
                got[scraping] = wrk(node.url + "/", args.duration)
                if scraper:
                    scraper.stop.set()
                    scraper.join()
                    scrapes, scraped_bytes = scrapes + scraper.count, scraped_bytes + scraper.bytes
            pairs.append((got[False], got[True]))
            print(f"  round {rnd + 1}: without {got[False]:.0f} req/s, with {got[True]:.0f} req/s, "
                  f"ratio {got[True] / got[False]:.4f}", file=sys.stderr)
        c1, s1 = render_seconds(node)
    finally:
        node.cleanup()
    ratios = [w / wo for wo, w in pairs]
    without, with_ = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
    per_scrape = (s1 - s0) / (c1 - c0) if c1 > c0 else float("nan")
    print(f"bench-metrics: {args.rounds} interleaved pairs of {args.duration} s wrk runs "
          f"(-t{THREADS} -c{CONNS}, GET of {KEYS} keys), scraper every {args.interval * 1000:.0f} ms, "
          f"{os.cpu_count()} cores")
    print(f"  GET throughput without scraper: {without:.0f} req/s (median; "
          f"{min(p[0] for p in pairs):.0f}-{max(p[0] for p in pairs):.0f})")
    print(f"  GET throughput with scraper:    {with_:.0f} req/s (median; "
          f"{min(p[1] for p in pairs):.0f}-{max(p[1] for p in pairs):.0f})")
    print(f"  ratio with/without: median of pairs {statistics.median(ratios):.4f} "
          f"(pairs {min(ratios):.4f}-{max(ratios):.4f}); of medians {with_ / without:.4f}")
    print(f"  scrapes: {scrapes}, {scraped_bytes / max(scrapes, 1):.0f} bytes each; the node's time per "
          f"scrape {per_scrape * 1e6:.0f} us = {per_scrape / args.interval * 100:.3f}% of one core "
          f"at one scrape per {args.interval * 1000:.0f} ms")


if __name__ == "__main__":
    main()
