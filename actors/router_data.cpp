#include "actors/router_data.hpp"

#include "actors/metrics.hpp"
#include "protocol/json_pointer.hpp"
#include "protocol/json_text.hpp"
#include "p2psync/log.hpp"
#include "protocol/path.hpp"
#include "protocol/wire.hpp"
#include "storage/database.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <caf/all.hpp>

#include <algorithm>

namespace p2p {

void load_schemas(router_self self) {
  auto& st = self->state;
  for (auto& [prefix, text] : st.db->schemas()) {
    std::string why;
    if (auto s = schema::compile(text, why))
      st.schemas.set(prefix, std::move(*s));
    else
      CAF_LOG_ERROR("stored schema for" << prefix << "does not compile:" << why);
  }
}

caf::expected<query_result> answer_query(const database& db,
                                         node_metrics& metrics,
                                         const node_hooks& hooks,
                                         const field_query& q) {
  std::string why;
  auto cq = compiled_query::compile(q, why);
  if (!cq)
    return make_error(p2p_errc::invalid_value, why);
  auto result = db.query(q, *cq);
  (result.index ? metrics.queries_indexed : metrics.queries_scanned)
    .fetch_add(1);
  filter_reads(hooks, result.results);
  return result;
}

namespace {

caf::error index_spec_error(const std::string& prefix,
                            const std::string& field) {
  if (auto err = prefix_error(prefix); !err.empty())
    return make_error(p2p_errc::invalid_path, err);
  if (auto err = pointer_error(field); !err.empty())
    return make_error(p2p_errc::invalid_value, err);
  return {};
}

} // namespace

caf::result<index_def, uint64_t> add_index(router_self self,
                                           std::string prefix,
                                           std::string field) {
  if (auto err = index_spec_error(prefix, field))
    return err;
  return self->delegate(self->state.store, add_index_atom::value,
                        std::move(prefix), std::move(field));
}

caf::result<bool> drop_index(router_self self, std::string prefix,
                             std::string field) {
  if (auto err = index_spec_error(prefix, field))
    return err;
  return self->delegate(self->state.store, drop_index_atom::value,
                        std::move(prefix), std::move(field));
}

caf::typed_response_promise<bool> set_schema(router_self self,
                                             std::string prefix,
                                             std::string text) {
  auto rp = self->make_response_promise<bool>();
  if (auto err = prefix_error(prefix); !err.empty()) {
    rp.deliver(make_error(p2p_errc::invalid_path, err));
    return rp;
  }
  std::optional<schema> compiled;
  if (!text.empty()) {
    std::string why;
    compiled = schema::compile(text, why);
    if (!compiled) {
      rp.deliver(make_error(p2p_errc::invalid_value, "bad schema: " + why));
      return rp;
    }
    text = compiled->text();
  }
  self->request(self->state.store, caf::infinite, schema_atom::value, prefix,
                text)
    .then(
      [self, rp, prefix, compiled](bool) mutable {
        auto& schemas = self->state.schemas;
        bool had = schemas.remove(prefix);
        if (compiled)
          schemas.set(prefix, std::move(*compiled));
        rp.deliver(had);
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

caf::error prepare_imported(std::vector<update>& updates) {
  auto now = system_wall_ms();
  for (std::size_t i = 0; i < updates.size(); ++i) {
    auto& u = updates[i];
    auto at = "entry " + std::to_string(i + 1) + ": ";
    if (u.time == 0)
      return make_error(p2p_errc::invalid_value, at + "a stamp must be positive");
    if (auto err = wire::update_error(u, now); !err.empty())
      return make_error(path_error(u.path).empty() ? p2p_errc::invalid_value
                                                   : p2p_errc::invalid_path,
                        at + err);
    std::string why;
    u.value = canonical_value(u.value, why);
    if (u.value.empty())
      return make_error(p2p_errc::invalid_value, at + why);
  }
  return {};
}

void note_schema_mismatch(router_self self, const update& u) {
  auto& st = self->state;
  if (u.is_tombstone() || !st.schemas.covers(u.path))
    return; // no parse for what no schema covers
  boost::system::error_code ec;
  auto value = boost::json::parse(u.value, ec);
  if (ec)
    return;
  auto violations = st.schemas.check(u.path, value);
  if (violations.empty())
    return;
  st.metrics->schema_mismatches.fetch_add(1);
  // Stored anyway (README, "Schemas"); said at most every 10 s, since a
  // schema out of step with the network can meet every update.
  static log::rate_limiter limit(10'000);
  uint64_t suppressed = 0;
  if (limit.allow(suppressed))
    log::warn("router", "schema mismatch",
              {{"path", u.path},
               {"origin", u.origin},
               {"violations", static_cast<uint64_t>(violations.size())},
               {"suppressed", suppressed}});
}

} // namespace p2p
