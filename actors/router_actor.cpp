#include "actors/router_actor.hpp"

#include "actors/metrics.hpp"
#include "protocol/json_text.hpp"
#include "protocol/path.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>

#include <chrono>

namespace p2p {

namespace {

using self_ptr = router_actor::stateful_pointer<router_state>;

constexpr auto store_timeout = std::chrono::seconds(30);

/// Applies a locally made update and answers `rp` once it is durable.
void write_local(self_ptr self, update u,
                 caf::typed_response_promise<update> rp) {
  auto& st = self->state;
  self->request(st.store, store_timeout, apply_atom::value,
                std::vector<update>{u})
    .then(
      [self, u, rp](std::vector<uint64_t>& seqs) mutable {
        if (!seqs.empty() && seqs[0] != 0) {
          self->state.metrics->writes.fetch_add(1);
          self->send(self->state.subscriptions, publish_atom::value,
                     change{u, seqs[0]});
        }
        rp.deliver(std::move(u));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

} // namespace

router_actor::behavior_type router_impl(self_ptr self, router_deps deps) {
  auto& st = self->state;
  st.db = std::move(deps.db);
  st.store = std::move(deps.store);
  st.subscriptions = std::move(deps.subscriptions);
  st.metrics = deps.metrics;
  st.node_id = st.db->node_id();
  // Never issue a stamp below one already stored, even if the wall clock
  // went back while the node was down.
  st.clock.observe(st.db->max_time());
  return {
    [self](put_atom, std::string& path,
           std::string& json) -> caf::typed_response_promise<update> {
      auto rp = self->make_response_promise<update>();
      if (auto err = path_error(path); !err.empty())
        return rp.deliver(make_error(p2p_errc::invalid_path, err)), rp;
      std::string why;
      auto value = canonical_json(json, why);
      if (value.empty())
        return rp.deliver(make_error(p2p_errc::invalid_value, why)), rp;
      auto& st = self->state;
      update u{std::move(path), std::move(value), st.clock.now(), st.node_id};
      write_local(self, std::move(u), rp);
      return rp;
    },
    [self](delete_atom,
           std::string& path) -> caf::typed_response_promise<update> {
      auto rp = self->make_response_promise<update>();
      if (auto err = path_error(path); !err.empty())
        return rp.deliver(make_error(p2p_errc::invalid_path, err)), rp;
      auto& st = self->state;
      auto current = st.db->get(path);
      if (!current || current->u.is_tombstone())
        return rp.deliver(make_error(p2p_errc::not_found, "not found")), rp;
      update u{std::move(path), "null", st.clock.now(), st.node_id};
      write_local(self, std::move(u), rp);
      return rp;
    },
    [self](get_atom, const std::string& path) -> caf::result<update> {
      if (auto err = path_error(path); !err.empty())
        return make_error(p2p_errc::invalid_path, err);
      auto rec = self->state.db->get(path);
      if (!rec || rec->u.is_tombstone())
        return make_error(p2p_errc::not_found, "not found");
      return std::move(rec->u);
    },
    [self](scan_atom, const std::string& prefix,
           uint64_t limit) -> caf::result<std::vector<update>> {
      if (auto err = prefix_error(prefix); !err.empty())
        return make_error(p2p_errc::invalid_path, err);
      return self->state.db->scan(prefix, limit);
    },
    [self](subscribe_atom, std::string& prefix, subscriber_actor& who)
      -> caf::result<uint64_t> {
      if (auto err = prefix_error(prefix); !err.empty())
        return make_error(p2p_errc::invalid_path, err);
      return self->delegate(self->state.subscriptions, subscribe_atom::value,
                            std::move(prefix), std::move(who));
    },
    [self](unsubscribe_atom, uint64_t id) {
      self->send(self->state.subscriptions, unsubscribe_atom::value, id);
    },
  };
}

} // namespace p2p
