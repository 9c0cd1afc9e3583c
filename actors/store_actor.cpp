#include "actors/store_actor.hpp"

#include "actors/metrics.hpp"
#include "p2psync/log.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <utility>

namespace p2p {

namespace {

// Past this many queued updates a commit happens without waiting for the
// commit message, so one transaction never grows without bound.
constexpr std::size_t max_batch_updates = 4096;
// Tombstones collected per transaction: a few milliseconds of the writer,
// so the writes queued meanwhile wait no longer than that.
constexpr std::size_t collect_per_transaction = 512;

/// A commit (its fsync included) slower than this is logged: the disk or
/// the batch is a problem the operator should hear of.
constexpr auto slow_commit = std::chrono::milliseconds(100);

void note_commit_time(std::chrono::steady_clock::duration took,
                      const std::vector<write_batch>& batches) {
  if (took <= slow_commit)
    return;
  // At most one line every 10 s: a slow disk makes every commit slow.
  static log::rate_limiter limit(10'000);
  uint64_t suppressed = 0;
  if (!limit.allow(suppressed))
    return;
  uint64_t updates = 0;
  for (const auto& b : batches)
    updates += b.updates.size();
  log::warn("store", "slow commit",
            {{"ms", static_cast<int64_t>(std::chrono::duration_cast<
                                           std::chrono::milliseconds>(took)
                                           .count())},
             {"batches", static_cast<uint64_t>(batches.size())},
             {"updates", updates},
             {"suppressed", suppressed}});
}

/// Commits the queued writes (with the waiting collection step, if any) in
/// one transaction and answers their callers.
void flush(store_actor::stateful_pointer<store_state> self) {
  auto& st = self->state;
  if (st.pending.empty())
    return;
  auto pending = std::move(st.pending);
  st.pending.clear();
  st.pending_updates = 0;
  std::vector<write_batch> batches;
  batches.reserve(pending.size());
  for (auto& p : pending)
    batches.push_back(std::move(p.batch));
  auto collect = std::exchange(st.collect, std::nullopt);
  collect_result collected;
  std::vector<std::vector<uint64_t>> seqs;
  try {
    auto started = std::chrono::steady_clock::now();
    seqs = collect ? st.db->apply(batches, *collect, collected)
                   : st.db->apply(batches);
    st.metrics->commits.fetch_add(1);
    note_commit_time(std::chrono::steady_clock::now() - started, batches);
  } catch (const std::exception& e) {
    auto err = make_error(p2p_errc::storage_failure, e.what());
    for (auto& p : pending)
      p.promise.deliver(err);
    if (collect)
      st.collect_promise.deliver(err);
    return;
  }
  for (std::size_t i = 0; i < pending.size(); ++i)
    pending[i].promise.deliver(std::move(seqs[i]));
  if (collect)
    st.collect_promise.deliver(collected.removed, collected.more);
}

} // namespace

store_actor::behavior_type
store_impl(store_actor::stateful_pointer<store_state> self,
           std::shared_ptr<database> db, node_metrics* metrics) {
  self->state.db = std::move(db);
  self->state.metrics = metrics;
  // Answer every waiting caller before going away, so none waits for a
  // timeout (CAF 0.17 has no broken_promise).
  self->set_exit_handler([self](caf::exit_msg& msg) {
    flush(self);
    self->quit(msg.reason);
  });
  return {
    [self](apply_atom, write_batch& batch)
      -> caf::typed_response_promise<std::vector<uint64_t>> {
      auto& st = self->state;
      auto rp = self->make_response_promise<std::vector<uint64_t>>();
      st.pending_updates += batch.updates.size() + 1; // +1: its checkpoint
      st.pending.push_back({std::move(batch), rp});
      if (st.pending_updates >= max_batch_updates)
        flush(self);
      else if (st.pending.size() == 1)
        self->send(self, commit_atom::value); // behind the writes waiting now
      return rp;
    },
    [self](commit_atom) { flush(self); },
    [self](collect_atom, hlc_time cutoff, uint64_t max_seq)
      -> caf::typed_response_promise<uint64_t, bool> {
      auto& st = self->state;
      auto rp = self->make_response_promise<uint64_t, bool>();
      collect_request step{cutoff, collect_per_transaction, max_seq};
      if (!st.pending.empty() && !st.collect) {
        // Writes wait for their commit (queued): ride along with it.
        st.collect = step;
        st.collect_promise = rp;
        return rp;
      }
      try {
        auto r = st.db->collect_tombstones(step);
        rp.deliver(r.removed, r.more);
      } catch (const std::exception& e) {
        rp.deliver(make_error(p2p_errc::storage_failure, e.what()));
      }
      return rp;
    },
    [self](reconcile_atom,
           const absent_page& page) -> caf::result<std::vector<update>> {
      flush(self);
      try {
        return self->state.db->remove_absent(page.after, page.through,
                                             page.held, page.horizon);
      } catch (const std::exception& e) {
        return make_error(p2p_errc::storage_failure, e.what());
      }
    },
    [self](horizon_atom, hlc_time horizon) {
      flush(self);
      try {
        self->state.db->raise_horizon(horizon);
      } catch (const std::exception& e) {
        log::error("store", "cannot keep the horizon", {{"error", e.what()}});
      }
    },
    [self](add_index_atom, const std::string& prefix, const std::string& field)
      -> caf::result<index_def, uint64_t> {
      try {
        auto [def, built] = self->state.db->create_index(prefix, field);
        return {std::move(def), built};
      } catch (const too_many_indexes& e) {
        return make_error(p2p_errc::invalid_value, e.what());
      } catch (const std::exception& e) {
        return make_error(p2p_errc::storage_failure, e.what());
      }
    },
    [self](drop_index_atom, const std::string& prefix,
           const std::string& field) -> caf::result<bool> {
      try {
        return self->state.db->drop_index(prefix, field);
      } catch (const std::exception& e) {
        return make_error(p2p_errc::storage_failure, e.what());
      }
    },
    [self](schema_atom, const std::string& prefix,
           const std::string& text) -> caf::result<bool> {
      try {
        self->state.db->set_schema(prefix, text);
        return true;
      } catch (const std::exception& e) {
        return make_error(p2p_errc::storage_failure, e.what());
      }
    },
  };
}

} // namespace p2p
