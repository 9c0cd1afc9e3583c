// The facade's data features: queries, indexes, schemas, export, import.
#include "actors/p2p_server_impl.hpp"
#include "actors/router_data.hpp"
#include "protocol/path.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>

namespace p2p {

void P2PServer::impl::apply_start_settings() {
  for (const auto& [prefix, field] : options.indexes)
    ask2<index_def, uint64_t>(add_index_atom::value, prefix, field);
  for (const auto& [prefix, text] : options.schemas)
    ask<bool>(schema_atom::value, prefix, text);
}

query_result P2PServer::query(const field_query& q) {
  // A read: no actor round trip, and no long scan on the router's thread.
  auto& d = *impl_;
  auto p = d.parts();
  auto result = answer_query(*p.db, d.metrics, *p.hooks, q);
  if (!result)
    throw p2p_error(error_message(result.error()));
  return std::move(*result);
}

std::pair<index_def, uint64_t>
P2PServer::create_index(const std::string& prefix, const std::string& field) {
  return impl_->ask2<index_def, uint64_t>(add_index_atom::value, prefix, field);
}

bool P2PServer::drop_index(const std::string& prefix,
                           const std::string& field) {
  return impl_->ask<bool>(drop_index_atom::value, prefix, field);
}

std::vector<index_def> P2PServer::indexes() const {
  return impl_->parts().db->indexes();
}

void P2PServer::set_schema(const std::string& prefix,
                           const std::string& schema_json) {
  impl_->ask<bool>(schema_atom::value, prefix, schema_json);
}

std::vector<std::pair<std::string, std::string>> P2PServer::schemas() const {
  return impl_->parts().db->schemas();
}

uint64_t P2PServer::import_updates(std::vector<update> updates) {
  return impl_->ask<uint64_t>(import_atom::value, std::move(updates));
}

void P2PServer::export_entries(const std::string& prefix,
                               const std::function<void(const update&)>& out,
                               bool with_tombstones) const {
  auto db = impl_->parts().db;
  if (auto err = prefix_error(prefix); !err.empty())
    throw p2p_error(err);
  std::string after;
  for (auto page = db->export_page(prefix, with_tombstones, after);
       !page.empty(); page = db->export_page(prefix, with_tombstones, after))
    for (const auto& u : page)
      out(u);
}

} // namespace p2p
