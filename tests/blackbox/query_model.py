"""Client side and model of field queries, shared by test_queries and test_indexes: build
/query targets, follow cursors to the end checking every page, and compute from a Python
model of the store what a query must answer, in the documented order."""
import json, re, urllib.parse

from harness import call, parse_json

MISSING = object()


# ------------------------------------------------------------------ client side
def query_target(prefix, params):
    """/query/<prefix>?<params>; params is a dict or a list of pairs, values sent verbatim
    (percent-encoded), so a JSON string condition is passed as its JSON text."""
    items = params.items() if isinstance(params, dict) else params
    qs = urllib.parse.urlencode([(k, str(v)) for k, v in items], quote_via=urllib.parse.quote)
    return "/query/" + urllib.parse.quote(prefix, safe="/") + ("?" + qs if qs else "")


def cond_params(cond):
    """{"eq": 3} / {"gte": "a", "lt": "b"} -> query parameters holding JSON text."""
    return {op: json.dumps(v, ensure_ascii=False) for op, v in cond.items()}


def query_all(node, prefix, field, cond, limit, scan=False, want_plan=None, conn=None, alternate=False):
    """Follows the cursor to the end -> (all results, pages). Checks every page on the way:
    at most `limit` results, a full page before every non-null next, no empty page after a
    next, the wanted plan on every page."""
    own = conn is None
    conn = conn or node.connection()
    results, pages, cursor = [], [], None
    try:
        for _ in range(5000):
            params = dict(field=field, limit=limit, **cond_params(cond))
            if scan or (alternate and len(pages) % 2 == 1):  # alternate: scan every other page
                params["scan"] = 1
            if cursor is not None:
                params["cursor"] = cursor
            target = query_target(prefix, params)
            status, _, body = call(conn, "GET", target)
            body = parse_json(body)
            assert status == 200, f"GET {target}: {status} {body!r}"
            assert set(body) >= {"results", "next", "plan", "examined"}, body
            page = body["results"]
            assert len(page) <= limit, f"{len(page)} results for limit {limit}: {target}"
            if cursor is not None:
                assert page, f"a cursor led to an empty page: {target}"
            if body["next"] is not None:
                assert len(page) == limit, f"next given after a short page ({len(page)}/{limit}): {target}"
                assert isinstance(body["next"], str) and body["next"], body
            plan = None if alternate else want_plan or ("scan" if scan else None)
            if plan is not None:
                assert body["plan"] == plan, f"plan {body['plan']!r}, want {plan!r}: {target} -> {body}"
            assert ("index" in body) == (body["plan"] == "index"), body
            pages.append(body)
            results += page
            cursor = body["next"]
            if cursor is None:
                return results, pages
        raise AssertionError(f"more than 5000 pages for {prefix} {field} {cond}")
    finally:
        if own:
            conn.close()


# ------------------------------------------------------------------ model
def resolve(doc, pointer):
    """RFC 6901 pointer into a decoded JSON value; MISSING when it leads nowhere."""
    if pointer == "":
        return doc
    cur = doc
    for tok in pointer[1:].split("/"):
        tok = tok.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict):
            if tok not in cur:
                return MISSING
            cur = cur[tok]
        elif isinstance(cur, list):
            if not re.fullmatch(r"0|[1-9][0-9]{0,8}", tok) or int(tok) >= len(cur):
                return MISSING
            cur = cur[int(tok)]
        else:
            return MISSING
    return cur


def order_key(v):
    """null < false < true < numbers (numerically) < strings (UTF-8 bytes); None for others."""
    if v is None:
        return (0,)
    if v is False:
        return (1,)
    if v is True:
        return (2,)
    if isinstance(v, (int, float)):
        return (3, float(v))
    if isinstance(v, str):
        return (4, v.encode("utf-8"))
    return None


def model_query(store, prefix, field, cond):
    """The paths a query must answer, in order, from {path: value}."""
    hits = []
    for path, doc in store.items():
        if not path.startswith(prefix):
            continue
        key = order_key(resolve(doc, field))  # None when missing, an object or an array
        if key is None:
            continue
        if "eq" in cond:
            if key != order_key(cond["eq"]):
                continue
        else:
            kind = order_key(next(iter(cond.values())))[0]
            if key[0] != kind:
                continue
            ok = True
            for op, bound in cond.items():
                b = order_key(bound)
                ok &= {"gt": key > b, "gte": key >= b, "lt": key < b, "lte": key <= b}[op]
            if not ok:
                continue
        hits.append((index_order(key), path.encode("utf-8"), path))
    return [p for _, _, p in sorted(hits)]


def index_order(key):
    """The documented result order: strings by their first 96 key bytes (a NUL counts two)."""
    if key[0] != 4:
        return key
    used, cut = 0, bytearray()
    for b in key[1]:
        need = 2 if b == 0 else 1
        if used + need > 96:
            break
        used += need
        cut.append(b)
    return (4, bytes(cut))


def paths(results):
    return [r["path"] for r in results]


class QueryAssertions:
    def assert_indexed_equals_scan_and_model(self, node, store, prefix, field, cond, limits=(3, 100),
                                             index=None):
        """For each limit: indexed pages == scan pages == model; returns the full result list."""
        want = model_query(store, prefix, field, cond)
        first = None
        for limit in limits:
            with self.subTest(prefix=prefix, field=field, cond=cond, limit=limit, node=node.name):
                indexed, pages = query_all(node, prefix, field, cond, limit, want_plan="index")
                if index is not None:
                    self.assertEqual(pages[0]["index"], index)
                scanned, _ = query_all(node, prefix, field, cond, limit, scan=True)
                self.assertEqual(indexed, scanned, f"indexed != scan for {prefix} {field} {cond} limit {limit}")
                if len(pages) > 2:  # a cursor from one plan resumes the other
                    mixed, _ = query_all(node, prefix, field, cond, limit, alternate=True)
                    self.assertEqual(mixed, indexed, "pages alternating index and scan")
                self.assertEqual(paths(indexed), want, f"query {prefix} {field} {cond} limit {limit} vs model")
                for r in indexed:
                    self.assertEqual(r["value"], store[r["path"]])
                    self.assertEqual(set(r), {"path", "value", "timestamp", "origin"}, r)
                if first is None:
                    first = indexed
                self.assertEqual(indexed, first, "the limit changed the answer")
        return first


def post_index(testcase, node, prefix, field, want_status=201):
    status, _, body = node.json_request("POST", "/indexes", json.dumps({"prefix": prefix, "field": field}))
    testcase.assertEqual(status, want_status, body)
    if want_status == 201:
        testcase.assertEqual((body["prefix"], body["field"]), (prefix, field), body)
        testcase.assertIsInstance(body["built"], int)
    return body


def list_indexes(node):
    status, _, body = node.json_request("GET", "/indexes")
    assert status == 200, body
    return sorted((d["prefix"], d["field"]) for d in body)


# ------------------------------------------------------------------ tests
