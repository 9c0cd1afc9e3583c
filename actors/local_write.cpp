#include "actors/local_write.hpp"

#include "actors/messages.hpp"
#include "protocol/json_parse.hpp"
#include "protocol/json_text.hpp"
#include "protocol/path.hpp"

#include <boost/json/value.hpp>

namespace p2p {

caf::expected<std::string> checked_put(const write_rules& rules,
                                       const std::string& path,
                                       const std::string& json) {
  if (auto err = path_error(path); !err.empty())
    return make_error(p2p_errc::invalid_path, err);
  bool hooked = rules.hooks && rules.hooks->before_put;
  bool checked = rules.schemas && rules.schemas->covers(path);
  boost::system::error_code ec;
  auto value = parse_json(json, ec);
  if (ec)
    return make_error(p2p_errc::invalid_value,
                      "body is not valid JSON: " + ec.message());
  // Made canonical first, which refuses what JSON cannot hold (1e400 and
  // 0e400, which Boost.JSON reads as inf and NaN), so that hooks and
  // schemas only ever see storable values.
  std::string why;
  auto text = canonical_json(value, why);
  if (text.empty())
    return make_error(p2p_errc::invalid_value, why);
  // Checked as stored, not as sent: canonical text can be longer than the
  // body (1e20 is stored as 100000000000000000000), and what is stored must
  // fit a frame to every peer.
  if (auto err = value_size_error(text.size()); !err.empty())
    return make_error(p2p_errc::too_large, err);
  if (!hooked && !checked)
    return text;
  if (hooked) {
    std::string refused;
    try {
      refused = rules.hooks->before_put(path, value);
    } catch (const std::exception& e) {
      return make_error(p2p_errc::hook_failure,
                        std::string("the before_put hook failed: ") + e.what());
    }
    if (!refused.empty())
      return make_error(p2p_errc::rejected, refused);
  }
  if (checked) {
    auto found = rules.schemas->check(path, value);
    if (!found.empty())
      return make_error(p2p_errc::schema_violation,
                        schema_set::describe(path, found));
  }
  if (hooked) { // it may have changed the value
    text = canonical_json(value, why);
    if (text.empty())
      return make_error(p2p_errc::invalid_value, why);
    if (auto err = value_size_error(text.size()); !err.empty())
      return make_error(p2p_errc::too_large,
                        "after the before_put hook, " + err);
  }
  return text;
}

caf::error checked_delete(const write_rules& rules, const std::string& path) {
  if (auto err = path_error(path); !err.empty())
    return make_error(p2p_errc::invalid_path, err);
  if (rules.hooks && rules.hooks->before_delete) {
    std::string refused;
    try {
      refused = rules.hooks->before_delete(path);
    } catch (const std::exception& e) {
      return make_error(p2p_errc::hook_failure,
                        std::string("the before_delete hook failed: ")
                          + e.what());
    }
    if (!refused.empty())
      return make_error(p2p_errc::rejected, refused);
  }
  return {};
}

} // namespace p2p
