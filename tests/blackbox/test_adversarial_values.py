"""Values, numbers and paths at every edge, checked on every surface a value leaves by
(PUT's answer, GET, scan, SSE, export, and a linked peer's GET): what a client wrote comes
back as JavaScript writes it, byte for byte, and what is refused is refused on arrival with
a clear error, never half-way across a link. /health is probed throughout."""
import json, re, urllib.parse

from cluster import ClusterTestCase
from harness import SSEClient, api, scan_target, wait_until
from health_watch import HealthWatch

# (JSON text of a number as a client sends it, the text every surface must answer).
# Doubles come back as ECMAScript's Number::toString writes them (what JSON.stringify
# gives); integers that arrive as integers within 64 bits stay exact; beyond 64 bits
# the parser reads a double, which then prints as JavaScript prints that double.
NUMBERS = [
    ("0", "0"), ("-0", "0"), ("-0.0", "0"), ("1.5", "1.5"), ("0.1", "0.1"),
    ("100.0", "100"), ("1E2", "100"), ("1e300", "1e+300"), ("1e21", "1e+21"),
    ("1e20", "100000000000000000000"), ("1e-7", "1e-7"), ("1e-6", "0.000001"),
    ("2.5e-7", "2.5e-7"), ("123e-20", "1.23e-18"), ("5e-324", "5e-324"),
    ("-1e-300", "-1e-300"), ("0.30000000000000004", "0.30000000000000004"),
    ("1.7976931348623157e308", "1.7976931348623157e+308"),
    ("9007199254740992", "9007199254740992"), ("9007199254740993", "9007199254740993"),
    ("9223372036854775807", "9223372036854775807"),
    ("-9223372036854775808", "-9223372036854775808"),
    ("18446744073709551615", "18446744073709551615"),
    ("18446744073709551616", "18446744073709552000"),
    ("-9223372036854775809", "-9223372036854776000"),
    ("12345678901234567890123", "1.2345678901234568e+22"),
]
OUT_OF_RANGE = ["1e309", "-1e400", "[1,2e999]"]

PATHS_OK = ["a" * 400, "a" * 398 + "é", "a" * 396 + "😀", "x/..." + "/y" * 10,
            "sp ace/q?uery#frag/%25/+plus", "日本語/キー", "a:b@c!$&'()*,;="]
PATHS_BAD = ["a" * 401, "a" * 399 + "é", "a" * 397 + "😀", "a//b", "a/./b", "a/../b", "/a",
             "a/", "a\x7fb", "a\u0085b", "a\x01b"]


def number_text(raw_body):
    """The text of "n"'s number in a raw JSON body (the bytes, before any parser rounds it)."""
    m = re.search(rb'"n":(-?[0-9][0-9.eE+-]*)', raw_body)
    return m.group(1).decode() if m else None


class EdgeValuesTest(ClusterTestCase):
    @classmethod
    def setUpClass(cls):
        cls.a = cls.class_node("edge-a")
        cls.b = cls.class_node("edge-b", peers=[cls.a.url])

    def setUp(self):
        self.wait_links([self.a, self.b], [1, 1])

    def surfaces(self, path):
        """Raw bytes of path's value on every surface, once the peer has it."""
        out = {"get": self.a.request("GET", api(path))[2],
               "scan": self.a.request("GET", scan_target(path))[2],
               "export": self.a.request("GET", "/export?prefix=" + urllib.parse.quote(path, safe=""))[2]}
        self.wait_until_peer_has(path)
        out["peer get"] = self.b.request("GET", api(path))[2]
        return out

    def wait_until_peer_has(self, path):
        wait_until(lambda: self.b.request("GET", api(path))[0] == 200, 30, what=f"{path} on the peer")

    def test_numbers_at_the_edges_read_back_as_javascript_writes_them(self):
        sse = SSEClient(self.a, "num")
        sse.wait_comment()
        try:
            with HealthWatch(self.a) as watch:
                for i, (sent, want) in enumerate(NUMBERS):
                    path = f"num/{i}"
                    status, _, body = self.a.request("PUT", api(path), '{"n":%s}' % sent)
                    self.assertEqual(status, 200, f"{sent}: {body!r}")
                    found = {"put": body, "sse": sse.next_event()["raw"].encode()}
                    found.update(self.surfaces(path))
                    for where, raw in found.items():
                        self.assertEqual(number_text(raw), want, f"{sent} on {where}: {raw[:200]!r}")
            watch.assert_responsive(self)
        finally:
            sse.close()

    def test_numbers_out_of_double_range_are_refused(self):
        for text in OUT_OF_RANGE:
            status, _, body = self.a.request("PUT", api("num/out"), '{"n":%s}' % text)
            self.assertEqual(status, 400, f"{text}: {body!r}")
            self.assertIn(b"error", body)
        self.assertEqual(self.a.get("num/out")[0], 404)

    def test_paths_at_the_edges(self):
        for i, path in enumerate(PATHS_OK):
            status, _, body = self.a.request("PUT", api(path), json.dumps({"i": i}))
            self.assertEqual(status, 200, f"{path!r}: {body!r}")
            got = self.surfaces(path)
            self.assertEqual(json.loads(got["get"]), {"i": i})
            self.assertEqual(json.loads(got["peer get"]), {"i": i})
            self.assertIn(path, [e["path"] for e in json.loads(got["scan"])])
            self.assertEqual(json.loads(got["export"].splitlines()[0])["path"], path)
        for path in PATHS_BAD:
            status, _, body = self.a.request("PUT", api(path), '{"bad":true}')
            self.assertEqual(status, 400, f"{path!r} answered {status}: {body!r}")
            self.assertIn(b"error", body)

    def test_bodies_at_the_size_limit(self):
        limit = 1 << 20
        # A string value exactly at the limit (the quotes count) is taken and replicated.
        exact = '"' + "v" * (limit - 2) + '"'
        status, _, body = self.a.request("PUT", api("size/exact"), exact)
        self.assertEqual(status, 200, body[:200])
        over = '"' + "v" * (limit - 1) + '"'
        status, _, body = self.a.request("PUT", api("size/over"), over)
        self.assertEqual(status, 413, body[:200])
        # Numbers that Boost.JSON writes longer than sent (1.5 as 1.5E0) or that grow when
        # written as JavaScript does (1e20 is 21 digits) must not make a value that is
        # stored but cannot cross a link: refused here, or replicated.
        for name, item in (("boost", "1.5"), ("js", "1e20")):
            body_text = "[" + ",".join([item] * (limit // (len(item) + 1) - 2)) + "]"
            self.assertLessEqual(len(body_text), limit)
            path = f"size/grows-{name}"
            status, _, body = self.a.request("PUT", api(path), body_text)
            self.assertIn(status, (200, 400, 413), body[:200])
            self.assertEqual(self.a.put(f"size/after-{name}", {"small": True})[0], 200)
            self.wait_until_peer_has(f"size/after-{name}")
            if status == 200:
                self.wait_until_peer_has(path)
            else:
                self.assertIn(b"error", body)
                self.assertEqual(self.a.get(path)[0], 404)
        self.wait_until_peer_has("size/exact")

if __name__ == "__main__":
    import unittest
    unittest.main()
