#include "actors/router_actor.hpp"

#include "actors/local_write.hpp"
#include "actors/metrics.hpp"
#include "actors/router_data.hpp"
#include "protocol/path.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>


namespace p2p {

namespace {

using self_ptr = router_self;

/// Tells the peers, once per burst of commits, that the change log grew.
void log_grew(self_ptr self) {
  auto& st = self->state;
  if (st.log_pending || st.peers.empty())
    return;
  st.log_pending = true;
  self->send(self, caf::flush_atom::value);
}

using write_done = std::function<void(caf::expected<update>)>;

/// Applies a locally made update and calls `done` once it is durable. The
/// store always answers (on exit it commits what is queued first), so the
/// request needs no timeout, which spares the clock a timer per write.
void write_local(self_ptr self, update u, write_done done) {
  auto& st = self->state;
  st.pending.add(u.path, u.is_tombstone());
  write_batch batch{{u}, {}, {}, 0};
  batch.check_horizon = false; // stamped now: never a collected value
  self->request(st.store, caf::infinite, apply_atom::value, std::move(batch))
    .then(
      [self, u, done](std::vector<uint64_t>& seqs) mutable {
        self->state.pending.done(u.path);
        if (!seqs.empty() && seqs[0] != 0) {
          self->state.metrics->writes.fetch_add(1);
          self->send(self->state.subscriptions, publish_atom::value,
                     change{u, seqs[0]});
          log_grew(self);
        }
        done(std::move(u));
      },
      [self, path = u.path, done](caf::error& err) {
        self->state.pending.done(path);
        done(std::move(err));
      });
}

/// Validates and stamps a local put or delete; an error says why not.
caf::expected<update> make_local(self_ptr self, bool is_delete,
                                 std::string path, const std::string& json) {
  auto& st = self->state;
  write_rules rules{st.hooks.get(), &st.schemas};
  std::string value = "null";
  if (is_delete) {
    if (auto err = checked_delete(rules, path))
      return err;
    // Writes from one sender apply in the order sent: a put still waiting
    // for its group commit makes the path exist for a delete sent after it.
    bool absent;
    if (auto waiting = st.pending.last_is_delete(path)) {
      absent = *waiting;
    } else {
      auto current = st.db->get(path);
      absent = !current || current->u.is_tombstone();
    }
    if (absent)
      return make_error(p2p_errc::not_found, "not found");
  } else {
    auto checked = checked_put(rules, path, json);
    if (!checked)
      return checked.error();
    value = std::move(*checked);
  }
  return update{std::move(path), std::move(value), st.clock.now(), st.node_id};
}

/// Checks and stamps a local write, then applies it; `done` gets the
/// update once durable, or the error.
void submit_local(self_ptr self, bool is_delete, std::string path,
                  const std::string& json, write_done done) {
  auto u = make_local(self, is_delete, std::move(path), json);
  if (!u)
    done(std::move(u));
  else
    write_local(self, std::move(*u), std::move(done));
}

/// The typed API's put and delete: the same, answered through a promise.
caf::typed_response_promise<update>
write_for_promise(self_ptr self, bool is_delete, std::string path,
                  const std::string& json) {
  auto rp = self->make_response_promise<update>();
  submit_local(self, is_delete, std::move(path), json,
               [rp](caf::expected<update> result) mutable {
                 if (result)
                   rp.deliver(std::move(*result));
                 else
                   rp.deliver(result.error());
               });
  return rp;
}

/// A batch from a peer, or an import (no sender): drop what was seen,
/// apply the rest through last-write-wins (with the peer's checkpoint),
/// publish what changed the store, and let the peers stream it on.
caf::typed_response_promise<uint64_t> apply_remote(self_ptr self,
                                                   write_batch batch) {
  auto& st = self->state;
  auto rp = self->make_response_promise<uint64_t>();
  std::vector<update> fresh;
  std::vector<uint64_t> fresh_ids; // hashed once: a value may be 1 MiB
  fresh.reserve(batch.updates.size());
  for (auto& u : batch.updates) {
    auto id = seen_cache::key(u.path, u.origin, u.time, u.value);
    if (st.seen.contains(id)) {
      st.metrics->duplicates_dropped.fetch_add(1);
      continue;
    }
    st.clock.observe(u.time);
    fresh.push_back(std::move(u));
    fresh_ids.push_back(id);
  }
  batch.updates = std::move(fresh);
  auto updates = batch.updates; // kept to publish after the commit
  auto horizon_drops = st.db->dropped_by_horizon();
  self->request(st.store, caf::infinite, apply_atom::value, std::move(batch))
    .then(
      [self, rp, updates = std::move(updates), ids = std::move(fresh_ids),
       horizon_drops](std::vector<uint64_t>& seqs) mutable {
        auto& st = self->state;
        // Seen only once durable: a failed commit must not make the retry
        // look like a duplicate.
        for (auto id : ids)
          st.seen.insert(id);
        uint64_t applied = 0;
        // Dropped by the horizon (counted there), not duplicates; a peer's
        // was deleted again, a change the peers must be sent.
        auto dropped = st.db->dropped_by_horizon() - horizon_drops;
        if (dropped > 0)
          log_grew(self);
        for (std::size_t i = 0; i < seqs.size() && i < updates.size(); ++i) {
          if (seqs[i] == 0) {
            if (dropped > 0)
              --dropped;
            else
              st.metrics->duplicates_dropped.fetch_add(1);
            continue;
          }
          ++applied;
          note_schema_mismatch(self, updates[i]);
          self->send(st.subscriptions, publish_atom::value,
                     change{std::move(updates[i]), seqs[i]});
        }
        st.metrics->updates_applied.fetch_add(applied);
        if (applied > 0)
          log_grew(self);
        rp.deliver(applied);
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

} // namespace

router_actor::behavior_type router_impl(self_ptr self, router_deps deps) {
  auto& st = self->state;
  st.db = std::move(deps.db);
  st.store = std::move(deps.store);
  st.subscriptions = std::move(deps.subscriptions);
  st.metrics = deps.metrics;
  st.node_id = st.db->node_id();
  st.hooks = deps.hooks ? std::move(deps.hooks)
                        : std::make_shared<const node_hooks>();
  load_schemas(self);
  // Never issue a stamp below one already stored, even if the wall clock
  // went back while the node was down.
  st.clock.observe(st.db->max_time());
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& peers = self->state.peers;
    peers.erase(std::remove_if(peers.begin(), peers.end(),
                               [&](const peer_actor& p) {
                                 return p.address() == msg.source;
                               }),
                peers.end());
  });
  return {
    [self](put_atom, std::string& path,
           std::string& json) -> caf::typed_response_promise<update> {
      return write_for_promise(self, false, std::move(path), json);
    },
    [self](delete_atom,
           std::string& path) -> caf::typed_response_promise<update> {
      return write_for_promise(self, true, std::move(path), {});
    },
    [self](write_command& cmd) {
      submit_local(self, cmd.is_delete, std::move(cmd.path), cmd.json,
                   std::move(cmd.done));
    },
    [self](get_atom, const std::string& path) -> caf::result<update> {
      if (auto err = path_error(path); !err.empty())
        return make_error(p2p_errc::invalid_path, err);
      auto u = read_live(*self->state.db, *self->state.hooks, path);
      if (!u)
        return make_error(p2p_errc::not_found, "not found");
      return std::move(*u);
    },
    [self](scan_atom, const std::string& prefix,
           uint64_t limit) -> caf::result<std::vector<update>> {
      if (auto err = prefix_error(prefix); !err.empty())
        return make_error(p2p_errc::invalid_path, err);
      return read_scan(*self->state.db, *self->state.hooks, prefix, limit);
    },
    [self](query_atom, const field_query& q) -> caf::result<query_result> {
      auto& st = self->state;
      auto result = answer_query(*st.db, *st.metrics, *st.hooks, q);
      if (!result)
        return std::move(result.error());
      return std::move(*result);
    },
    [self](add_index_atom, std::string& prefix, std::string& field) {
      return add_index(self, std::move(prefix), std::move(field));
    },
    [self](drop_index_atom, std::string& prefix, std::string& field) {
      return drop_index(self, std::move(prefix), std::move(field));
    },
    [self](schema_atom, std::string& prefix, std::string& text) {
      return set_schema(self, std::move(prefix), std::move(text));
    },
    [self](import_atom, std::vector<update>& updates)
      -> caf::typed_response_promise<uint64_t> {
      if (auto err = prepare_imported(updates)) {
        auto rp = self->make_response_promise<uint64_t>();
        rp.deliver(std::move(err));
        return rp;
      }
      return apply_remote(self, write_batch{std::move(updates), {}, {}, 0});
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
    [self](remote_atom,
           write_batch& batch) -> caf::typed_response_promise<uint64_t> {
      return apply_remote(self, std::move(batch));
    },
    [self](reconcile_atom,
           absent_page& page) -> caf::typed_response_promise<uint64_t> {
      auto rp = self->make_response_promise<uint64_t>();
      self->request(self->state.store, caf::infinite, reconcile_atom::value,
                    std::move(page))
        .then(
          [self, rp](std::vector<update>& removed) mutable {
            auto& st = self->state;
            // Subscribers see each removal at the log's current position.
            auto seq = st.db->last_seq();
            for (auto& u : removed)
              self->send(st.subscriptions, publish_atom::value,
                         change{std::move(u), seq});
            st.metrics->reconcile_removed.fetch_add(removed.size());
            if (!removed.empty())
              log_grew(self); // the values' tombstones go to the peers
            rp.deliver(uint64_t{removed.size()});
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](horizon_atom, hlc_time horizon) {
      self->send(self->state.store, horizon_atom::value, horizon);
    },
    [self](peer_up_atom, peer_actor& who) {
      auto& peers = self->state.peers;
      if (std::find(peers.begin(), peers.end(), who) != peers.end())
        return; // an outbound peer says so again at every reconnect
      self->monitor(who);
      peers.push_back(std::move(who));
    },
    [self](caf::flush_atom) {
      auto& st = self->state;
      st.log_pending = false;
      for (auto& p : st.peers)
        self->send(p, log_atom::value);
    },
  };
}

} // namespace p2p
