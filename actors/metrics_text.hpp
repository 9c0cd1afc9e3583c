#pragma once
// Helpers of the Prometheus text exposition (metrics.cpp), used by
// metrics_text.cpp (the node's families) and metrics_process.cpp (process_*,
// build info).
#include "actors/histogram.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace p2p::prom {

/// `# HELP` and `# TYPE` lines of one family.
void family(std::string& out, std::string_view name, std::string_view type,
            std::string_view help);

/// One sample: `name{labels} value`. `labels` is empty or `{a="b",...}`.
void sample(std::string& out, std::string_view name, std::string_view labels,
            uint64_t value);
/// A double with `decimals` after the point (a histogram's sum: 9, ns).
void sample(std::string& out, std::string_view name, std::string_view labels,
            double value, int decimals = 6);

/// A family of one unlabelled sample.
template <class T>
void single(std::string& out, std::string_view name, std::string_view type,
            std::string_view help, T value) {
  family(out, name, type, help);
  sample(out, name, {}, value);
}

/// Appends `key="value"` (escaped) to a label set being built, without the
/// braces: label_set() adds those.
void label(std::string& set, std::string_view key, std::string_view value);
std::string label_set(const std::string& inner);

/// The `_bucket`, `_sum` and `_count` samples of one histogram series;
/// `labels_inner` are its labels without braces (may be empty).
void histogram_samples(std::string& out, std::string_view name,
                       const std::string& labels_inner,
                       const histogram::snapshot_t& s);

/// process_* (from /proc/self) and p2p_build_info.
void process_families(std::string& out);

} // namespace p2p::prom
