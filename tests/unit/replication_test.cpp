// The replication state machine, message by message (as etcd raft's
// TestProgressFlowControl drives its Progress).
#include "memory_log.hpp"

#include "protocol/replication.hpp"

#include <doctest/doctest.h>

using namespace p2p;
using p2p::test::memory_log;

namespace {

std::vector<uint64_t> uptos(const replication_window::output& out) {
  std::vector<uint64_t> v;
  for (const auto& run : out.runs)
    v.push_back(run.upto);
  return v;
}

std::vector<std::string> paths(const wire::changes& run) {
  std::vector<std::string> v;
  for (const auto& u : run.items)
    v.push_back(u.path);
  return v;
}

std::size_t encoded_size(const wire::changes& run) {
  std::vector<const update*> items;
  for (const auto& u : run.items)
    items.push_back(&u);
  return wire::encode_changes(items, run.upto).size();
}

} // namespace

TEST_CASE("replication: the window holds at most `window` runs in flight") {
  memory_log log;
  for (int i = 0; i < 20; ++i)
    log.commit("p/" + std::to_string(i), "1");
  replication_limits limits;
  limits.run_items = 2;
  replication_window w(limits);
  w.start(0, "bb");
  CHECK(uptos(w.pump(log)) == std::vector<uint64_t>{2, 4, 6, 8});
  CHECK(w.in_flight() == 4);
  CHECK(w.pump(log).runs.empty()); // window full: nothing more
  CHECK(w.acked(2));
  CHECK(uptos(w.pump(log)) == std::vector<uint64_t>{10});
  CHECK(w.acked(4));
  CHECK(w.acked(6));
  CHECK(uptos(w.pump(log)) == std::vector<uint64_t>{12, 14});
  CHECK(w.in_flight() == 4);
  CHECK(w.cursor() == 14);
}

TEST_CASE("replication: an ack with nothing in flight changes nothing") {
  memory_log log;
  replication_window w;
  w.start(0, "bb");
  CHECK_FALSE(w.acked(5));
  CHECK(w.in_flight() == 0);
}

TEST_CASE("replication: what the other node sent or wrote is left out") {
  struct row {
    const char* name;
    uint64_t send_all_upto;
    uint64_t since;
    std::vector<std::string> expected; // paths of the one run
    uint64_t upto;
  };
  // Log: 1 mine, 2 received from bb, 3 written by bb (via cc), 4 mine.
  std::vector<row> rows = {
    {"echoes left out", 0, 0, {"a", "d"}, 4},
    {"a node holding nothing gets everything", 4, 0, {"a", "b", "c", "d"}, 4},
    {"send-all ends at its mark", 2, 0, {"a", "b", "d"}, 4},
    {"from a checkpoint", 0, 2, {"d"}, 4},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    memory_log log;
    log.commit("a", "1");
    log.commit("b", "2", "bb", "bb");
    log.commit("c", "3", "bb", "cc");
    log.commit("d", "4");
    replication_window w;
    w.start(r.since, "bb", r.send_all_upto);
    auto out = w.pump(log);
    REQUIRE(out.runs.size() == 1);
    CHECK(paths(out.runs[0]) == r.expected);
    CHECK(out.runs[0].upto == r.upto);
  }
}

TEST_CASE("replication: a run of echoes only goes out once, then per gap") {
  memory_log log;
  replication_limits limits;
  limits.checkpoint_gap = 3;
  replication_window w(limits);
  w.start(0, "bb");
  log.commit("x", "1", "bb", "bb");
  auto first = w.pump(log);
  REQUIRE(first.runs.size() == 1); // the first, so a checkpoint exists
  CHECK(first.runs[0].items.empty());
  CHECK(first.runs[0].upto == 1);
  w.acked(1);
  log.commit("y", "1", "bb", "bb");
  log.commit("z", "1", "bb", "bb");
  CHECK(w.pump(log).runs.empty()); // 2 past the checkpoint: not yet
  CHECK(w.cursor() == 3);
  log.commit("w", "1", "bb", "bb");
  CHECK(uptos(w.pump(log)) == std::vector<uint64_t>{4});
}

TEST_CASE("replication: a record too large for a frame never stalls the "
          "records behind it") {
  memory_log log;
  replication_limits limits;
  limits.frame_bytes = 400;
  replication_window w(limits);
  log.commit("a", "1");
  log.commit("huge", "\"" + std::string(500, 'x') + "\"");
  log.commit("c", "3");
  w.start(0, "bb");
  auto out = w.pump(log);
  REQUIRE(out.runs.size() == 1);
  CHECK(paths(out.runs[0]) == std::vector<std::string>{"a", "c"});
  CHECK(out.runs[0].upto == 3);
  REQUIRE(out.skipped.size() == 1);
  CHECK(out.skipped[0].rfind("huge (", 0) == 0);
  // Not retried: nothing more to send for it, ever.
  w.acked(3);
  CHECK(w.pump(log).runs.empty());
}

TEST_CASE("replication: records that fit only alone go alone") {
  memory_log log;
  replication_limits limits;
  limits.frame_bytes = 400;
  replication_window w(limits);
  auto big = "\"" + std::string(230, 'x') + "\""; // two never fit in 400
  log.commit("a", big);
  log.commit("b", big);
  log.commit("c", "1");
  w.start(0, "bb");
  auto out = w.pump(log);
  CHECK(out.skipped.empty());
  REQUIRE(out.runs.size() == 2);
  CHECK(paths(out.runs[0]) == std::vector<std::string>{"a"});
  CHECK(out.runs[0].upto == 1);
  CHECK(paths(out.runs[1]) == std::vector<std::string>{"b", "c"});
  CHECK(out.runs[1].upto == 3);
  for (const auto& run : out.runs)
    CHECK(encoded_size(run) <= limits.frame_bytes);
}

TEST_CASE("replication: a sketch's backlog goes first, then the log") {
  memory_log log;
  log.commit("a", "1");
  log.commit("b", "2");
  log.commit("c", "3");
  replication_limits limits;
  limits.run_items = 1;
  limits.window = 2;
  replication_window w(limits);
  w.start(0, "bb");
  w.catch_up_from({log.records().at(1).u, log.records().at(2).u}, 2);
  auto out = w.pump(log);
  REQUIRE(out.runs.size() == 2);
  CHECK(paths(out.runs[0]) == std::vector<std::string>{"a"});
  CHECK(out.runs[0].upto == 0); // not the end of the backlog
  CHECK(paths(out.runs[1]) == std::vector<std::string>{"b"});
  CHECK(out.runs[1].upto == 2); // its end: the position the sketch reflects
  w.acked(0);
  out = w.pump(log);
  REQUIRE(out.runs.size() == 1);
  CHECK(paths(out.runs[0]) == std::vector<std::string>{"c"});
  CHECK(out.runs[0].upto == 3);
}

TEST_CASE("replication: a sketch with nothing lacking sends a checkpoint") {
  memory_log log;
  log.commit("a", "1");
  replication_window w;
  w.start(0, "bb");
  w.catch_up_from({}, 1);
  auto out = w.pump(log);
  REQUIRE(out.runs.size() == 1);
  CHECK(out.runs[0].items.empty());
  CHECK(out.runs[0].upto == 1);
}

TEST_CASE("replication: stop forgets what was in flight and sends nothing") {
  memory_log log;
  log.commit("a", "1");
  replication_window w;
  w.start(0, "bb");
  CHECK(w.pump(log).runs.size() == 1);
  w.stop();
  CHECK(w.in_flight() == 0);
  CHECK_FALSE(w.streaming());
  log.commit("b", "1");
  CHECK(w.pump(log).runs.empty());
  w.start(1, "bb"); // reconnected, the other node at checkpoint 1
  auto out = w.pump(log);
  REQUIRE(out.runs.size() == 1);
  CHECK(paths(out.runs[0]) == std::vector<std::string>{"b"});
}
