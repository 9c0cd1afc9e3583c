#!/usr/bin/env python3
"""Preload keys into a node: PUT /api/bench/key-<i> for i in [0, N), over C keep-alive
connections in parallel. Usage: preload.py BASE_URL [N] [C]. Exits 1 on any non-200."""
import http.client
import sys
import threading
import time
from urllib.parse import urlsplit

base = urlsplit(sys.argv[1])
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
conns = int(sys.argv[3]) if len(sys.argv) > 3 else 16
failures = []


def worker(start):
    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=10)
    for i in range(start, count, conns):
        body = '{"n":%d,"name":"bench"}' % i
        try:
            conn.request("PUT", "/api/bench/key-%d" % i, body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                failures.append((i, "HTTP %d" % resp.status))
        except (OSError, http.client.HTTPException) as err:
            failures.append((i, repr(err)))
            conn.close()  # reconnects on the next request
    conn.close()


t0 = time.monotonic()
threads = [threading.Thread(target=worker, args=(s,)) for s in range(conns)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if failures:
    sys.exit("preload: %d of %d PUTs failed, first: key-%d -> %s" % (len(failures), count, *failures[0]))
print("preload: %d keys in %.0f ms" % (count, (time.monotonic() - t0) * 1000), file=sys.stderr)
