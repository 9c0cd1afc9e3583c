// Tombstone collection with a horizon, and the local side of a
// reconciliation (see database.hpp, and README "Deletes and tombstones").
//
// A tombstone stamped below the horizon is gone, so an update older than the
// horizon for a path the node does not hold can only be a value whose delete
// was collected: apply_in drops it. Collection removes the oldest tombstones
// first, through the tombstone index, in transactions of a bounded size.
#include "storage/database_internal.hpp"

#include <algorithm>

namespace p2p {

uint64_t database::last_seq_in(const lmdb::txn& t) const {
  uint64_t seq = 0;
  lmdb::cursor c(t, changes_);
  if (c.last())
    seq = decode_seq_key(c.key());
  return std::max(seq, read_u64(t, meta_, removed_seq_key));
}

void database::index_tombstones(lmdb::txn& t) {
  std::string_view built;
  if (t.get(meta_, tombstone_index_key, built))
    return;
  std::vector<std::string> keys;
  {
    lmdb::cursor c(t, records_);
    for (bool ok = c.first(); ok; ok = c.next())
      if (auto v = view_record(c.value()); v && v->value == "null")
        keys.push_back(tombstone_key(v->time, c.key()));
  }
  for (const auto& key : keys)
    t.put(tombstones_, key, {});
  t.put(meta_, tombstone_index_key, "1");
}

void database::remove_tombstone(lmdb::txn& t, std::string_view path,
                                const record_view& rec) {
  // Copies first: the deletes below may move the page `rec` points into.
  auto time = rec.time;
  auto seq = rec.seq;
  std::string key(path);
  t.del(tombstones_, tombstone_key(time, key));
  t.del(changes_, encode_seq_key(seq));
  t.del(records_, key);
}

void database::note_removed_seq(lmdb::txn& t, uint64_t seq) {
  if (seq > read_u64(t, meta_, removed_seq_key))
    write_u64(t, meta_, removed_seq_key, seq);
}

collect_result database::collect_in(lmdb::txn& t, const collect_request& req,
                                    hlc_time& horizon) {
  collect_result result;
  std::vector<std::string> keys;
  {
    // Tombstones a linked peer still lacks are stepped over, at most this
    // many per transaction (the next pass looks again).
    std::size_t skipped = 0;
    lmdb::cursor c(t, tombstones_);
    for (bool ok = c.first(); ok; ok = c.next()) {
      auto key = c.key();
      if (key.size() < 8 || decode_seq_key(key.substr(0, 8)) >= req.cutoff)
        break;
      if (keys.size() >= req.max_records) {
        result.more = true;
        break;
      }
      if (req.max_seq != ~uint64_t{0}) {
        std::string_view bytes;
        auto rec = t.get(records_, key.substr(8), bytes) ? view_record(bytes)
                                                         : std::nullopt;
        if (rec && rec->seq > req.max_seq) {
          if (++skipped > 8 * req.max_records)
            break;
          continue;
        }
      }
      keys.emplace_back(key);
    }
  }
  horizon = read_u64(t, meta_, horizon_key);
  auto below = read_u64(t, meta_, reconcile_below_key);
  for (const auto& key : keys) {
    auto time = decode_seq_key(std::string_view(key).substr(0, 8));
    auto path = std::string_view(key).substr(8);
    std::string_view bytes;
    auto rec = t.get(records_, path, bytes) ? view_record(bytes) : std::nullopt;
    if (!rec || rec->value != "null" || rec->time != time) {
      t.del(tombstones_, key); // stale entry: nothing to collect
      continue;
    }
    // A peer that has not applied our log through this tombstone will
    // never be sent it now: it must reconcile.
    below = std::max(below, rec->seq);
    remove_tombstone(t, path, *rec);
    horizon = std::max(horizon, time);
    ++result.removed;
  }
  if (result.removed > 0) {
    note_removed_seq(t, below);
    write_u64(t, meta_, horizon_key, horizon);
    write_u64(t, meta_, reconcile_below_key, below);
    write_u64(t, meta_, collected_key,
              read_u64(t, meta_, collected_key) + result.removed);
  }
  return result;
}

collect_result database::collect_tombstones(const collect_request& req) {
  collect_result result;
  hlc_time horizon = 0;
  write([&](lmdb::txn& t) { result = collect_in(t, req, horizon); },
        false); // losing a collection to an OS crash only collects it again
  horizon_cache_.store(horizon, std::memory_order_release);
  return result;
}

std::vector<update>
database::remove_absent(std::string_view after, std::string_view through,
                        const std::vector<std::string>& held,
                        hlc_time horizon) {
  // A stale node may hold far more in a page's range than the peer lists:
  // the range is worked through in transactions of a bounded size, holding
  // paths only (a value may be 1 MiB).
  constexpr std::size_t examine_per_transaction = 16384;
  std::vector<update> removed;
  std::string resume(after); // examined through here
  bool more = true;
  while (more) {
    std::size_t removed_before = removed.size();
    write([&](lmdb::txn& t) {
      removed.resize(removed_before);
      more = false;
      std::vector<std::string> doomed;
      std::string last = resume;
      {
        lmdb::cursor c(t, records_);
        auto h = std::lower_bound(held.begin(), held.end(), resume);
        std::size_t examined = 0;
        for (bool ok = resume.empty() ? c.first() : c.seek(resume); ok;
             ok = c.next()) {
          auto path = c.key();
          if (!resume.empty() && path <= resume)
            continue;
          if (!through.empty() && path > through)
            break;
          if (++examined > examine_per_transaction) {
            more = true;
            break;
          }
          last = std::string(path);
          while (h != held.end() && *h < path)
            ++h;
          if (h != held.end() && *h == path)
            continue;
          auto rec = view_record(c.value());
          if (rec && rec->time < horizon)
            doomed.emplace_back(path);
        }
      }
      // A live one is deleted just past its stamp (a tombstone that no newer
      // write loses to): a removal that did not spread would leave the
      // copies this node handed out earlier for ever where no peer will
      // drop them. A tombstone is removed outright.
      write_batch redeletes;
      redeletes.check_horizon = false;
      uint64_t removed_seq = 0;
      std::string own_id; // a copy: the deletes below may move its page
      if (std::string_view id; t.get(meta_, node_id_key, id))
        own_id = std::string(id);
      for (const auto& path : doomed) {
        std::string_view bytes;
        auto rec = t.get(records_, path, bytes) ? view_record(bytes)
                                                : std::nullopt;
        if (!rec)
          continue;
        if (rec->value == "null") {
          removed_seq = std::max(removed_seq, rec->seq);
          remove_tombstone(t, path, *rec);
        } else {
          redeletes.updates.push_back(
            update{path, "null", rec->time + 1, own_id});
        }
      }
      note_removed_seq(t, removed_seq);
      if (!redeletes.updates.empty()) {
        apply_in(t, {redeletes});
        removed.insert(removed.end(), redeletes.updates.begin(),
                       redeletes.updates.end());
      }
      if (!doomed.empty()) {
        // A peer that synced with us before may hold what was removed here
        // outright, with no tombstone to tell it: it reconciles next time.
        auto below = last_seq_in(t) + 1;
        if (below > read_u64(t, meta_, reconcile_below_key))
          write_u64(t, meta_, reconcile_below_key, below);
      }
      if (more)
        resume = last;
    });
  }
  return removed;
}

void database::raise_horizon(hlc_time horizon) {
  hlc_time committed = 0;
  write([&](lmdb::txn& t) {
    committed = std::max(horizon, read_u64(t, meta_, horizon_key));
    write_u64(t, meta_, horizon_key, committed);
  });
  horizon_cache_.store(committed, std::memory_order_release);
}

horizon_state database::horizon() const {
  reader r(*this);
  horizon_state out;
  out.horizon = read_u64(r.txn, meta_, horizon_key);
  out.reconcile_below = read_u64(r.txn, meta_, reconcile_below_key);
  out.collected = read_u64(r.txn, meta_, collected_key);
  auto records = r.txn.entries(records_);
  auto live = read_u64(r.txn, meta_, live_key);
  out.tombstones_held = records > live ? records - live : 0;
  out.dropped = dropped_by_horizon_.load(std::memory_order_relaxed);
  return out;
}

std::vector<std::string> database::paths_page(std::string_view after,
                                              std::size_t max_paths,
                                              std::size_t max_bytes) const {
  std::vector<std::string> out;
  std::size_t bytes = 0;
  reader r(*this);
  lmdb::cursor c(r.txn, records_);
  for (bool ok = after.empty() ? c.first() : c.seek(after); ok;
       ok = c.next()) {
    if (!after.empty() && c.key() <= after)
      continue;
    bytes += c.key().size();
    out.emplace_back(c.key());
    if (out.size() >= max_paths || bytes >= max_bytes)
      break;
  }
  return out;
}

} // namespace p2p
