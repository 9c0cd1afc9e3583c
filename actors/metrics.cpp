#include "actors/metrics.hpp"

#include "actors/metrics_text.hpp"

#include <cstdio>
#include <utility>

namespace p2p {

namespace {

// Request latency: a GET takes tens of microseconds, a PUT waits for its
// commit's fsync (milliseconds), a query or an import may take seconds.
constexpr double http_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                  0.005,  0.01,    0.025,  0.05,  0.1,
                                  0.25,   0.5,     1,      2.5,   5,
                                  10};

template <std::size_t... I>
std::array<histogram, sizeof...(I)> latency_histograms(
  std::index_sequence<I...>) {
  return {{((void)I, histogram(http_bounds, std::size(http_bounds)))...}};
}

} // namespace

const char* route_label(http_route r) {
  switch (r) {
    case http_route::health: return "/health";
    case http_route::metrics: return "/metrics";
    case http_route::peers: return "/peers";
    case http_route::passive: return "/peers/passive";
    case http_route::data: return "data";
    case http_route::scan: return "scan";
    case http_route::events: return "events";
    case http_route::query: return "query";
    case http_route::indexes: return "/indexes";
    case http_route::schemas: return "schemas";
    case http_route::import: return "import";
    case http_route::export_: return "export";
    case http_route::link: return "/p2p";
    case http_route::ready: return "/ready";
    case http_route::console: return "/";
    case http_route::custom: return "custom";
    case http_route::other:
    case http_route::count_: break;
  }
  return "other";
}

http_metrics::http_metrics()
  : latency(latency_histograms(std::make_index_sequence<http_route_count>{})) {
}

namespace prom {

void family(std::string& out, std::string_view name, std::string_view type,
            std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, std::string_view name, std::string_view labels,
            uint64_t value) {
  out += name;
  out += labels;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

void sample(std::string& out, std::string_view name, std::string_view labels,
            double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  out += name;
  out += labels;
  out += ' ';
  out += buf;
  out += '\n';
}

void label(std::string& set, std::string_view key, std::string_view value) {
  if (!set.empty())
    set += ',';
  set += key;
  set += "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"')
      set += '\\';
    if (c == '\n')
      set += "\\n";
    else
      set += c;
  }
  set += '"';
}

std::string label_set(const std::string& inner) {
  return inner.empty() ? std::string() : "{" + inner + "}";
}

void histogram_samples(std::string& out, std::string_view name,
                       const std::string& labels_inner,
                       const histogram::snapshot_t& s) {
  for (std::size_t i = 0; i <= s.bounds; ++i) {
    out += name;
    out += "_bucket{";
    if (!labels_inner.empty()) {
      out += labels_inner;
      out += ',';
    }
    out += "le=\"";
    out += i < s.bounds ? s.le_text[i].data() : "+Inf";
    out += "\"} ";
    out += std::to_string(s.cumulative[i]);
    out += '\n';
  }
  auto labels = label_set(labels_inner);
  std::string base(name);
  sample(out, base + "_sum", labels, s.sum_seconds, 9);
  sample(out, base + "_count", labels, s.count());
}

} // namespace prom

} // namespace p2p
