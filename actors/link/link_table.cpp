#include "actors/link/link_table.hpp"

#include "protocol/json_text.hpp"

#include <algorithm>

namespace p2p {

void link_table::put(uint64_t key, const link_row& row) {
  std::lock_guard<std::mutex> guard(mtx_);
  rows_[key] = row;
}

void link_table::remove(uint64_t key) {
  std::lock_guard<std::mutex> guard(mtx_);
  rows_.erase(key);
}

std::vector<link_row> link_table::rows() const {
  std::lock_guard<std::mutex> guard(mtx_);
  std::vector<link_row> out;
  out.reserve(rows_.size());
  for (const auto& [key, row] : rows_)
    out.push_back(row);
  return out;
}

std::size_t link_table::count_up() const {
  std::lock_guard<std::mutex> guard(mtx_);
  std::size_t n = 0;
  for (const auto& [key, row] : rows_)
    n += row.state == "up" ? 1 : 0;
  return n;
}

std::optional<uint64_t> link_table::min_delivered() const {
  std::lock_guard<std::mutex> guard(mtx_);
  std::optional<uint64_t> least;
  for (const auto& [key, row] : rows_)
    if (row.state == "up")
      least = std::min(least.value_or(row.delivered_upto), row.delivered_upto);
  return least;
}

uint64_t link_table::max_clock_offset_ms() const {
  std::lock_guard<std::mutex> guard(mtx_);
  uint64_t most = 0;
  for (const auto& [key, row] : rows_)
    if (row.state == "up" && row.clock_known)
      most = std::max<uint64_t>(most, row.clock_offset_ms < 0
                                        ? -static_cast<uint64_t>(
                                          row.clock_offset_ms)
                                        : row.clock_offset_ms);
  return most;
}

void link_table::set_passive_json(std::string json) {
  std::lock_guard<std::mutex> guard(mtx_);
  passive_json_ = std::move(json);
}

std::string link_table::passive_json() const {
  std::lock_guard<std::mutex> guard(mtx_);
  return passive_json_;
}

std::string link_table::to_json() const {
  std::lock_guard<std::mutex> guard(mtx_);
  std::string out = "[";
  for (const auto& [key, r] : rows_) {
    if (out.size() > 1)
      out += ',';
    auto field = [&](const char* name, const std::string& value) {
      out += '"';
      out += name;
      out += "\":";
      append_json_string(out, value);
      out += ',';
    };
    auto number = [&](const char* name, uint64_t value) {
      out += '"';
      out += name;
      out += "\":" + std::to_string(value) + ',';
    };
    out += '{';
    field("direction", r.direction);
    field(r.direction == "out" ? "url" : "address", r.url);
    field("state", r.state);
    field("remote_id", r.remote_id);
    out += "\"connected\":";
    out += r.state == "up" ? "true," : "false,";
    number("updates_sent", r.updates_sent);
    number("updates_received", r.updates_received);
    number("connects", r.connects);
    number("updates_refused", r.updates_refused);
    out += "\"clock_offset_ms\":";
    out += r.clock_known ? std::to_string(r.clock_offset_ms) : "null";
    out += ',';
    field("last_error", r.last_error);
    field("advertise", r.advertise);
    field("broadcast", r.broadcast);
    out += "\"seed\":";
    out += r.seed ? "true}" : "false}";
  }
  out += ']';
  return out;
}

} // namespace p2p
