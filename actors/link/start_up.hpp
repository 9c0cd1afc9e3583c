#pragma once
// GET /ready: whether the node has finished its start-up catch-up with its
// seeds (--peer). Read from the link table by HTTP sessions, no actor round
// trip. A seed counts as caught up once its link is up and the other
// node's catch-up stream is done: a run short of a full one was applied
// (the other node had reached the end of its log), or nothing came for a
// quiet second with every run applied. A seed that has not linked within
// seed_wait of the start is given up on (and named in the answer): a node
// whose seeds are all down becomes ready then, saying so. Once ready, the
// node stays ready: /peers tells about the links after that.
#include "actors/link/link_table.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace p2p {

struct start_up_report {
  bool ready = false;
  std::string json; // {"ready":true,...} or {"ready":false,"reason",...}
};

class start_up_watch {
public:
  static constexpr std::chrono::milliseconds default_seed_wait{10000};
  static constexpr std::chrono::milliseconds default_quiet{1000};

  start_up_watch(std::shared_ptr<const link_table> links,
                 std::vector<std::string> seeds,
                 std::chrono::milliseconds seed_wait = default_seed_wait,
                 std::chrono::milliseconds quiet = default_quiet);

  start_up_report check() const;

private:
  std::shared_ptr<const link_table> links_;
  std::vector<std::string> seeds_;
  std::chrono::milliseconds seed_wait_;
  std::chrono::milliseconds quiet_;
  std::chrono::steady_clock::time_point started_;
  mutable std::atomic<bool> ready_{false};
  mutable std::mutex mtx_;
  mutable std::string ready_json_; // what it said when it became ready
};

} // namespace p2p
