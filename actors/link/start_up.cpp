#include "actors/link/start_up.hpp"

#include "protocol/json_text.hpp"

#include <algorithm>

namespace p2p {

namespace {

using clock_type = std::chrono::steady_clock;

bool caught_up(const link_row& row, clock_type::time_point now,
               std::chrono::milliseconds quiet) {
  return row.state == "up" && row.runs_applying == 0
         && (row.reached_tail || now - row.last_run_at >= quiet);
}

/// The link that stands for a seed: its own row when up, else a link up
/// with the same node (both sides dialled each other and one link was
/// kept: the other's, inbound here, advertising the seed's URL).
const link_row* link_for(const std::vector<link_row>& rows,
                         const std::string& url) {
  const link_row* own = nullptr;
  for (const auto& row : rows)
    if (row.seed && row.direction == "out" && row.url == url)
      own = &row;
  if (own && own->state == "up")
    return own;
  for (const auto& row : rows)
    if (row.state == "up"
        && (row.advertise == url
            || (own && !own->remote_id.empty()
                && row.remote_id == own->remote_id)))
      return &row;
  return nullptr;
}

std::string json_strings(const std::vector<std::string>& xs) {
  std::string out;
  append_json_string_array(out, xs);
  return out;
}

std::string plural(std::size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

} // namespace

start_up_watch::start_up_watch(std::shared_ptr<const link_table> links,
                               std::vector<std::string> seeds,
                               std::chrono::milliseconds seed_wait,
                               std::chrono::milliseconds quiet)
  : links_(std::move(links)), seeds_(std::move(seeds)),
    seed_wait_(seed_wait), quiet_(quiet), started_(clock_type::now()) {
}

start_up_report start_up_watch::check() const {
  if (ready_.load()) {
    std::lock_guard<std::mutex> guard(mtx_);
    return {true, ready_json_};
  }
  auto now = clock_type::now();
  bool waited = now - started_ >= seed_wait_;
  auto rows = links_->rows();
  std::size_t done = 0, catching = 0;
  std::vector<std::string> unlinked;
  for (const auto& url : seeds_) {
    if (auto* row = link_for(rows, url))
      ++(caught_up(*row, now, quiet_) ? done : catching);
    else
      unlinked.push_back(url);
  }
  std::string json;
  if (catching == 0 && (unlinked.empty() || waited)) {
    json = "{\"ready\":true,\"seeds\":" + std::to_string(seeds_.size())
           + ",\"caught_up\":" + std::to_string(done)
           + ",\"unreachable\":" + json_strings(unlinked) + '}';
    std::lock_guard<std::mutex> guard(mtx_);
    if (!ready_.load()) { // the first answer that found it ready stays
      ready_json_ = json;
      ready_.store(true);
    }
    return {true, ready_json_};
  }
  std::string reason;
  if (catching > 0)
    reason = "catching up with " + plural(catching, "peer");
  if (!unlinked.empty()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      seed_wait_ - (now - started_));
    reason += (reason.empty() ? "" : "; ") + std::string("waiting for ")
              + plural(unlinked.size(), "seed") + " to link (at most "
              + std::to_string(std::max<long long>(0, left.count()) / 1000 + 1)
              + " s more)";
  }
  json = "{\"ready\":false,\"reason\":";
  append_json_string(json, reason);
  json += ",\"error\":";
  append_json_string(json, reason);
  json += ",\"catching_up\":" + std::to_string(catching)
          + ",\"caught_up\":" + std::to_string(done)
          + ",\"waiting_for\":" + json_strings(unlinked) + '}';
  return {false, json};
}

} // namespace p2p
