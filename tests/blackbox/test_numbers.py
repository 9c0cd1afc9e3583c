"""Numbers leave the node as JavaScript writes them and read back the same through a double
(issue 11): values as ECMAScript's Number::toString on HTTP, SSE, the wire and in exports;
clock stamps (above 2^53) as strings; and whatever a node stores fits a frame to its peers,
so a value accepted locally never blocks a link."""
import json, os, shutil, subprocess, unittest

from cluster import ClusterTestCase
from harness import SSEClient, api, wait_until
from transfer_helpers import HLC_COUNTER_BITS, http_export, http_import, ndjson
from ws_client import WSClient

DEADLINE = 10
LIMIT = 1 << 20  # max value bytes, as stored (protocol/limits.hpp); also the body limit
TWO_53 = 1 << 53

# As a client sends it, and as JSON.stringify(JSON.parse(it)) writes it (checked against node
# below when it is installed); integers beyond 2^53 that arrive as integers stay exact.
# "r" is a Math.random() output that Boost.JSON 1.81's parser reads as 0.99365272821278.
SENT = ('{"a":1.5,"c":0.1,"e":-0.0,"f":1e300,"g":1e21,"h":123e-20,"i":1e-7,"j":1e20,"k":2.5e-3,'
        '"r":0.9936527282127801}')
JS = ('{"a":1.5,"c":0.1,"e":0,"f":1e+300,"g":1e+21,"h":1.23e-18,"i":1e-7,"j":100000000000000000000,'
      '"k":0.0025,"r":0.9936527282127801}')
BIG_INTS = '[9007199254740993,18446744073709551615,-9223372036854775808]'


def js_round_trip(lines):
    """Each line through JavaScript's JSON.parse then JSON.stringify, as any JS tool would."""
    node = shutil.which("node")
    if not node:
        raise unittest.SkipTest("node (JavaScript) is not installed")
    script = ("let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{process.stdout.write("
              "s.split('\\n').filter(l=>l).map(l=>JSON.stringify(JSON.parse(l))).join('\\n')+'\\n')})")
    out = subprocess.run([node, "-e", script], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, timeout=60, check=True)
    return out.stdout.splitlines()


def numbers_in(doc):
    """The numbers the node wrote itself: a "value" is the client's, written as it sent it."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k != "value":
                yield from numbers_in(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from numbers_in(v)
    elif isinstance(doc, (int, float)) and not isinstance(doc, bool):
        yield doc


class NumbersTest(ClusterTestCase):
    def assert_safe_for_javascript(self, text, what):
        """Every number the node wrote in the document reads back the same through a double."""
        for n in numbers_in(json.loads(text)):
            if isinstance(n, int):
                self.assertLessEqual(abs(n), TWO_53, f"{what}: {n} does not survive a double: {text[:300]}")

    def test_javascript_writes_the_expected_text(self):
        self.assertEqual(js_round_trip([SENT]), [JS])

    def test_values_come_back_as_clients_wrote_them(self):
        a = self.start_node("num")
        events = SSEClient(a, "num/")
        self.addCleanup(events.close)
        events.wait_comment()
        status, _, body = a.request("PUT", api("num/x"), SENT)
        self.assertEqual(status, 200, body)
        self.assertIn(f'"value":{JS}'.encode(), body, "the PUT's answer")
        status, _, body = a.request("GET", api("num/x"))
        self.assertEqual((status, body), (200, JS.encode()), "GET")
        self.assertIn(f'"value":{JS}', events.next_event(DEADLINE)["raw"], "SSE")
        self.assertIn(f'"value":{JS}', http_export(a, "num/").decode(), "export")
        self.assertEqual(a.request("PUT", api("num/big"), BIG_INTS)[0], 200)
        self.assertEqual(a.request("GET", api("num/big"))[2], BIG_INTS.encode(), "big integers stay exact")
        # And on the wire, to a peer: values as JavaScript writes them, stamps as strings.
        ws = WSClient(a.host, a.port, timeout=DEADLINE)
        self.addCleanup(ws.close)
        ws.send_json({"type": "hello", "version": 1, "id": os.urandom(8).hex(), "epoch": os.urandom(8).hex()})
        self.assertEqual(ws.recv_json(DEADLINE)["type"], "hello")
        self.assertEqual(ws.recv_json(DEADLINE)["type"], "sync")
        ws.send_json({"type": "sync", "since": 0})
        kind, frame = ws.recv(DEADLINE)
        self.assertEqual(kind, "text")
        self.assertIn(f'"value":{JS}', frame)
        self.assertRegex(frame, r'"hlc":"[1-9][0-9]*"')
        self.assert_safe_for_javascript(frame, "a changes frame")

    def test_export_survives_a_javascript_round_trip(self):
        a = self.start_node("jsa")
        for i in range(20):  # several writes in one millisecond get stamps with a counter
            self.assertEqual(a.request("PUT", api(f"js/{i:02d}"), SENT if i % 2 else str(i))[0], 200)
        self.assertEqual(a.delete("js/00")[0], 200)
        raw = http_export(a, tombstones=True).decode()
        lines = raw.splitlines()
        self.assertEqual(len(lines), 20)
        through_js = js_round_trip(lines)
        b = self.start_node("jsb")
        status, body = http_import(b, ("\n".join(through_js) + "\n").encode())
        self.assertEqual((status, body), (200, {"lines": 20, "applied": 20}), body)
        self.assertEqual(ndjson(http_export(b, tombstones=True)), ndjson(raw.encode()),
                         "every entry with the same hlc, timestamp, origin and value")
        for line in lines:
            self.assert_safe_for_javascript(line, "an export line")
            hlc = int(json.loads(line)["hlc"])
            self.assertGreater(hlc, TWO_53, "a real stamp is beyond 2^53")
            self.assertEqual(hlc >> HLC_COUNTER_BITS, json.loads(line)["timestamp"])

    def test_a_big_value_does_not_stall_the_link(self):
        """A body under the body limit made of 1.5s: once stored it must still cross the link,
        and a small write made after it must arrive."""
        a, b = self.start_topology(2, [(0, 1)], name="big")
        body = "[" + ",".join(["1.5"] * ((LIMIT - 1000) // 4)) + "]"
        self.assertLess(len(body), LIMIT)
        status, _, answer = a.request("PUT", api("big/value"), body, timeout=60)
        self.assertEqual(status, 200, answer[:300])
        self.put_ok(a, "big/after", {"small": True})
        self.wait_value([b], "big/after", {"small": True}, deadline_s=60)
        status, _, got = b.request("GET", api("big/value"), timeout=60)
        self.assertEqual((status, got), (200, body.encode()), "the big value crossed too, unchanged")

    def test_a_value_too_big_as_stored_is_refused_where_made(self):
        """A body under the limit that grows past it when made canonical (1e20 is stored as
        100000000000000000000): a clear 413, nothing stored, the link keeps carrying writes."""
        a, b = self.start_topology(2, [(0, 1)], name="grow")
        body = "[" + ",".join(["1e20"] * (LIMIT // 10)) + "]"
        self.assertLess(len(body), LIMIT)
        status, _, answer = a.json_request("PUT", api("grow/value"), body)
        self.assert_json_error(status, answer, 413)
        self.assertIn("over the limit", answer["error"])
        self.assertEqual(a.get("grow/value")[0], 404, "nothing stored")
        # An import line too: refused, naming the line, nothing applied.
        line = json.dumps({"path": "grow/imported", "value": json.loads(body), "timestamp": 5,
                           "origin": "ab"})
        status, answer = http_import(a, (line + "\n").encode())
        self.assert_json_error(status, answer, 400)
        self.assertIn("over the limit", answer["error"])
        self.assertEqual(a.get("grow/imported")[0], 404)
        self.put_ok(a, "grow/after", 1)
        self.wait_value([b], "grow/after", 1)


if __name__ == "__main__":
    unittest.main()
