// The metrics' plain parts: the lock-free histogram (buckets, cumulative
// snapshot, concurrent recording), its exposition, the request counter's
// bounds and the route templates.
#include "actors/histogram.hpp"
#include "actors/http/api_context.hpp"
#include "actors/http/route_label.hpp"
#include "actors/metrics.hpp"
#include "actors/metrics_text.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace p2p;
using namespace std::chrono_literals;

TEST_CASE("histogram: a value falls in the first bucket whose bound holds it") {
  histogram h{0.001, 0.01, 0.1};
  h.observe(1ms);     // le 0.001 (a bound holds itself)
  h.observe(1001us);  // le 0.01
  h.observe(50ms);    // le 0.1
  h.observe(2s);      // +Inf only
  h.observe(-5ms);    // a clock step back counts as 0
  auto s = h.snapshot();
  REQUIRE(s.bounds == 3);
  CHECK(s.le[0] == doctest::Approx(0.001));
  CHECK(s.le[2] == doctest::Approx(0.1));
  CHECK(s.cumulative[0] == 2);
  CHECK(s.cumulative[1] == 3);
  CHECK(s.cumulative[2] == 4);
  CHECK(s.cumulative[3] == 5);
  CHECK(s.count() == 5);
  CHECK(s.sum_seconds == doctest::Approx(0.001 + 0.001001 + 0.05 + 2));
}

TEST_CASE("histogram: concurrent observations are all counted, buckets "
          "stay cumulative") {
  histogram h{0.000001, 0.00001, 0.0001};
  constexpr int threads = 4, each = 50000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&h, t] {
      for (int i = 0; i < each; ++i)
        h.observe(std::chrono::nanoseconds((i * 37 + t) % 200000));
    });
  // Scrapes racing with the writers still see monotone buckets.
  for (int k = 0; k < 100; ++k) {
    auto s = h.snapshot();
    for (std::size_t i = 1; i <= s.bounds; ++i)
      REQUIRE(s.cumulative[i] >= s.cumulative[i - 1]);
  }
  for (auto& t : pool)
    t.join();
  auto s = h.snapshot();
  CHECK(s.count() == uint64_t{threads} * each);
  uint64_t ns = 0;
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < each; ++i)
      ns += (i * 37 + t) % 200000;
  CHECK(s.sum_seconds == doctest::Approx(static_cast<double>(ns) / 1e9));
}

TEST_CASE("histogram: exposition has cumulative buckets, +Inf, sum, count") {
  histogram h{0.5, 1};
  h.observe(250ms);
  h.observe(750ms);
  h.observe(3s);
  std::string labels;
  prom::label(labels, "route", "data");
  std::string out;
  prom::histogram_samples(out, "x_seconds", labels, h.snapshot());
  CHECK(out
        == "x_seconds_bucket{route=\"data\",le=\"0.5\"} 1\n"
           "x_seconds_bucket{route=\"data\",le=\"1\"} 2\n"
           "x_seconds_bucket{route=\"data\",le=\"+Inf\"} 3\n"
           "x_seconds_sum{route=\"data\"} 4.000000000\n"
           "x_seconds_count{route=\"data\"} 3\n");
}

TEST_CASE("labels: values are escaped") {
  std::string labels;
  prom::label(labels, "peer", "a\"b\\c\nd");
  CHECK(prom::label_set(labels) == "{peer=\"a\\\"b\\\\c\\nd\"}");
  CHECK(prom::label_set("").empty());
}

TEST_CASE("http metrics: codes out of range count as 500, latency by route") {
  auto m = std::make_unique<http_metrics>();
  m->record(http_route::data, 200, 30us);
  m->count(http_route::custom, 42);
  m->count(http_route::custom, 600);
  auto at = [&](http_route r, unsigned code) {
    return m->by_code[static_cast<std::size_t>(r)][code - 100].load();
  };
  CHECK(at(http_route::data, 200) == 1);
  CHECK(at(http_route::custom, 500) == 2);
  CHECK(m->latency[static_cast<std::size_t>(http_route::data)].snapshot()
          .count() == 1);
  CHECK(m->latency[static_cast<std::size_t>(http_route::custom)].snapshot()
          .count() == 0);
}

TEST_CASE("routes: requests map to a fixed set of templates") {
  api_context ctx;
  ctx.routes = std::make_shared<const std::vector<custom_route>>(
    std::vector<custom_route>{{"GET", "/app/", {}}, {"POST", "/hook", {}}});
  auto label = [&](const char* target) {
    return std::string(route_label(route_of(ctx, target)));
  };
  CHECK(label("/api/users/1") == "data");
  CHECK(label("/api/scan/users/?limit=5") == "scan");
  CHECK(label("/api/scanner") == "data");
  CHECK(label("/health") == "/health");
  CHECK(label("/metrics?x=1") == "/metrics");
  CHECK(label("/peers/passive") == "/peers/passive");
  CHECK(label("/events/a/b") == "events");
  CHECK(label("/query/users/?field=/role&eq=1") == "query");
  CHECK(label("/schemas/users/") == "schemas");
  CHECK(label("/export?prefix=a") == "export");
  CHECK(label("/app/anything/here") == "custom");
  CHECK(label("/hook") == "custom");
  CHECK(label("/hooks") == "other");
  CHECK(label("/no/such/thing") == "other");
  CHECK(label("/healthz") == "other");
}
