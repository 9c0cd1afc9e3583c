"""Request framing (RFC 9112 section 6) on raw TCP: a request whose body length two readers could
disagree on (the shape of request smuggling) gets a 400 (501 for a transfer coding other than
chunked) and a closed connection; whatever followed it on the connection is never executed."""
import json, re, unittest

from harness import NodeTestCase, RawConn, api, parse_json


def request(method, target, body=b"", headers=(), version="1.1"):
    head = [f"{method} {target} HTTP/{version}", "Host: test", "Content-Type: application/json"]
    head += list(headers)
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def put(target, value):
    body = json.dumps(value).encode()
    return request("PUT", target, body, [f"Content-Length: {len(body)}"])


class FramingTest(NodeTestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = cls.class_node("framing")

    def assert_refused(self, data, want, *never_stored):
        """`data` gets one `want` answer with a JSON error, then the node closes the connection;
        nothing it carried, before or after the header, is stored."""
        conn = RawConn(self.node)
        self.addCleanup(conn.close)
        res = conn.exchange(data)
        self.assertIsNotNone(res, f"no complete response; got {conn.received[:300]!r}")
        status, _, body = res
        self.assertEqual(status, want, body[:300])
        self.assertIsInstance(parse_json(body).get("error"), str)
        self.assertTrue(conn.wait_closed(), "the connection stayed open after a framing error")
        status_lines = re.findall(rb"(?:^|\n)HTTP/1\.[01] \d{3} ", conn.received)
        self.assertEqual(len(status_lines), 1, f"answered more than once: {conn.received!r}")
        for path in never_stored:
            self.assertEqual(self.node.get(path)[0], 404, f"{path} was stored")
        self.assertTrue(self.node.serving())

    def test_xchunked_beside_content_length_and_the_hidden_request(self):
        # Content-Length covers "0\r\n\r\n" (also the end of a chunked body): a reader honouring
        # one or the other disagrees on where the next request, the hidden PUT, begins.
        body = b"0\r\n\r\n"
        for i, headers in enumerate((["Transfer-Encoding: xchunked", f"Content-Length: {len(body)}"],
                                     [f"Content-Length: {len(body)}", "Transfer-Encoding: xchunked"])):
            with self.subTest(headers=headers):
                data = request("PUT", api(f"frame/outer{i}"), body, headers)
                self.assert_refused(data + put(api(f"frame/hidden{i}"), {"smuggled": True}), 400,
                                    f"frame/outer{i}", f"frame/hidden{i}")

    def test_unknown_coding_without_content_length(self):
        # Without chunked last the length is unknowable: the bytes after the header are no request.
        data = request("PUT", api("frame/gz"), b"", ["Transfer-Encoding: gzip"])
        self.assert_refused(data + put(api("frame/gz-hidden"), 1), 400, "frame/gz", "frame/gz-hidden")

    def test_chunked_with_content_length_either_order(self):
        body = b"5\r\n12345\r\n0\r\n\r\n"
        for headers in (["Transfer-Encoding: chunked", "Content-Length: 5"],
                        ["Content-Length: 5", "Transfer-Encoding: chunked"]):
            with self.subTest(headers=headers):
                data = request("PUT", api("frame/both"), body, headers)
                self.assert_refused(data + put(api("frame/both-hidden"), 2), 400,
                                    "frame/both", "frame/both-hidden")

    def test_codings_before_chunked_are_not_implemented(self):
        body = b"1\r\n7\r\n0\r\n\r\n"
        for te in ("gzip, chunked", "deflate,chunked"):
            with self.subTest(te=te):
                data = request("PUT", api("frame/coded"), body, ["Transfer-Encoding: " + te])
                self.assert_refused(data, 501, "frame/coded")

    def test_split_transfer_encoding_fields_count_as_one_list(self):
        body = b"1\r\n7\r\n0\r\n\r\n"
        data = request("PUT", api("frame/split"), body,
                       ["Transfer-Encoding: gzip", "Transfer-Encoding: chunked"])
        self.assert_refused(data, 501, "frame/split")

    def test_chunked_twice_or_not_last_or_http_1_0(self):
        body = b"1\r\n7\r\n0\r\n\r\n"
        for te, version in (("chunked, chunked", "1.1"), ("chunked, gzip", "1.1"), ("chunked", "1.0")):
            with self.subTest(te=te, version=version):
                data = request("PUT", api("frame/odd"), body, ["Transfer-Encoding: " + te], version)
                self.assert_refused(data, 400, "frame/odd")

    def test_plain_chunked_still_works(self):
        value = b'{"chunked": true}'
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(value), value)
        conn = RawConn(self.node)
        self.addCleanup(conn.close)
        res = conn.exchange(request("PUT", api("frame/ok"), body, ["Transfer-Encoding: chunked"]))
        self.assertIsNotNone(res, conn.received[:300])
        self.assertEqual(res[0], 200, res[2][:300])
        self.assertEqual(self.node.get("frame/ok"), (200, {"chunked": True}))


if __name__ == "__main__":
    unittest.main()
