"""A minimal WebSocket client (RFC 6455) over a raw socket, for black-box tests of the peer
protocol: it sends whatever it is told to, well-formed or not. Python 3 stdlib only."""
import base64, hashlib, json, os, select, socket, struct, time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
TIMEOUT = 10


class WSClosed(Exception):
    """The connection ended: .code/.reason from the close frame, or code None for a bare EOF/reset."""

    def __init__(self, code=None, reason="", error=None):
        super().__init__(f"closed code={code} reason={reason!r} error={error!r}")
        self.code, self.reason, self.error = code, reason, error


class WSClient:
    def __init__(self, host, port, path="/p2p", timeout=TIMEOUT, upgrade=True):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.host, self.port, self.path, self.timeout = host, port, path, timeout
        self.buf, self.closed, self.status, self.send_error = b"", None, None, None
        if upgrade:
            self.upgrade()

    # ------------------------------------------------------------------ handshake
    def upgrade(self):
        """HTTP/1.1 upgrade to `path`; AssertionError unless the answer is a valid 101."""
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
        end = time.monotonic() + self.timeout
        while b"\r\n\r\n" not in self.buf:
            self._fill(end)
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        if self.status != 101 or headers.get("sec-websocket-accept") != accept:
            raise AssertionError(f"upgrade failed: {lines[0]!r} {headers!r}")
        return self

    # ------------------------------------------------------------------ sending
    @staticmethod
    def frame(opcode, payload, fin=True, mask=True, rsv=0):
        """Encodes one frame: 7-, 16- or 64-bit length, masked as a client must (unless mask=False)."""
        head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
        n, m = len(payload), 0x80 if mask else 0
        if n < 126:
            head += bytes([m | n])
        elif n < 1 << 16:
            head += bytes([m | 126]) + struct.pack("!H", n)
        else:
            head += bytes([m | 127]) + struct.pack("!Q", n)
        if not mask:
            return head + payload
        key = os.urandom(4)
        full = (key * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(full, "big")).to_bytes(n, "big") if n else b""
        return head + key + masked

    def send_raw(self, data):
        """sendall; a send error (the node closed on us) is kept in self.send_error, not raised."""
        try:
            self.sock.sendall(data)
            return True
        except OSError as e:
            self.send_error = e
            return False

    def send(self, opcode, payload, fragments=1, **kw):
        """Sends one message, split into `fragments` frames (first `opcode`, then continuations)."""
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        size = max(1, -(-len(payload) // fragments))
        parts = [payload[i:i + size] for i in range(0, len(payload), size)] or [b""]
        return self.send_raw(b"".join(self.frame(opcode if i == 0 else CONT, p, fin=i == len(parts) - 1, **kw)
                                      for i, p in enumerate(parts)))

    def send_text(self, text, fragments=1):
        return self.send(TEXT, text, fragments)

    def send_json(self, obj, fragments=1):
        return self.send_text(json.dumps(obj), fragments)

    def send_binary(self, data, fragments=1):
        return self.send(BINARY, data, fragments)

    def send_close(self, code=1000, reason=""):
        return self.send(CLOSE, struct.pack("!H", code) + reason.encode() if code else b"")

    # ------------------------------------------------------------------ receiving
    def _fill(self, end):
        left = end - time.monotonic()
        if left <= 0 or not select.select([self.sock], [], [], left)[0]:
            raise socket.timeout("no data before the deadline")
        try:
            chunk = self.sock.recv(65536)
        except OSError as e:
            raise self._closed(WSClosed(error=e))
        if not chunk:
            raise self._closed(WSClosed())
        self.buf += chunk

    def _closed(self, exc):
        self.closed = self.closed or exc
        return self.closed

    def _take(self, n, end):
        while len(self.buf) < n:
            self._fill(end)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self, end):
        """-> (fin, opcode, payload) of the next frame (unmasking if the server masked it)."""
        b0, b1 = self._take(2, end)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._take(2, end))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._take(8, end))[0]
        key = self._take(4, end) if b1 & 0x80 else None
        data = self._take(n, end)
        if key:
            data = bytes(c ^ key[i % 4] for i, c in enumerate(data))
        return bool(b0 & 0x80), b0 & 0x0F, data

    def recv(self, timeout=TIMEOUT):
        """-> ("text", str) or ("binary", bytes). Answers pings; raises WSClosed on a close frame
        (answered), EOF or reset, and socket.timeout when nothing complete arrives in time."""
        if self.closed:
            raise self.closed
        end, kind, parts = time.monotonic() + timeout, None, []
        while True:
            fin, op, data = self.recv_frame(end)
            if op == PING:
                self.send(PONG, data)
            elif op == CLOSE:
                code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
                self.send_close(code or 1000)
                raise self._closed(WSClosed(code, data[2:].decode("utf-8", "replace")))
            elif op in (TEXT, BINARY, CONT):
                kind = kind or ("text" if op == TEXT else "binary")
                parts.append(data)
                if fin:
                    body = b"".join(parts)
                    return (kind, body.decode("utf-8")) if kind == "text" else (kind, body)

    def recv_json(self, timeout=TIMEOUT):
        kind, body = self.recv(timeout)
        if kind != "text":
            raise AssertionError(f"expected a text frame, got {kind} {body[:100]!r}")
        return json.loads(body)

    def drain(self, timeout=TIMEOUT):
        """Reads until the connection ends -> (messages, WSClosed); AssertionError at the deadline."""
        end, msgs = time.monotonic() + timeout, []
        while True:
            try:
                msgs.append(self.recv(max(0.01, end - time.monotonic())))
            except WSClosed as closed:
                return msgs, closed
            except socket.timeout:
                raise AssertionError(f"connection still open after {timeout}s; got {msgs!r}") from None

    def close(self, reset=False):
        if reset:  # RST instead of FIN
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()
