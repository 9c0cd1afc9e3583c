"""Server-Sent Events: GET /events/<prefix>.
The seed has no /events route (404): every test here fails against the reference."""
import json, threading, time, unittest

from harness import NodeTestCase, RawConn, SSEClient, api, call, wait_until


class EventsTest(NodeTestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = cls.class_node("events")

    def subscribe(self, prefix, last_event_id=None):
        """Opens a stream, checks status and type, and waits for the initial ':' comment."""
        sse = SSEClient(self.node, prefix, last_event_id)
        self.addCleanup(sse.close)
        self.assertEqual(sse.status, 200, getattr(sse, "body", b"")[:200])
        self.assertTrue(sse.headers.get("content-type", "").startswith("text/event-stream"), sse.headers)
        sse.wait_comment()
        return sse

    def put_ok(self, path, value):
        status, body = self.node.put(path, value)
        self.assertEqual(status, 200, body)
        return body

    def assert_event(self, event, path, value, ack):
        self.assertRegex(event.get("id", ""), r"^\d+$", f"no integer id: {event}")
        data = event["data"]
        self.assertEqual({k: data.get(k) for k in ("path", "value", "timestamp", "origin")},
                         {"path": path, "value": value, "timestamp": ack["timestamp"], "origin": self.node.id})

    def test_subscribe_answers_event_stream_and_comment_first(self):
        sse = SSEClient(self.node, "ev/hello")
        self.addCleanup(sse.close)
        self.assertEqual(sse.status, 200)
        self.assertTrue(sse.headers.get("content-type", "").startswith("text/event-stream"), sse.headers)
        self.assertTrue(sse.wait_comment().startswith(":"))

    def test_put_under_prefix_is_delivered_with_id_and_data(self):
        sse = self.subscribe("ev/put")
        value = {"n": 1, "s": "ünïcode ✓", "l": [True, None]}
        ack = self.put_ok("ev/put/a/b", value)
        self.assert_event(sse.next_event(), "ev/put/a/b", value, ack)

    def test_events_arrive_in_write_order(self):
        sse = self.subscribe("ev/order")
        acks = [self.put_ok(f"ev/order/{i:02d}", i) for i in range(20)]
        for i, ack in enumerate(acks):
            self.assert_event(sse.next_event(), f"ev/order/{i:02d}", i, ack)

    def test_exact_prefix_path_is_delivered(self):
        sse = self.subscribe("ev/exact")
        ack = self.put_ok("ev/exact", "itself")
        self.assert_event(sse.next_event(), "ev/exact", "itself", ack)

    def test_sibling_prefix_is_not_delivered(self):
        sse = self.subscribe("ev/sib")
        self.put_ok("ev/sib2/x", "sibling")  # string prefix, but not at or below ev/sib
        self.put_ok("ev/sibling", "sibling")
        self.put_ok("ev/other", "other")
        ack = self.put_ok("ev/sib/y", "match")
        self.assert_event(sse.next_event(), "ev/sib/y", "match", ack)

    def test_last_event_id_replays_missed_changes_then_live_ones(self):
        sse = self.subscribe("ev/resume")
        self.put_ok("ev/resume/a", 1)
        first = sse.next_event()
        sse.close()
        missed = [self.put_ok("ev/resume/b", 2), self.put_ok("ev/elsewhere", 0),
                  self.put_ok("ev/resume/c", 3)]
        again = self.subscribe("ev/resume", last_event_id=first["id"])
        self.assert_event(again.next_event(), "ev/resume/b", 2, missed[0])
        self.assert_event(again.next_event(), "ev/resume/c", 3, missed[2])
        live = self.put_ok("ev/resume/d", 4)
        event = again.next_event()
        self.assert_event(event, "ev/resume/d", 4, live)
        self.assertGreater(int(event["id"]), int(first["id"]))

    def test_last_event_id_replays_a_long_backlog_in_order(self):
        sse = self.subscribe("ev/long")
        self.put_ok("ev/long/start", 0)
        first = sse.next_event()
        sse.close()
        conn = self.node.connection()
        for i in range(600):  # several replay chunks, with other paths between
            self.assertEqual(call(conn, "PUT", api(f"ev/long/{i:04d}"), str(i))[0], 200)
            self.assertEqual(call(conn, "PUT", api(f"ev/noise/{i:04d}"), str(i))[0], 200)
        again = self.subscribe("ev/long", last_event_id=first["id"])
        got = [again.next_event()["data"]["path"] for _ in range(600)]
        self.assertEqual(got, [f"ev/long/{i:04d}" for i in range(600)])
        live = self.put_ok("ev/long/live", 1)
        self.assert_event(again.next_event(), "ev/long/live", 1, live)

    def test_last_event_id_replays_a_backlog_of_large_values(self):
        # replay chunks end at a byte bound (256 KiB) before their item count: 40 values of
        # 20 KB span several chunks, and every one of them must come
        sse = self.subscribe("ev/bulky")
        self.put_ok("ev/bulky/start", 0)
        first = sse.next_event()
        sse.close()
        conn = self.node.connection()
        for i in range(40):
            self.assertEqual(call(conn, "PUT", api(f"ev/bulky/{i:02d}"), json.dumps("x" * 20000))[0], 200)
        again = self.subscribe("ev/bulky", last_event_id=first["id"])
        got = [again.next_event()["data"]["path"] for _ in range(40)]
        self.assertEqual(got, [f"ev/bulky/{i:02d}" for i in range(40)])

    def test_last_event_id_from_another_database_replays_nothing(self):
        self.put_ok("ev/alien/old", 0)  # a replay from 0 would send this first
        sse = self.subscribe("ev/alien", last_event_id=10**12)
        ack = self.put_ok("ev/alien/x", 1)
        self.assert_event(sse.next_event(), "ev/alien/x", 1, ack)

    def test_unicode_prefix(self):
        sse = self.subscribe("ev/café")
        ack = self.put_ok("ev/café/naïve", "ok")
        self.assert_event(sse.next_event(), "ev/café/naïve", "ok", ack)

    def test_delete_is_delivered_with_null_value(self):
        self.put_ok("ev/del/k", "doomed")
        sse = self.subscribe("ev/del")
        status, ack = self.node.delete("ev/del/k")
        self.assertEqual(status, 200, ack)
        self.assert_event(sse.next_event(), "ev/del/k", None, ack)

    def test_empty_prefix_sees_everything(self):
        sse = self.subscribe("")
        acks = [(p, self.put_ok(p, p)) for p in ("ev/all/1", "zz-other-root", "a")]
        for path, ack in acks:
            self.assert_event(sse.next_event(), path, path, ack)

    def test_disconnect_drops_subscriber_and_writes_continue(self):
        # A node of its own: streams closed by earlier tests may still be counted on the shared one.
        node = self.start_node("gone")
        subscribers = lambda: node.metrics()["p2p_subscribers"]
        self.assertEqual(subscribers(), 0)
        sse = SSEClient(node, "ev/gone")
        self.addCleanup(sse.close)
        self.assertEqual(sse.status, 200)
        sse.wait_comment()
        wait_until(lambda: subscribers() == 1, what="p2p_subscribers == 1")
        sse.close()
        writes = iter(range(10 ** 6))

        def write_then_check():  # a server may notice the closed socket only when it writes to it
            self.assertEqual(node.put(f"ev/gone/{next(writes)}", "after")[0], 200)
            return subscribers() == 0

        wait_until(write_then_check, 20, interval=0.1, what="p2p_subscribers back to 0")


class SlowSubscriberTest(NodeTestCase):
    PUTS, WRITERS, VALUE = 2000, 4, "x" * 10240

    def test_slow_client_cannot_stall_writes(self):
        node = self.start_node("slow")
        slow = RawConn(node, rcvbuf=4096)
        self.addCleanup(slow.close)
        slow.exchange(b"GET /events/slow HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n",
                      want_response=False)
        subscribed = slow.read_until(lambda b: b":" in b.partition(b"\r\n\r\n")[2])
        self.assertTrue(subscribed, f"no initial comment: {slow.received[:200]!r}")
        self.assertIn(b" 200 ", slow.received.split(b"\r\n", 1)[0])
        # From here on the slow client never reads again.
        done, failures = [0] * self.WRITERS, []

        def writer(w):
            conn = node.connection()
            try:
                for i in range(w, self.PUTS, self.WRITERS):
                    status, _, body = call(conn, "PUT", api(f"slow/{i:05d}"), json.dumps(self.VALUE))
                    if status != 200:
                        raise AssertionError(f"PUT {i}: {status} {body[:100]!r}")
                    done[w] += 1
            except Exception as e:
                failures.append(repr(e))
            finally:
                conn.close()

        t0 = time.monotonic()
        threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(self.WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.1, 240 - (time.monotonic() - t0)))
        self.assertEqual(failures, [])
        self.assertEqual(sum(done), self.PUTS,
                         f"only {sum(done)} of {self.PUTS} PUTs done after {time.monotonic() - t0:.0f}s")
        self.assertEqual(node.get(f"slow/{self.PUTS - 1:05d}"), (200, self.VALUE))
        # Other subscribers still work afterwards.
        fresh = SSEClient(node, "slow")
        self.addCleanup(fresh.close)
        fresh.wait_comment()
        self.assertEqual(node.put("slow/after", 1)[0], 200)
        self.assertEqual(fresh.next_event()["data"]["path"], "slow/after")


class ShutdownWithStreamTest(NodeTestCase):
    def test_sigterm_with_an_open_stream_exits_promptly(self):
        node = self.start_node("events-stop")
        sse = SSEClient(node, "x")
        self.addCleanup(sse.close)
        sse.wait_comment()
        self.assertEqual(node.stop(deadline_s=10), 0, node.log_tail())


if __name__ == "__main__":
    unittest.main()
