"""A node that shuts down says goodbye on its peer links: a WebSocket close frame with 1001
(going away), not a bare TCP close, and it still exits promptly when a peer never answers."""
import signal, time

from harness import NodeTestCase
from test_lying_peer import DEADLINE, LiarMixin


class GracefulCloseTest(LiarMixin, NodeTestCase):
    def test_sigterm_sends_close_1001(self):
        self.node = self.start_node("close-target")
        ws = self.connect()
        self.handshake(ws)
        self.node.proc.send_signal(signal.SIGTERM)
        msgs, closed = ws.drain(DEADLINE)  # answers the close frame, as a peer would
        self.assertEqual(closed.code, 1001, f"close {closed}, messages {msgs!r}")
        self.assertEqual(self.node.proc.wait(timeout=20), 0)

    def test_a_peer_that_never_answers_the_close_does_not_hold_up_shutdown(self):
        self.node = self.start_node("close-silent")
        ws = self.connect()
        self.handshake(ws)
        start = time.monotonic()
        self.node.proc.send_signal(signal.SIGTERM)  # and we read nothing, answer nothing
        self.assertEqual(self.node.proc.wait(timeout=20), 0)
        self.assertLess(time.monotonic() - start, 15, "shutdown waited on a silent peer")
