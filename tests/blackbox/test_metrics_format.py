"""/metrics read by a real Prometheus parser (prometheus_client's): every family has HELP and
TYPE, counters end in _total, histograms have cumulative buckets ending in +Inf == _count,
requests are labelled by a fixed route template and code, queries by plan, links by peer;
build info and the process_* families are there and true. Needs python3-prometheus-client."""
import os, re, sys, time, unittest

# Debian's python3-prometheus-client (scripts/setup.sh); CMake runs these tests with
# Debian's python3, which sees it.
from prometheus_client.parser import text_string_to_metric_families

from cluster import ClusterTestCase, wait_converged
from harness import HERE, SSEClient, wait_until
from peer_client import PeerClient
from query_model import post_index
from transfer_helpers import entry, http_import, lines_of

ROUTES = {"/health", "/metrics", "/peers", "/peers/passive", "data", "scan", "events", "query",
          "/indexes", "schemas", "import", "export", "/p2p", "/ready", "/", "custom", "other"}
# Families every node shows, with their types (as written on the TYPE line).
TYPES = {
    "p2p_http_requests_total": "counter", "p2p_http_request_duration_seconds": "histogram",
    "p2p_commit_duration_seconds": "histogram", "p2p_writes_total": "counter",
    "p2p_queries_total": "counter", "p2p_store_entries": "gauge", "p2p_store_last_seq": "gauge",
    "p2p_link_bytes_total": "counter", "p2p_link_state_changes_total": "counter",
    "p2p_link_connected": "gauge", "p2p_link_queued_updates": "gauge", "p2p_link_lag_updates": "gauge",
    "p2p_tombstone_horizon_timestamp_seconds": "gauge", "p2p_clock_offset_max_seconds": "gauge",
    "p2p_reconciliations_total": "counter", "p2p_build_info": "gauge",
    "process_cpu_seconds_total": "counter", "process_start_time_seconds": "gauge",
    "process_resident_memory_bytes": "gauge", "process_open_fds": "gauge",
}


def project_version():
    with open(os.path.join(HERE, "..", "..", "CMakeLists.txt")) as f:
        return re.search(r"project\(p2psync VERSION (\S+?)[ )]", f.read()).group(1)


def scrape(node):
    status, headers, body = node.request("GET", "/metrics")
    assert status == 200, status
    assert headers["content-type"].startswith("text/plain; version=0.0.4"), headers
    return body.decode("utf-8")


def families(text):
    """-> {family name as on its TYPE line: Metric}; the parser drops a counter's _total."""
    out = {}
    for fam in text_string_to_metric_families(text):
        out[fam.name + "_total" if fam.type == "counter" else fam.name] = fam
    return out


def value(fams, name, **labels):
    """The one sample of family `name` (or a histogram's `name` sample) with these labels."""
    fam = fams[name.rsplit("_", 1)[0] if name.endswith(("_count", "_sum")) else name]
    found = [s.value for s in fam.samples if s.name == name and s.labels == labels]
    assert len(found) == 1, f"{name}{labels}: {len(found)} samples in {fam.samples}"
    return found[0]


def maybe(fams, name, **labels):
    fam = fams.get(name)
    found = [s.value for s in fam.samples if s.labels == labels] if fam else []
    return found[0] if found else None


class MetricsFormatTest(ClusterTestCase):
    def check_histogram(self, fam):
        """Every series: buckets cumulative and monotone, le increasing, +Inf == _count."""
        series = {}
        for s in fam.samples:
            key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
            series.setdefault(key, {"buckets": []})
            if s.name == fam.name + "_bucket":
                series[key]["buckets"].append((float(s.labels["le"]), s.value))
            else:
                series[key][s.name[len(fam.name) + 1:]] = s.value
        self.assertTrue(series, f"{fam.name} has no series")
        for key, sr in series.items():
            les = [le for le, _ in sr["buckets"]]
            self.assertEqual(les, sorted(les), f"{fam.name}{key}: le out of order")
            self.assertEqual(les[-1], float("inf"), f"{fam.name}{key}: no +Inf bucket")
            counts = [n for _, n in sr["buckets"]]
            self.assertEqual(counts, sorted(counts), f"{fam.name}{key}: buckets not cumulative")
            self.assertEqual(counts[-1], sr["count"], f"{fam.name}{key}: +Inf != _count")
            self.assertGreaterEqual(sr["sum"], 0)
        return {dict(k).get("route"): sr for k, sr in series.items()}

    def test_families_types_labels_and_values(self):
        a, b = self.start_topology(2, [(0, 1)], "mf")  # b dials a
        for i in range(3):
            self.put_ok(a, f"mf/k{i}", {"role": "x" if i else "y"})
        self.assertEqual(a.get("mf/k0")[0], 200)
        self.assertEqual(a.get("mf/k1")[0], 200)
        self.assertEqual(a.get("mf/absent")[0], 404)
        self.assertEqual(a.delete("mf/k2")[0], 200)
        self.assertEqual(a.request("GET", "/query/mf/?field=/role&eq=%22x%22")[0], 200)  # a scan
        post_index(self, a, "mf/", "/role")
        self.assertEqual(a.request("GET", "/query/mf/?field=/role&eq=%22x%22")[0], 200)  # the index
        self.assertEqual(a.request("GET", "/no/such/route/4711")[0], 404)
        self.assertEqual(a.request("GET", "/health")[0], 200)
        sse = SSEClient(a, "mf")
        self.addCleanup(sse.close)
        self.assertEqual(sse.status, 200)
        self.assertEqual(SSEClient(a, "mf\x01").status, 400)
        wait_converged([a, b], {"mf/k0": {"role": "y"}, "mf/k1": {"role": "x"}})
        text = scrape(a)

        # HELP and TYPE for every family, counters end in _total, no untyped samples.
        helps = set(re.findall(r"^# HELP (\S+) \S", text, re.M))
        types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
        self.assertEqual(helps, set(types))
        for name, typ in types.items():
            self.assertIn(typ, ("counter", "gauge", "histogram"), name)
            self.assertEqual(name.endswith("_total"), typ == "counter", f"{name} is a {typ}")
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
                self.assertTrue(name in types or re.sub(r"_(bucket|sum|count)$", "", name) in types, line)
        fams = families(text)
        self.assertEqual(set(fams), set(types))
        for name, typ in TYPES.items():
            self.assertEqual(types.get(name), typ, name)

        # Requests: a fixed set of routes, the raw path never; codes as labels.
        routes = {s.labels["route"] for s in fams["p2p_http_requests_total"].samples}
        self.assertLessEqual(routes, ROUTES)
        self.assertEqual(value(fams, "p2p_http_requests_total", route="data", code="200"), 6)  # 3 PUTs, 2 GETs, 1 DELETE
        self.assertEqual(value(fams, "p2p_http_requests_total", route="data", code="404"), 1)
        self.assertEqual(value(fams, "p2p_http_requests_total", route="query", code="200"), 2)
        self.assertEqual(value(fams, "p2p_http_requests_total", route="/indexes", code="201"), 1)
        self.assertEqual(value(fams, "p2p_http_requests_total", route="other", code="404"), 1)
        self.assertEqual(value(fams, "p2p_http_requests_total", route="/p2p", code="101"), 1)
        self.assertEqual(value(fams, "p2p_http_requests_total", route="events", code="200"), 1)
        self.assertEqual(value(fams, "p2p_http_requests_total", route="events", code="400"), 1)
        self.assertGreaterEqual(value(fams, "p2p_http_requests_total", route="/peers", code="200"), 1)
        latency = self.check_histogram(fams["p2p_http_request_duration_seconds"])
        self.assertLessEqual(set(latency), ROUTES)
        self.assertEqual(latency["data"]["count"], 7)
        self.assertEqual(latency["query"]["count"], 2)
        self.assertNotIn("/p2p", latency, "a link's upgrade is not timed")
        self.assertNotIn("events", latency, "a stream is not timed")
        commits = self.check_histogram(fams["p2p_commit_duration_seconds"])[None]
        self.assertGreaterEqual(commits["count"], 5)  # 3 PUTs, the DELETE, the index
        self.assertGreater(commits["sum"], 0)

        self.assertEqual(value(fams, "p2p_queries_total", plan="index"), 1)
        self.assertEqual(value(fams, "p2p_queries_total", plan="scan"), 1)
        self.assertGreater(value(fams, "p2p_link_bytes_total", direction="sent"), 0)
        self.assertEqual(value(fams, "p2p_link_state_changes_total", state="up"), 1)

        # Links by peer: a sees b inbound, b sees a outbound; all sent and acknowledged.
        self.assertEqual(value(fams, "p2p_link_connected", peer=b.id, direction="in"), 1)
        fb = families(scrape(b))
        self.assertEqual(value(fb, "p2p_link_connected", peer=a.id, direction="out"), 1)
        wait_until(lambda: maybe(families(scrape(a)), "p2p_link_lag_updates", peer=b.id, direction="in") == 0,
                   what="a's lag towards b back to 0")
        fams = families(scrape(a))
        self.assertEqual(value(fams, "p2p_link_queued_updates", peer=b.id, direction="in"), 0)

        # Build info, and process figures that agree with /proc.
        (info,) = fams["p2p_build_info"].samples
        self.assertEqual(info.value, 1)
        self.assertEqual(info.labels["version"], project_version())
        self.assertRegex(info.labels["revision"], r"^([0-9a-f]{7,40})?$")
        pid = a.proc.pid
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        self.assertAlmostEqual(value(fams, "process_cpu_seconds_total"),
                               (int(fields[11]) + int(fields[12])) / tick, delta=0.5)
        self.assertAlmostEqual(value(fams, "process_start_time_seconds"), time.time(), delta=120)
        with open(f"/proc/{pid}/statm") as f:
            rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        self.assertAlmostEqual(value(fams, "process_resident_memory_bytes"), rss, delta=max(rss // 4, 1 << 20))
        self.assertAlmostEqual(value(fams, "process_open_fds"), len(os.listdir(f"/proc/{pid}/fd")), delta=4)

    def test_lag_and_queue_of_a_peer_that_does_not_acknowledge(self):
        node = self.start_node("mflag")
        total = 3000  # past the send window: 4 runs of 512 unacknowledged (replication_limits)
        status, body = http_import(node, lines_of(
            [entry(f"lag/k{i:05d}", i, 1_700_000_000_000 + i) for i in range(total)]))
        self.assertEqual((status, body.get("applied")), (200, total), body)
        head = value(families(scrape(node)), "p2p_store_last_seq")
        self.assertEqual(head, total)
        self.assertEqual(value(families(scrape(node)), "p2p_http_requests_total", route="import", code="200"), 1)
        p = PeerClient(node, auto_ack=False)
        self.addCleanup(p.close)
        runs = [p.wait_for("changes") for _ in range(4)]
        fams = families(scrape(node))
        self.assertEqual(value(fams, "p2p_link_connected", peer=p.id, direction="in"), 1)
        self.assertEqual(value(fams, "p2p_link_lag_updates", peer=p.id, direction="in"), head)
        self.assertEqual(value(fams, "p2p_link_queued_updates", peer=p.id, direction="in"),
                         head - runs[-1]["upto"])
        self.assertGreater(head - runs[-1]["upto"], 0)
        # Acknowledged, the rest goes out and the gauges drain to 0.
        p.auto_ack = True
        for run in runs:
            p.send({"type": "ack", "upto": run["upto"]})

        def drained():
            p.pump(0.05)
            f = families(scrape(node))
            return (maybe(f, "p2p_link_lag_updates", peer=p.id, direction="in"),
                    maybe(f, "p2p_link_queued_updates", peer=p.id, direction="in")) == (0, 0)
        wait_until(drained, 20, what="lag and queue back to 0")
        p.close()
        wait_until(lambda: maybe(families(scrape(node)), "p2p_link_connected", peer=p.id, direction="in") != 1,
                   what="the closed link not connected")


if __name__ == "__main__":
    unittest.main()
