"""Acknowledged writes survive kill -9 (a PUT/DELETE answers 200 only once durable)."""
import json, threading, unittest

from harness import NodeTestCase, api, call, parse_json, wait_until

THREADS = 8


def value_for(key, round_=0):
    return {"key": key, "round": round_, "payload": "ü" * (len(key) % 7) + "x" * 100, "list": [round_, key]}


class DurabilityTest(NodeTestCase):
    def put_all(self, node, items):
        """Sequential PUTs on one keep-alive connection; every one must answer 200."""
        conn = node.connection()
        try:
            for key, value in items:
                status, _, body = call(conn, "PUT", api(key), json.dumps(value, ensure_ascii=False))
                self.assertEqual(status, 200, body)
        finally:
            conn.close()

    def put_concurrently(self, node, per_thread):
        """THREADS threads, one connection each; returns once every reply is in."""
        errors = []

        def worker(items):
            try:
                self.put_all(node, items)
            except BaseException as e:  # reported below, with the thread's failure
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(items,)) for items in per_thread]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertFalse([t for t in threads if t.is_alive()], "concurrent PUTs did not finish in 120s")
        self.assertEqual(errors, [])

    def assert_all_present(self, node, expected, absent=()):
        conn = node.connection()
        self.addCleanup(conn.close)
        missing, wrong, resurrected = [], [], []
        for key, value in expected.items():
            status, _, body = call(conn, "GET", api(key))
            if status == 404:
                missing.append(key)
            elif status != 200 or parse_json(body) != value:
                wrong.append((key, status, body[:100]))
        for key in absent:
            if call(conn, "GET", api(key))[0] != 404:
                resurrected.append(key)
        self.assertEqual((missing, wrong, resurrected), ([], [], []),
                         f"{len(missing)} missing, {len(wrong)} wrong, {len(resurrected)} deleted keys back")

    def test_acknowledged_puts_survive_kill9(self):
        node = self.start_node("dur-puts")
        expected = {}
        sequential = [(f"seq/{i:04d}", value_for(f"seq/{i:04d}")) for i in range(200)]
        self.put_all(node, sequential)
        expected.update(sequential)
        # Overwrites: the acknowledged newest value is the one that must survive.
        overwrites = [(k, value_for(k, 1)) for k, _ in sequential[::10]]
        self.put_all(node, overwrites)
        expected.update(overwrites)
        per_thread = [[(f"conc/{t}/{i:03d}", value_for(f"conc/{t}/{i:03d}")) for i in range(25)]
                      for t in range(THREADS)]
        self.put_concurrently(node, per_thread)
        for items in per_thread:
            expected.update(items)
        self.put_all(node, [("seq/last", "the very last acknowledged write")])
        expected["seq/last"] = "the very last acknowledged write"
        node.kill9()  # right after the last reply
        node.restart()
        self.assert_all_present(node, expected)

    def test_acknowledged_deletes_survive_kill9(self):
        node = self.start_node("dur-deletes")
        keys = [f"del/{i:03d}" for i in range(40)]
        self.put_all(node, [(k, value_for(k)) for k in keys])
        conn = node.connection()
        try:
            for k in keys[::2]:
                status, _, body = call(conn, "DELETE", api(k))
                self.assertEqual(status, 200, body)
        finally:
            conn.close()
        node.kill9()  # right after the last DELETE's reply
        node.restart()
        kept = {k: value_for(k) for k in keys[1::2]}
        self.assert_all_present(node, kept, absent=keys[::2])
        status, items = node.scan("del/")
        self.assertEqual(status, 200)
        self.assertEqual([e["path"] for e in items], sorted(kept))

    def test_acknowledged_puts_survive_kill9_mid_stream(self):
        """Writers keep going while the node is killed; whatever got a 200 must be there."""
        node = self.start_node("dur-stream")
        acked, lock, stop = {}, threading.Lock(), threading.Event()

        def writer(t):
            conn = node.connection()
            try:
                for i in range(100000):
                    if stop.is_set():
                        return
                    key, value = f"stream/{t}/{i:05d}", value_for(f"stream/{t}/{i}")
                    status, _, _ = call(conn, "PUT", api(key), json.dumps(value, ensure_ascii=False))
                    if status == 200:
                        with lock:
                            acked[key] = value
            except OSError:  # the node died under us: expected
                pass
            except Exception:  # e.g. http.client.RemoteDisconnected / BadStatusLine
                pass
            finally:
                conn.close()

        threads = [threading.Thread(target=writer, args=(t,), daemon=True) for t in range(THREADS)]
        for t in threads:
            t.start()
        try:
            wait_until(lambda: len(acked) >= 150, 120, what="150 acknowledged writes")
            node.kill9()
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        with lock:
            snapshot = dict(acked)
        node.restart()
        self.assert_all_present(node, snapshot)


if __name__ == "__main__":
    unittest.main()
