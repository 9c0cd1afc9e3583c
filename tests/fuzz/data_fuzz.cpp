// libFuzzer target: the data features' parsers of untrusted text. The first
// byte picks one: an import line (a line that parses must export and parse
// back to the same update), a query (a query that compiles must accept its
// own cursor encoding), a cursor, or a schema (one that compiles validates
// a value split off the input without crashing). Sort keys are checked to
// order like compare_scalars on every scalar the inputs hold.
#include "protocol/ndjson.hpp"
#include "protocol/query.hpp"
#include "protocol/schema.hpp"
#include "protocol/sort_key.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdlib>
#include <string>

namespace {

void check_key_order(const boost::json::value& a, const boost::json::value& b) {
  if (!p2p::is_scalar(a) || !p2p::is_scalar(b))
    return;
  auto ka = *p2p::sort_key(a);
  auto kb = *p2p::sort_key(b);
  int by_value = p2p::compare_scalars(a, b);
  // Keys may tie where values differ (cut strings, big integers), never
  // disagree in direction.
  if ((ka < kb && by_value > 0) || (kb < ka && by_value < 0))
    std::abort();
  if (p2p::sort_key_length(ka + "x/y") != ka.size())
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string why;
  switch (data[0] % 4) {
    case 0: {
      p2p::update u;
      if (!p2p::parse_import_line(text, u, why, 1700000000000))
        return 0;
      std::string line;
      p2p::append_export_line(line, u);
      line.pop_back();
      p2p::update back;
      if (!p2p::parse_import_line(line, back, why, 1700000000000) || !(back == u))
        std::abort();
      return 0;
    }
    case 1: {
      // "field \n condition \n condition": the rest as a query.
      auto nl = text.find('\n');
      p2p::field_query q;
      q.field = std::string(text.substr(0, nl));
      auto rest = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      auto nl2 = rest.find('\n');
      q.lower = p2p::query_bound{std::string(rest.substr(0, nl2)), true};
      if (nl2 != std::string_view::npos)
        q.upper = p2p::query_bound{std::string(rest.substr(nl2 + 1)), false};
      auto cq = p2p::compiled_query::compile(q, why);
      if (!cq)
        return 0;
      boost::system::error_code ec;
      auto lo = boost::json::parse(q.lower->json, ec);
      if (ec)
        return 0;
      // An inclusive lower bound matches itself unless the upper bound
      // excludes it; and a match is never past the end.
      if (cq->matches(lo) && cq->past_end(*p2p::sort_key(lo)))
        std::abort();
      if (q.upper) {
        auto hi = boost::json::parse(q.upper->json, ec);
        if (!ec)
          check_key_order(lo, hi);
      } else if (!cq->matches(lo)) {
        std::abort();
      }
      return 0;
    }
    case 2: {
      std::string after;
      if (p2p::decode_cursor(text, after) && p2p::encode_cursor(after) != text)
        std::abort();
      return 0;
    }
    default: {
      auto nl = text.find('\n');
      auto s = p2p::schema::compile(text.substr(0, nl), why);
      if (!s || nl == std::string_view::npos)
        return 0;
      boost::system::error_code ec;
      auto value = boost::json::parse(text.substr(nl + 1), ec);
      if (!ec)
        s->validate(value);
      return 0;
    }
  }
}
