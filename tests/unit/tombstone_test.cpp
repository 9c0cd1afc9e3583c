// Tombstone collection, the horizon and reconciliation's removals, on a
// real LMDB (storage/database_tombstones.cpp), and the TTL flag's durations.
#include "protocol/duration.hpp"
#include "storage/database.hpp"
#include "test_dir.hpp"

#include <doctest/doctest.h>

using namespace p2p;

namespace {

update make(std::string path, std::string value, hlc_time t,
            std::string origin = "aa") {
  return update{std::move(path), std::move(value), t, std::move(origin)};
}

write_batch from_peer(std::vector<update> updates) {
  return write_batch{std::move(updates), "bb", {}, 0};
}

} // namespace

TEST_CASE("collection removes tombstones below the cutoff, oldest first") {
  test_dir dir;
  database db(dir.sub("db"));
  for (int i = 0; i < 10; ++i)
    db.apply({make("k" + std::to_string(i), "1", 100 + i)});
  for (int i = 0; i < 10; ++i)
    db.apply({make("k" + std::to_string(i), "null", 200 + i)});
  db.apply({make("live", "1", 300)});
  CHECK(db.horizon().tombstones_held == 10);
  auto last = db.last_seq();
  // Below 205: five of them, two transactions of at most three.
  auto first = db.collect_tombstones({205, 3});
  CHECK(first.removed == 3);
  CHECK(first.more);
  auto second = db.collect_tombstones({205, 3});
  CHECK(second.removed == 2);
  CHECK_FALSE(second.more);
  auto hz = db.horizon();
  CHECK(hz.horizon == 204);
  CHECK(hz.collected == 5);
  CHECK(hz.tombstones_held == 5);
  CHECK_FALSE(db.get("k0"));
  CHECK(db.get("k5")->u.is_tombstone());
  CHECK(db.live_entries() == 1);
  // The log keeps its numbering: the next write gets a seq past the old.
  CHECK(db.last_seq() == last);
  CHECK(db.changes_since(0, 0).size() == 6);
  // Collecting the last entry of the log does not make its seq reusable.
  db.apply({make("t", "null", 400)});
  auto t_seq = db.last_seq();
  CHECK(db.collect_tombstones({1000, 100}).removed == 6);
  CHECK(db.last_seq() == t_seq);
  CHECK(db.apply({make("u", "1", 500)}) == std::vector<uint64_t>{t_seq + 1});
  CHECK(db.horizon().reconcile_below == t_seq);
}

TEST_CASE("an update older than the horizon for a path not held is dropped") {
  test_dir dir;
  database db(dir.sub("db"));
  db.apply({make("gone", "1", 100), make("kept", "1", 100)});
  db.apply({make("gone", "null", 200)});
  CHECK(db.collect_tombstones({300, 100}).removed == 1);
  CHECK(db.horizon().horizon == 200);
  // An import of the old value: dropped, counted, nothing written.
  auto before = db.last_seq();
  CHECK(db.apply({make("gone", "1", 100)}) == std::vector<uint64_t>{0});
  CHECK_FALSE(db.get("gone"));
  CHECK(db.horizon().dropped == 1);
  CHECK(db.last_seq() == before);
  // A path held still goes through last-write-wins, however old.
  CHECK(db.apply({make("kept", "2", 150)}) == std::vector<uint64_t>{before + 1});
  // Newer than the horizon: a new path is welcome.
  CHECK(db.apply({make("new", "1", 250)})[0] != 0);
  // From a peer, the old value is deleted again just after its stamp, so
  // that nodes still holding it converge on its absence.
  auto r = db.apply(std::vector<write_batch>{from_peer({make("gone", "7", 120)})});
  CHECK(r[0][0] == 0);
  auto again = db.get("gone");
  REQUIRE(again);
  CHECK(again->u.is_tombstone());
  CHECK(again->u.time == 121);
  // A tombstone from a peer is dropped without a trace.
  db.apply(std::vector<write_batch>{from_peer({make("other", "null", 50)})});
  CHECK_FALSE(db.get("other"));
  // Unchecked (local writes, the stream of a node being adopted): applied.
  write_batch adopted = from_peer({make("adopted", "1", 90)});
  adopted.check_horizon = false;
  CHECK(db.apply(std::vector<write_batch>{adopted})[0][0] != 0);
}

TEST_CASE("remove_absent deletes old records the peer lacks, in its range") {
  test_dir dir;
  database db(dir.sub("db"));
  db.apply({make("a", "1", 100), make("b", "1", 100), make("c", "1", 100),
            make("d", "null", 100), make("e", "1", 900), make("f", "1", 100)});
  auto before = db.last_seq();
  // The peer holds b in (a, e]; its horizon is 500: c and d are gone
  // there; e is too new to judge; a and f are outside the page.
  auto removed = db.remove_absent("a", "e", {"b"}, 500);
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].path == "c");
  CHECK(removed[0].is_tombstone());
  CHECK(db.get("a"));
  CHECK(db.get("b"));
  // c is deleted just past its stamp (the tombstone spreads: peers that
  // got c from us drop it too); d, a tombstone, is simply gone.
  auto c = db.get("c");
  REQUIRE(c);
  CHECK(c->u.is_tombstone());
  CHECK(c->u.time == 101);
  CHECK(c->u.origin == db.node_id());
  CHECK(c->seq == before + 1);
  CHECK_FALSE(db.get("d"));
  CHECK(db.get("e"));
  CHECK(db.get("f"));
  CHECK(db.live_entries() == 4);
  CHECK(db.horizon().tombstones_held == 1);
  // Peers that synced before must reconcile with us in turn.
  CHECK(db.horizon().reconcile_below == before + 2);
  // The last page runs to the end.
  CHECK(db.remove_absent("e", "", {}, 500).size() == 1);
  CHECK(db.get("f")->u.is_tombstone());
  // No horizon adopted by removing: that waits for the peer's word.
  CHECK(db.horizon().horizon == 0);
  db.raise_horizon(400);
  db.raise_horizon(300);
  CHECK(db.horizon().horizon == 400);
  CHECK(db.horizon_stamp() == 400);
}

TEST_CASE("the tombstone index is rebuilt for a db made without it") {
  test_dir dir;
  {
    database db(dir.sub("db"));
    db.apply({make("x", "1", 10)});
    db.apply({make("x", "null", 20)});
  }
  database again(dir.sub("db"));
  CHECK(again.horizon().tombstones_held == 1);
  CHECK(again.collect_tombstones({30, 10}).removed == 1);
  CHECK(again.horizon().tombstones_held == 0);
}

TEST_CASE("paths_page pages through every record, tombstones included") {
  test_dir dir;
  database db(dir.sub("db"));
  db.apply({make("a", "1", 1), make("b", "null", 2), make("c", "1", 3)});
  CHECK(db.paths_page("", 2, 1 << 20) == std::vector<std::string>{"a", "b"});
  CHECK(db.paths_page("b", 2, 1 << 20) == std::vector<std::string>{"c"});
  CHECK(db.paths_page("c", 2, 1 << 20).empty());
  CHECK(db.paths_page("", 10, 1).size() == 1);
}

TEST_CASE("durations for --tombstone-ttl") {
  using std::chrono::milliseconds;
  CHECK(parse_duration("0") == milliseconds(0));
  CHECK(parse_duration("500ms") == milliseconds(500));
  CHECK(parse_duration("2s") == milliseconds(2000));
  CHECK(parse_duration("90m") == milliseconds(90 * 60000));
  CHECK(parse_duration("12h") == milliseconds(12 * 3600000L));
  CHECK(parse_duration("7d") == milliseconds(7 * 86400000L));
  for (auto bad : {"", "7", "d", "-1s", "1.5h", "2 s", "1w", "3651d",
                   "99999999999999999999s", "0s0"})
    CHECK_MESSAGE(!parse_duration(bad), bad);
}
