// The plain logic behind /events' limits: where a Last-Event-ID replay
// stands (it must always end), and the node-wide budget of what streams hold.
#include "actors/http/replay_range.hpp"
#include "actors/stream_budget.hpp"
#include "actors/stream_event.hpp"
#include "apps/node_options.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace p2p;

namespace {

std::vector<stored_record> records(std::vector<uint64_t> seqs) {
  std::vector<stored_record> out;
  for (auto seq : seqs)
    out.push_back({update{"p/" + std::to_string(seq), "1", 1, "a"}, seq, ""});
  return out;
}

} // namespace

TEST_CASE("replay: records in range are handed out, then it ends at the end") {
  replay_range r(10, 20);
  CHECK(r.active());
  CHECK(r.position() == 10);
  CHECK(r.take(records({11, 15})) == 2);
  CHECK(r.active()); // a chunk may stop early at its byte bound
  CHECK(r.position() == 15);
  CHECK(r.take(records({18, 20})) == 2);
  CHECK_FALSE(r.active());
  CHECK(r.position() == 20);
  CHECK(r.take(records({21})) == 0);
}

TEST_CASE("replay: the newest entry of the range overwritten ends it") {
  // Entry 20 was overwritten after the stream subscribed: its record is now
  // at 25, and nothing of the range is left after 18. Today's main took
  // nothing from such a chunk and read it again, forever.
  replay_range r(10, 20);
  CHECK(r.take(records({18})) == 1);
  CHECK(r.active());
  CHECK(r.take(records({25, 26})) == 0);
  CHECK_FALSE(r.active());
  CHECK(r.position() == 18); // live events after 18 are still delivered
}

TEST_CASE("replay: a chunk running past the range keeps what is in it") {
  replay_range r(0, 5);
  CHECK(r.take(records({3, 4, 9})) == 2);
  CHECK_FALSE(r.active());
  CHECK(r.position() == 4);
}

TEST_CASE("replay: an empty chunk, a log going backwards, nothing to do") {
  replay_range empty(3, 9);
  CHECK(empty.take({}) == 0);
  CHECK_FALSE(empty.active());

  replay_range backwards(5, 9);
  CHECK(backwards.take(records({5})) == 0); // not past the position
  CHECK_FALSE(backwards.active());

  CHECK_FALSE(replay_range().active());
  CHECK_FALSE(replay_range(9, 9).active());
  replay_range alien(1000, 9); // an id from another database
  CHECK_FALSE(alien.active());
  CHECK(alien.position() == 9);
}

TEST_CASE("replay: any sequence of chunks ends it within a bound") {
  // Whatever the log answers, each take moves the position or ends.
  for (uint64_t past : {0, 1, 7}) {
    replay_range r(0, 100);
    int turns = 0;
    while (r.active() && turns < 200) {
      auto p = r.position();
      r.take(records({p + 1 + past, p + 2 + past}));
      ++turns;
    }
    CHECK_FALSE(r.active());
    CHECK(turns <= 100);
  }
}

TEST_CASE("budget: nobody is evicted under the limit") {
  stream_budget b(1000);
  int evicted = 0;
  auto a = b.join([&] { ++evicted; });
  b.charge(600);
  b.hold(a, 600);
  CHECK(evicted == 0);
  b.release(600);
  CHECK(b.used() == 0);
}

TEST_CASE("budget: past the limit the holder with the most queued ends") {
  stream_budget b(1000);
  std::vector<int> evicted;
  auto fast = b.join([&] { evicted.push_back(1); });
  auto slow = b.join([&] { evicted.push_back(2); });
  auto idle = b.join([&] { evicted.push_back(3); });
  b.charge(900);
  b.hold(fast, 100);
  b.hold(slow, 900);
  b.hold(idle, 0);
  CHECK(evicted.empty());
  b.charge(300); // 1200 alive
  CHECK(evicted == std::vector<int>{2});
  CHECK(b.evictions() == 1);
  // Still over, but what the slow one holds is on its way out: no more.
  b.charge(50);
  CHECK(evicted.size() == 1);
  b.hold(slow, 5000); // reports from an evicted holder change nothing
  CHECK(evicted.size() == 1);
  // It left, yet what it held is shared and still alive: the next goes.
  b.leave(slow);
  b.charge(10);
  CHECK(evicted == std::vector<int>{2, 1});
  // A holder with nothing queued is never the one to go.
  b.leave(fast);
  b.charge(10);
  CHECK(evicted.size() == 2);
  b.leave(idle);
}

TEST_CASE("budget: an event charges what it holds until the last holder") {
  auto b = std::make_shared<stream_budget>(1 << 20);
  {
    auto e = make_stream_event(update{"a/b", "\"x\"", 7, "n"}, 42, b);
    CHECK(e->seq() == 42);
    CHECK(e->text().rfind("id: 42\ndata: {", 0) == 0);
    CHECK(e->text().substr(e->text().size() - 2) == "\n\n");
    CHECK(b->used() >= e->text().size());
    auto shared = e; // a second reader: no second charge
    auto once = b->used();
    CHECK(once < 2 * e->text().size() + 256);
  }
  CHECK(b->used() == 0);
}

TEST_CASE("launcher: --sse-buffer-bytes") {
  CHECK(parse_node_args({}).options.sse_buffer_bytes == std::size_t{64} << 20);
  auto cmd = parse_node_args({"--sse-buffer-bytes", "4194304"});
  CHECK(cmd.what == launch_command::run);
  CHECK(cmd.options.sse_buffer_bytes == 4194304);
  CHECK(parse_node_args({"--sse-buffer-bytes", "0"}).what
        == launch_command::error);
  CHECK(parse_node_args({"--sse-buffer-bytes", "1048576"}).what
        == launch_command::error); // below two of the largest events
  CHECK(parse_node_args({"--sse-buffer-bytes", "1M"}).what
        == launch_command::error);
  CHECK(parse_node_args({"--sse-buffer-bytes", "-1"}).what
        == launch_command::error);
}
