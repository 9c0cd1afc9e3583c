// p2p-sim SCENARIO.json [--json REPORT.json] [--keep]: runs a multi-node
// scenario in one process and reports each step; exits 1 when a check fails
// or a wait times out (saying which), 2 on a bad scenario or command line.
// p2p-sim --random SEED [--nodes N] [--save FILE]: the same for a scenario
// made from the seed (saved as JSON, to keep a failing one as a regression).
// --tombstone-ttl D|mixed sets every node's TTL (and, with --random, makes
// the seed's schedule one that exercises tombstone collection).
#include "apps/sim/random_scenario.hpp"
#include "apps/sim/runner.hpp"
#include "protocol/duration.hpp"

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <caf/all.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

namespace {

std::string format_bytes(uint64_t b) {
  char buf[32];
  if (b >= 1 << 20)
    std::snprintf(buf, sizeof buf, "%.1f MiB", b / 1048576.0);
  else if (b >= 1 << 10)
    std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  else
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
  return buf;
}

namespace po = boost::program_options;

po::options_description describe() {
  po::options_description desc("Flags", 80, 40);
  auto text = [] { return po::value<std::string>(); };
  desc.add_options()
    ("json", text()->value_name("REPORT.json"), "write the report as JSON")
    ("keep", "keep the nodes' databases (in the temp directory)")
    ("random", text()->value_name("SEED"),
     "run a scenario made from SEED instead of a file")
    ("nodes", text()->value_name("N"), "with --random: 2 to 200 nodes")
    ("save", text()->value_name("FILE"),
     "with --random: save the scenario as JSON")
    ("broadcast", text()->value_name("MODE"), "tree or flood, overriding "
     "the scenario's")
    ("tombstone-ttl", text()->value_name("D|mixed"),
     "every node's tombstone TTL (500ms, 2s, 7d; 0 keeps them for ever), "
     "overriding the scenario's; mixed gives node i of {1s, 2s, 3s, 0} the "
     "one at (SEED + i) mod 4 (SEED 0 for a file). With --random: a schedule "
     "with more deletes, sleeps and a last wait past the longest TTL, then "
     "check_absent (a different schedule of the seed)")
    ("help,h", "this text");
  return desc;
}

std::string usage_text() {
  std::ostringstream out;
  out << "usage: p2p-sim SCENARIO.json [--json REPORT.json] [--keep]\n"
         "       p2p-sim --random SEED [--nodes N] [--save FILE] "
         "[--json REPORT.json] [--keep]\n\n"
      << describe();
  return out.str();
}

int usage() {
  std::cerr << usage_text();
  return 2;
}

// A whole decimal number in [lo, hi], or nothing.
std::optional<uint64_t> number_arg(const std::string& text, uint64_t lo,
                                   uint64_t hi) {
  if (text.empty() || text.size() > 20
      || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  errno = 0;
  auto v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || v < lo || v > hi)
    return std::nullopt;
  return v;
}

} // namespace

int main(int argc, char** argv) {
  std::string scenario_path, json_path, save_path;
  std::optional<uint64_t> seed, nodes;
  bool keep = false;
  std::optional<bool> tree;
  std::string ttl; // empty: the scenario's; a duration or "mixed"
  po::variables_map vm;
  try {
    po::options_description all;
    all.add(describe()).add_options()("scenario", po::value<std::string>());
    po::positional_options_description positional;
    positional.add("scenario", 1);
    po::store(po::command_line_parser(argc, argv)
                .options(all)
                .positional(positional)
                .style(po::command_line_style::unix_style
                       & ~po::command_line_style::allow_guessing)
                .run(),
              vm);
  } catch (const po::error& e) {
    std::cerr << "p2p-sim: " << e.what() << "\n";
    return usage();
  }
  if (vm.count("help")) {
    std::cout << usage_text();
    return 0;
  }
  auto arg = [&](const char* name) {
    return vm.count(name) ? vm[name].as<std::string>() : std::string();
  };
  scenario_path = arg("scenario");
  json_path = arg("json");
  save_path = arg("save");
  keep = vm.count("keep") > 0;
  if (vm.count("random") && !(seed = number_arg(arg("random"), 0, UINT64_MAX))) {
    std::cerr << "p2p-sim: --random takes a seed (a whole number)\n";
    return 2;
  }
  if (vm.count("nodes") && !(nodes = number_arg(arg("nodes"), 2, 200))) {
    std::cerr << "p2p-sim: --nodes takes a number from 2 to 200\n";
    return 2;
  }
  if (vm.count("broadcast")) {
    auto mode = arg("broadcast");
    if (mode != "tree" && mode != "flood") {
      std::cerr << "p2p-sim: --broadcast takes tree or flood\n";
      return 2;
    }
    tree = mode == "tree";
  }
  ttl = arg("tombstone-ttl");
  if (vm.count("tombstone-ttl") && ttl != "mixed" && !p2p::parse_duration(ttl)) {
    std::cerr << "p2p-sim: --tombstone-ttl takes a duration (500ms, 2s, "
                 "90m, 12h, 7d, or 0 to keep them for ever) or mixed\n";
    return 2;
  }
  if (seed.has_value() == !scenario_path.empty()
      || (!seed && (nodes || !save_path.empty())))
    return usage();
  std::string text;
  if (seed) {
    auto n = static_cast<int>(nodes.value_or(0));
    text = ttl.empty() ? p2p::sim::random_scenario_json(*seed, n)
                       : p2p::sim::random_ttl_scenario_json(*seed, n, ttl);
    scenario_path = "random seed " + std::to_string(*seed);
    if (!save_path.empty() && !(std::ofstream(save_path) << text)) {
      std::cerr << "p2p-sim: cannot write " << save_path << "\n";
      return 2;
    }
  } else {
    std::ifstream in(scenario_path);
    if (!in) {
      std::cerr << "p2p-sim: cannot read " << scenario_path << "\n";
      return 2;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    text = buf.str();
  }
  p2p::sim::scenario sc;
  std::string why;
  if (!p2p::sim::parse_scenario(text, sc, why)) {
    std::cerr << "p2p-sim: " << scenario_path << ": " << why << "\n";
    return 2;
  }
  if (tree)
    sc.links.tree = *tree;
  if (!ttl.empty()) {
    sc.tombstone_ttl.clear();
    for (int i = 0; i < sc.nodes; ++i)
      sc.tombstone_ttl.push_back(*p2p::parse_duration(
        ttl == "mixed" ? p2p::sim::mixed_ttl(seed.value_or(0), i) : ttl));
  }
  std::string ttl_note; // the TTLs for the header line
  for (std::size_t i = 0; i < sc.tombstone_ttl.size(); ++i)
    ttl_note += (i ? "," : ", tombstone TTL ")
                + p2p::sim::ttl_text(sc.tombstone_ttl[i]);
  auto workdir = std::filesystem::temp_directory_path()
                 / ("p2p-sim-" + std::to_string(::getpid()));
  std::filesystem::create_directories(workdir);

  boost::json::array steps_json;
  bool all_ok = true;
  int started_ok = 0;
  {
    caf::actor_system_config cfg;
    cfg.set("scheduler.max-threads", 2);
    cfg.set("scheduler.policy", caf::atom("sharing"));
    caf::actor_system sys{cfg};
    p2p::sim::runner run(sys, sc, workdir.string());
    std::printf("scenario %s: %d nodes, topology %s, %zu links, %zu steps, "
                "%s broadcast, peer exchange %s%s\n",
                scenario_path.c_str(), sc.nodes, sc.topology_name.c_str(),
                sc.edges.size(), sc.steps.size(),
                sc.links.tree ? "tree" : "flood",
                sc.links.exchange ? "on" : "off", ttl_note.c_str());
    auto t0 = std::chrono::steady_clock::now();
    if (!run.start(why)) {
      std::printf("start FAILED: %s\n", why.c_str());
      all_ok = false;
    } else {
      started_ok = 1;
      std::printf("all nodes up and linked in %.0f ms\n",
                  std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - t0)
                    .count());
      std::printf("%-4s %-16s %10s %14s %12s %12s  %s\n", "step", "kind",
                  "ms", "updates sent", "announced", "link bytes", "result");
      for (std::size_t i = 0; i < sc.steps.size() && all_ok; ++i) {
        auto r = run.run(sc.steps[i]);
        std::printf("%-4zu %-16s %10.1f %14llu %12llu %12s  %s\n", i,
                    r.name.c_str(), r.ms,
                    static_cast<unsigned long long>(r.updates_sent),
                    static_cast<unsigned long long>(r.announcements_sent),
                    format_bytes(r.bytes_sent).c_str(),
                    r.ok ? ("ok" + (r.note.empty() ? "" : " (" + r.note + ")")).c_str()
                         : ("FAILED: " + r.error).c_str());
        std::fflush(stdout);
        steps_json.push_back({{"index", i},
                              {"kind", r.name},
                              {"ok", r.ok},
                              {"error", r.error},
                              {"note", r.note},
                              {"ms", r.ms},
                              {"updates_sent", r.updates_sent},
                              {"link_bytes_sent", r.bytes_sent},
                              {"announcements_sent", r.announcements_sent},
                              {"announcement_bytes", r.announcement_bytes},
                              {"grafts", r.grafts},
                              {"prunes", r.prunes}});
        all_ok = all_ok && r.ok;
      }
    }
  }
  std::printf("%s\n", all_ok ? "scenario passed" : "scenario FAILED");
  if (!json_path.empty()) {
    boost::json::object report{{"scenario", scenario_path},
                               {"nodes", sc.nodes},
                               {"topology", sc.topology_name},
                               {"links", sc.edges.size()},
                               {"started", started_ok == 1},
                               {"passed", all_ok},
                               {"steps", steps_json}};
    std::ofstream(json_path) << boost::json::serialize(report) << "\n";
  }
  if (!keep)
    std::filesystem::remove_all(workdir);
  return all_ok ? 0 : 1;
}
