#include "storage/database.hpp"
#include "test_dir.hpp"

#include <doctest/doctest.h>

using namespace p2p;

namespace {

update make(std::string path, std::string value, hlc_time t,
            std::string origin = "aa") {
  return update{std::move(path), std::move(value), t, std::move(origin)};
}

} // namespace

TEST_CASE("node id is made once and kept") {
  test_dir dir;
  std::string id;
  {
    database db(dir.sub("db"));
    id = db.node_id();
    CHECK(id.size() == 16);
  }
  database again(dir.sub("db"));
  CHECK(again.node_id() == id);
}

TEST_CASE("last-write-wins inside the write transaction") {
  test_dir dir;
  database db(dir.sub("db"));
  auto seqs = db.apply({make("k", "1", 10)});
  CHECK(seqs == std::vector<uint64_t>{1});
  // Older loses, equal stamp and origin is a duplicate, newer wins.
  CHECK(db.apply({make("k", "0", 9)}) == std::vector<uint64_t>{0});
  CHECK(db.apply({make("k", "1", 10)}) == std::vector<uint64_t>{0});
  CHECK(db.apply({make("k", "2", 10, "bb")}) == std::vector<uint64_t>{2});
  // Equal stamp and origin, another value (only imports do that): the
  // larger value wins, so every node keeps the same one.
  CHECK(db.apply({make("k", "1", 10, "bb")}) == std::vector<uint64_t>{0});
  CHECK(db.apply({make("k", "3", 10, "bb")}) == std::vector<uint64_t>{3});
  CHECK(db.apply({make("k", "2", 10, "bb")}) == std::vector<uint64_t>{0});
  CHECK(db.get("k")->u.value == "3");
  // Within one batch, order by stamp still decides.
  auto batch = db.apply({make("k", "4", 40), make("k", "3", 30)});
  CHECK(batch == std::vector<uint64_t>{4, 0});
  CHECK(db.get("k")->u.value == "4");
  CHECK(db.max_time() == 40);
}

TEST_CASE("tombstones, live count and the change index") {
  test_dir dir;
  database db(dir.sub("db"));
  db.apply({make("a", "1", 1), make("b", "2", 2), make("c", "3", 3)});
  CHECK(db.live_entries() == 3);
  db.apply({make("b", "null", 4)});
  CHECK(db.live_entries() == 2);
  CHECK(db.get("b")->u.is_tombstone());
  CHECK(db.scan("", 0).size() == 2);
  CHECK(db.scan("", 0, true).size() == 3);
  // One live change entry per path: b's newest version is seq 4.
  auto changes = db.changes_since(0, 0);
  REQUIRE(changes.size() == 3);
  CHECK(changes[2].u.path == "b");
  CHECK(changes[2].seq == 4);
  CHECK(db.changes_since(3, 0).size() == 1);
  CHECK(db.last_seq() == 4);
}

TEST_CASE("prefix scan with limit, in path order") {
  test_dir dir;
  database db(dir.sub("db"));
  db.apply({make("users/b", "2", 1), make("users/a", "1", 2),
            make("users2/x", "3", 3), make("user", "4", 4)});
  auto all = db.scan("users", 0);
  REQUIRE(all.size() == 3);
  CHECK(all[0].path == "users/a");
  CHECK(all[1].path == "users/b");
  CHECK(all[2].path == "users2/x");
  CHECK(db.scan("users/", 0).size() == 2);
  CHECK(db.scan("users", 1).size() == 1);
  CHECK(db.scan("zzz", 0).empty());
}

TEST_CASE("the map grows when full instead of failing") {
  test_dir dir;
  database db(dir.sub("db"), 256 * 1024);
  auto before = db.map_size();
  std::string big(4000, 'x');
  for (int i = 0; i < 200; ++i)
    db.apply({make("k" + std::to_string(i), "\"" + big + "\"", i + 1)});
  CHECK(db.map_size() > before);
  CHECK(db.live_entries() == 200);
  CHECK(db.get("k199"));
}

TEST_CASE("data survives reopening") {
  test_dir dir;
  {
    database db(dir.sub("db"));
    db.apply({make("x", R"({"v":1})", 77)});
  }
  database db(dir.sub("db"));
  CHECK(db.get("x")->u.value == R"({"v":1})");
  CHECK(db.max_time() == 77);
}

TEST_CASE("the epoch survives a clean close and moves after an unclean one") {
  test_dir dir;
  std::string epoch;
  {
    database db(dir.sub("db"));
    epoch = db.epoch();
  }
  {
    database db(dir.sub("db"));
    CHECK(db.epoch() == epoch); // closed cleanly
    // A second handle would be a second env in one process (not allowed);
    // an unclean end is simulated by leaving the mark: copy the files.
    std::filesystem::copy(dir.sub("db"), dir.sub("crashed"));
  }
  database crashed(dir.sub("crashed"));
  CHECK(crashed.epoch() != epoch);
}
