#pragma once
// A Prometheus histogram of durations, recorded without a lock: one relaxed
// atomic per bucket and one for the sum. observe() adds to the one bucket
// the value falls in; snapshot() makes the counts cumulative, so `+Inf`
// (the last) is the count by construction, and a scrape racing with
// observe() still sees monotone buckets. The sum is read separately and may
// be a few observations ahead or behind (as in every Prometheus client).
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>

namespace p2p {

class histogram {
public:
  static constexpr std::size_t max_bounds = 16;

  /// `bounds_seconds`: the upper bounds of the finite buckets, increasing,
  /// at most max_bounds of them (the +Inf bucket is added).
  explicit histogram(std::initializer_list<double> bounds_seconds)
    : histogram(bounds_seconds.begin(), bounds_seconds.size()) {
  }
  histogram(const double* bounds_seconds, std::size_t n) {
    for (std::size_t i = 0; i < n && size_ < max_bounds; ++i) {
      bounds_ns_[size_] = static_cast<uint64_t>(bounds_seconds[i] * 1e9 + 0.5);
      // The `le` label's text, made once: a scrape only copies it.
      std::snprintf(le_text_[size_].data(), le_text_[size_].size(), "%g",
                    bounds_seconds[i]);
      ++size_;
    }
  }
  histogram(const histogram&) = delete;
  histogram& operator=(const histogram&) = delete;

  void observe(std::chrono::nanoseconds d) {
    auto ns = d.count() < 0 ? uint64_t{0} : static_cast<uint64_t>(d.count());
    std::size_t i = 0;
    while (i < size_ && ns > bounds_ns_[i]) // le: a bound holds itself
      ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(ns, std::memory_order_relaxed);
  }

  struct snapshot_t {
    std::size_t bounds = 0;                        // finite buckets
    std::array<double, max_bounds> le{};           // their bounds, seconds
    const std::array<char, 16>* le_text = nullptr; // the same as label text
    std::array<uint64_t, max_bounds + 1> cumulative{}; // [bounds] is +Inf
    double sum_seconds = 0;
    uint64_t count() const { return cumulative[bounds]; }
  };

  snapshot_t snapshot() const {
    snapshot_t s;
    s.bounds = size_;
    s.le_text = le_text_.data();
    uint64_t running = 0;
    for (std::size_t i = 0; i <= size_; ++i) {
      running += counts_[i].load(std::memory_order_relaxed);
      s.cumulative[i] = running;
      if (i < size_)
        s.le[i] = static_cast<double>(bounds_ns_[i]) / 1e9;
    }
    s.sum_seconds = static_cast<double>(
                      sum_ns_.load(std::memory_order_relaxed))
                    / 1e9;
    return s;
  }

private:
  std::array<uint64_t, max_bounds> bounds_ns_{};
  std::array<std::array<char, 16>, max_bounds> le_text_{};
  std::size_t size_ = 0;
  std::array<std::atomic<uint64_t>, max_bounds + 1> counts_{};
  std::atomic<uint64_t> sum_ns_{0};
};

} // namespace p2p
