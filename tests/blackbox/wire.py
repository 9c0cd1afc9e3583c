"""Wire-level clients for the black-box tests: a raw TCP connection for malformed, partial
or stalled requests, and a Server-Sent Events reader. Re-exported by harness.py."""
import json, queue, select, socket, struct, threading, time, urllib.parse

HTTP_TIMEOUT = 10


# ---------------------------------------------------------------------- raw TCP
def parse_response(raw):
    """Parses one HTTP/1.x response from bytes -> (status, headers, body) or None if incomplete."""
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep:
        return None
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        raise AssertionError(f"not an HTTP response: {raw[:200]!r}")
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            size_line, sep, rest = rest.partition(b"\r\n")
            if not sep:
                return None
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                return status, headers, body
            if len(rest) < size + 2:
                return None
            body, rest = body + rest[:size], rest[size + 2:]
    length = int(headers.get("content-length", "0"))
    return (status, headers, rest[:length]) if len(rest) >= length else None


class RawConn:
    """A plain TCP connection for malformed, partial or stalled requests."""

    def __init__(self, node, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET6 if ":" in node.host else socket.AF_INET)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(HTTP_TIMEOUT)
        self.sock.connect((node.host, node.port))
        self.received, self.closed, self.error = b"", False, None

    def exchange(self, data=b"", deadline_s=HTTP_TIMEOUT, want_response=True):
        """Sends data while reading; stops at a complete response, a close or the deadline.
        Returns the parsed response or None. A send error is kept in self.error, not raised."""
        self.sock.setblocking(False)
        sent, end = 0, time.monotonic() + deadline_s
        while time.monotonic() < end and not self.closed:
            writing = sent < len(data) and self.error is None
            if not writing and (not want_response or parse_response(self.received)):
                break
            r, w, _ = select.select([self.sock], [self.sock] if writing else [], [],
                                     max(0, end - time.monotonic()))
            if w:
                try:
                    sent += self.sock.send(data[sent:sent + 65536])
                except OSError as e:
                    self.error = e
            if r:
                try:
                    chunk = self.sock.recv(65536)
                except OSError as e:
                    self.error, self.closed = e, True
                    break
                self.closed = not chunk
                self.received += chunk
        return parse_response(self.received)

    def read_until(self, pred, deadline_s=HTTP_TIMEOUT):
        """Reads until pred(all bytes received) holds; False on close or deadline."""
        end = time.monotonic() + deadline_s
        while not pred(self.received):
            if self.closed or time.monotonic() >= end:
                return False
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                self.error, chunk = e, b""
            self.closed = not chunk
            self.received += chunk
        return True

    def wait_closed(self, deadline_s=HTTP_TIMEOUT):
        """True when the server closes (EOF or reset) within the deadline; data read is kept."""
        self.read_until(lambda _: False, deadline_s)
        return self.closed

    def close(self, reset=False):
        if reset:  # RST instead of FIN
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


def raw_exchange(node, data, deadline_s=HTTP_TIMEOUT):
    """Opens a connection, sends data, returns (parsed response or None, RawConn) and closes."""
    conn = RawConn(node)
    try:
        return conn.exchange(data, deadline_s), conn
    finally:
        conn.close()


# ---------------------------------------------------------------------- SSE
class SSEClient:
    """GET /events/<prefix>; a background thread parses the stream into self.items:
    ("comment", text), ("event", {"id","event","data"(parsed JSON),"raw"}), ("closed", error)."""

    def __init__(self, node, prefix="", last_event_id=None):
        self.conn = node.connection()
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.conn.request("GET", "/events/" + urllib.parse.quote(prefix, safe="/"),
                          headers=headers)
        self.sock = self.conn.sock
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = {k.lower(): v for k, v in self.resp.getheaders()}
        self.items, self.thread = queue.Queue(), None
        if self.status == 200:
            self.sock.settimeout(None)  # the reader blocks until close() shuts the socket down
            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()
        else:
            self.body = self.resp.read()

    def _run(self):
        fields, data, err = {}, [], None
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                line = line.decode("utf-8").rstrip("\r\n")
                if line.startswith(":"):
                    self.items.put(("comment", line))
                elif line == "":
                    if data:
                        raw = "\n".join(data)
                        self.items.put(("event", dict(fields, raw=raw, data=json.loads(raw))))
                    elif fields:
                        self.items.put(("fields", fields))
                    fields, data = {}, []
                else:
                    name, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if name == "data":
                        data.append(value)
                    else:
                        fields[name] = value
        except Exception as e:  # socket shut down by close(), or a malformed stream
            err = e
        self.items.put(("closed", err))

    def next_item(self, deadline_s=HTTP_TIMEOUT):
        try:
            return self.items.get(timeout=deadline_s)
        except queue.Empty:
            raise AssertionError(f"no SSE data within {deadline_s}s") from None

    def wait_comment(self, deadline_s=HTTP_TIMEOUT):
        """The first thing on the stream must be a ':' comment (the subscription is live)."""
        kind, value = self.next_item(deadline_s)
        if kind != "comment":
            raise AssertionError(f"first SSE item is {kind} {value!r}, expected a ':' comment")
        return value

    def next_event(self, deadline_s=HTTP_TIMEOUT):
        end = time.monotonic() + deadline_s
        while True:
            kind, value = self.next_item(max(0.01, end - time.monotonic()))
            if kind == "event":
                return value
            if kind == "closed":
                raise AssertionError(f"SSE stream closed: {value!r}")

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()
        self.sock.close()
        if self.thread:
            self.thread.join(5)
