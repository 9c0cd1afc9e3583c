#include "protocol/json_text.hpp"
#include "p2psync/update.hpp"
#include "storage/record.hpp"

#include <doctest/doctest.h>

using namespace p2p;

TEST_CASE("update JSON form") {
  update u{"users/al\"ice", R"({"a":1})", hlc_from_ms(1700000000123) + 3,
           "abcd"};
  std::string out;
  append_json(out, u);
  CHECK(out == R"({"path":"users/al\"ice","value":{"a":1},)"
               R"("timestamp":1700000000123,"origin":"abcd"})");
  // A write's answer adds the whole stamp, as a string beyond 2^53.
  CHECK(to_answer_json(u)
        == R"({"path":"users/al\"ice","value":{"a":1},)"
           R"("timestamp":1700000000123,"origin":"abcd",)"
           R"("hlc":"111411200008060931"})");
}

TEST_CASE("JSON strings escape control characters") {
  std::string out;
  append_json_string(out, std::string("a\x01\n\\", 4));
  CHECK(out == R"("a\u0001\n\\")");
}

TEST_CASE("canonical JSON") {
  std::string err;
  CHECK(canonical_json(R"( { "a" : [1, 2] } )", err) == R"({"a":[1,2]})");
  CHECK(canonical_json("\"caf\xC3\xA9\"", err) == "\"caf\xC3\xA9\"");
  CHECK(canonical_json("null", err) == "null");
  CHECK(canonical_json("{bad", err).empty());
  CHECK_FALSE(err.empty());
  err.clear();
  CHECK(canonical_json("", err).empty());
  CHECK_FALSE(err.empty());
  err.clear();
  CHECK(canonical_json("1 2", err).empty());
  // Found by fuzzing: 1e400 would serialize as Infinity, which is not JSON.
  err.clear();
  CHECK(canonical_json("[1e400]", err).empty());
  CHECK(err.find("range") != std::string::npos);
  // Serializing is idempotent, so every node stores the same text.
  auto once = canonical_json("[333333333333333333333333333333331, -0.0]", err);
  CHECK(canonical_json(once, err) == once);
}

TEST_CASE("record encoding round-trips") {
  update u{"p", R"({"x":"y"})", 123456789, "origin-id"};
  auto bytes = encode_record(u, 42);
  auto rec = decode_record("p", bytes);
  REQUIRE(rec);
  CHECK(rec->u == u);
  CHECK(rec->seq == 42);
  CHECK_FALSE(decode_record("p", bytes.substr(0, 10)));
  CHECK(decode_seq_key(encode_seq_key(0x0102030405060708)) == 0x0102030405060708);
  CHECK(encode_seq_key(1) < encode_seq_key(256)); // byte order = numeric order
}
