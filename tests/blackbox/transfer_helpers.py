"""Shared by test_transfer and test_transfer_bulk: NDJSON export lines, HTTP export and
import, the p2p-node subcommands, and a process's anonymous memory."""
import json, subprocess, urllib.parse

from harness import WORK, launcher, parse_json

HLC_COUNTER_BITS = 16  # an export line's hlc is its timestamp (ms) << 16 plus a counter
FOREIGN = "abcdef0123456789"  # an origin no test node has

VALUES = [{"a": 1, "b": [1, 2, {"c": None}]}, [1, "two", 3.5, False, None], "hello", "", 42, -7, 3.25, 0,
          True, False, {}, [], {"ü": "日本語 😀", "q": "\u0001 tab\t quote\" backslash\\"}, 1e300]


def export_target(prefix=None, tombstones=False):
    params = []
    if prefix is not None:
        params.append("prefix=" + urllib.parse.quote(prefix, safe=""))
    if tombstones:
        params.append("tombstones=1")
    return "/export" + ("?" + "&".join(params) if params else "")


def http_export(node, prefix=None, tombstones=False):
    """-> raw NDJSON bytes; checks the status and the streaming headers."""
    status, headers, body = node.request("GET", export_target(prefix, tombstones), timeout=120)
    assert status == 200, f"export answered {status}: {body[:300]!r}"
    assert headers.get("content-type", "").startswith("application/x-ndjson"), headers
    assert "chunked" in headers.get("transfer-encoding", "").lower(), headers
    return body


def ndjson(raw):
    assert raw == b"" or raw.endswith(b"\n"), f"export does not end with a newline: {raw[-80:]!r}"
    return [json.loads(line) for line in raw.decode("utf-8").splitlines()]


def lines_of(entries):
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries).encode("utf-8")


def http_import(node, body, timeout=120):
    if isinstance(body, str):
        body = body.encode("utf-8")
    status, _, data = node.request("POST", "/import", body, {"Content-Type": "application/x-ndjson"},
                                   timeout=timeout)
    return status, parse_json(data)


def entry(path, value, ts, origin=FOREIGN):
    return {"path": path, "value": value, "timestamp": ts, "origin": origin}


def cli(*args, stdin=None, timeout=120):
    return subprocess.run(launcher() + list(args), cwd=WORK, input=stdin, capture_output=True, timeout=timeout)


def strip_scan(scan):
    return [(e["path"], e["value"], e["timestamp"], e["origin"]) for e in scan]


def rss_anon_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None
