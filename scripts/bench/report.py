#!/usr/bin/env python3
"""Prints the table of bench-node.sh from its results file: lines `TARGET METRIC VALUE`, one per
measurement (TARGET is ours, seed or nginx). Each figure is the median over rounds (or starts),
with min-max beside it. Usage: report.py RESULTS_FILE"""
import statistics
import sys
from collections import defaultdict

data = defaultdict(list)
for line in open(sys.argv[1]):
    target, metric, value = line.split()
    data[target, metric].append(float(value))


def med(target, metric):
    values = data.get((target, metric))
    return statistics.median(values) if values else None


def cell(target, metric, fmt):
    values = data.get((target, metric))
    if not values:
        return "-"
    text = fmt.format(statistics.median(values))
    if len(values) > 1 and min(values) != max(values):
        text += (" (" + fmt + "-" + fmt + ")").format(min(values), max(values))
    return text


rows = [
    ("GET req/s", "get_rps", "{:.0f}"),
    ("GET p50 ms", "get_p50", "{:.2f}"),
    ("GET p99 ms", "get_p99", "{:.2f}"),
    ("GET errors", "get_err", "{:.0f}"),
    ("PUT req/s", "put_rps", "{:.0f}"),
    ("PUT p50 ms", "put_p50", "{:.2f}"),
    ("PUT p99 ms", "put_p99", "{:.2f}"),
    ("PUT errors", "put_err", "{:.0f}"),
    ("startup ms", "start_ms", "{:.1f}"),
    ("idle RSS MB", "rss_mb", "{:.1f}"),
]
targets = ["ours", "seed", "nginx"]
table = [["", *targets]] + [[name] + [cell(t, m, fmt) for t in targets] for name, m, fmt in rows]
widths = [max(len(r[i]) for r in table) for i in range(len(targets) + 1)]
print("median (min-max) per target; errors = non-2xx responses + socket errors")
for r in table:
    print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))


def ratio(a, b):
    return a / b if a is not None and b else None


checks = [  # label, value, comparison, target
    ("GET ours/nginx", ratio(med("ours", "get_rps"), med("nginx", "get_rps")), ">=", 0.8),
    ("PUT ours/nginx", ratio(med("ours", "put_rps"), med("nginx", "get_rps")), ">=", 0.5),
    ("GET ours/seed", ratio(med("ours", "get_rps"), med("seed", "get_rps")), ">=", 5),
    ("PUT ours/seed", ratio(med("ours", "put_rps"), med("seed", "put_rps")), ">=", 5),
    ("GET p99 ms (ours)", med("ours", "get_p99"), "<", 5),
    ("PUT p99 ms (ours)", med("ours", "put_p99"), "<", 5),
    ("idle RSS MB (ours)", med("ours", "rss_mb"), "<=", 15),
    ("startup ms (ours)", med("ours", "start_ms"), "<=", 50),
]
print("\ntargets (PUT ours/nginx compares against nginx's static GET, the machine's HTTP ceiling)")
for label, value, op, goal in checks:
    target = f"target {op} {goal}"
    if value is None:
        print(f"  {label:<20} {'-':>8}   {target:<14}  n/a")
        continue
    ok = {">=": value >= goal, "<": value < goal, "<=": value <= goal}[op]
    print(f"  {label:<20} {value:>8.2f}   {target:<14}  {'ok' if ok else 'MISS'}")
