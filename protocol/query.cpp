#include "protocol/query.hpp"

#include "protocol/hex.hpp"
#include "protocol/json_pointer.hpp"
#include "protocol/path.hpp"
#include "protocol/sort_key.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cmath>

namespace p2p {

// The parsed condition values, shared by copies of a compiled query.
struct compiled_query::values {
  std::optional<boost::json::value> equals;
  std::optional<boost::json::value> lower;
  std::optional<boost::json::value> upper;
  bool lower_inclusive = true;
  bool upper_inclusive = true;
};

namespace {

std::optional<boost::json::value> parse_scalar(const std::string& text,
                                               const char* what,
                                               std::string& why) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !is_scalar(v)) {
    why = std::string(what) + " must be a JSON scalar";
    return std::nullopt;
  }
  // Boost.JSON 1.81 reads 1e400 as inf and 0e400 as NaN.
  if (v.is_double() && !std::isfinite(v.get_double())) {
    why = std::string(what) + " is a number out of range";
    return std::nullopt;
  }
  return v;
}

std::optional<char> range_tag(const boost::json::value& v) {
  if (v.is_number())
    return static_cast<char>(key_tag::number);
  if (v.is_string())
    return static_cast<char>(key_tag::string);
  return std::nullopt;
}

} // namespace

std::optional<compiled_query> compiled_query::compile(const field_query& q,
                                                      std::string& why) {
  if (why = prefix_error(q.prefix); !why.empty())
    return std::nullopt;
  if (why = pointer_error(q.field); !why.empty())
    return std::nullopt;
  if (q.limit == 0 || q.limit > max_query_limit) {
    why = "limit must be between 1 and " + std::to_string(max_query_limit);
    return std::nullopt;
  }
  bool range = q.lower || q.upper;
  if (q.equals.has_value() == range) {
    why = q.equals ? "give either equality or a range, not both"
                   : "give a condition: eq, or gt/gte/lt/lte";
    return std::nullopt;
  }
  auto vals = std::make_shared<values>();
  compiled_query out;
  if (q.equals) {
    vals->equals = parse_scalar(*q.equals, "eq", why);
    if (!vals->equals)
      return std::nullopt;
    out.first_key_ = *sort_key(*vals->equals);
    out.last_key_ = out.first_key_;
    out.tag_ = out.first_key_[0];
  } else {
    std::optional<char> tag;
    auto bound = [&](const std::optional<query_bound>& b,
                     std::optional<boost::json::value>& v, bool& inclusive) {
      if (!b)
        return true;
      v = parse_scalar(b->json, "a range bound", why);
      if (!v)
        return false;
      inclusive = b->inclusive;
      auto t = range_tag(*v);
      if (!t || (tag && *tag != *t)) {
        why = "range bounds must be numbers or strings, both of one kind";
        return false;
      }
      tag = t;
      return true;
    };
    if (!bound(q.lower, vals->lower, vals->lower_inclusive)
        || !bound(q.upper, vals->upper, vals->upper_inclusive))
      return std::nullopt;
    out.tag_ = *tag;
    out.first_key_ = vals->lower ? *sort_key(*vals->lower)
                                 : std::string(1, out.tag_);
    if (vals->upper) {
      out.last_key_ = *sort_key(*vals->upper);
      out.stop_at_last_key_ = !vals->upper_inclusive
                              && sort_key_is_whole(*vals->upper);
    }
  }
  out.values_ = std::move(vals);
  return out;
}

bool compiled_query::past_end(std::string_view key) const {
  if (key.empty() || key[0] != tag_ || !last_key_)
    return key.empty() || key[0] != tag_;
  return stop_at_last_key_ ? key >= *last_key_ : key > *last_key_;
}

bool compiled_query::matches(const boost::json::value& v) const {
  if (!is_scalar(v))
    return false;
  const auto& q = *values_;
  if (q.equals)
    return compare_scalars(v, *q.equals) == 0;
  if (range_tag(v) != tag_)
    return false;
  if (q.lower) {
    int c = compare_scalars(v, *q.lower);
    if (c < 0 || (c == 0 && !q.lower_inclusive))
      return false;
  }
  if (q.upper) {
    int c = compare_scalars(v, *q.upper);
    if (c > 0 || (c == 0 && !q.upper_inclusive))
      return false;
  }
  return true;
}

std::string encode_cursor(std::string_view after) {
  return to_hex(after);
}

bool decode_cursor(std::string_view text, std::string& after) {
  if (text.size() > 2048 || !from_hex(text, after))
    return false;
  auto key_len = sort_key_length(after);
  return key_len > 0 && path_error(after.substr(key_len)).empty();
}

} // namespace p2p
