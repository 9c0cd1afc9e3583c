#pragma once
// An in-memory change log for the replication tests: one record per path,
// the newest, as the database keeps it.
#include "protocol/replication.hpp"

#include <map>
#include <string>

namespace p2p::test {

class memory_log : public change_log {
public:
  /// Commits a version of `path`; `from` is the node it came from (empty
  /// when written here). Returns its seq.
  uint64_t commit(const std::string& path, std::string value,
                  std::string origin = "aa", std::string from = {}) {
    if (auto old = seq_of_.find(path); old != seq_of_.end())
      records_.erase(old->second);
    log_record rec{{path, std::move(value), ++clock_, std::move(origin)},
                   ++last_seq_, std::move(from)};
    seq_of_[path] = rec.seq;
    records_.emplace(rec.seq, std::move(rec));
    return last_seq_;
  }

  std::vector<log_record> read_after(uint64_t seq, std::size_t limit,
                                     std::size_t max_bytes) const override {
    std::vector<log_record> out;
    std::size_t bytes = 0;
    for (auto i = records_.upper_bound(seq); i != records_.end(); ++i) {
      auto n = i->second.u.path.size() + i->second.u.value.size();
      if (max_bytes != 0 && !out.empty() && bytes + n > max_bytes)
        break;
      bytes += n;
      out.push_back(i->second);
      if (limit != 0 && out.size() >= limit)
        break;
    }
    return out;
  }

  uint64_t last_seq() const { return last_seq_; }
  const std::map<uint64_t, log_record>& records() const { return records_; }

private:
  std::map<uint64_t, log_record> records_;
  std::map<std::string, uint64_t> seq_of_;
  uint64_t last_seq_ = 0;
  hlc_time clock_ = 1000;
};

} // namespace p2p::test
