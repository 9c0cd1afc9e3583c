#include "apps/sim/scenario.hpp"

#include "protocol/duration.hpp"
#include "protocol/json_writer.hpp"

#include <boost/json.hpp>

namespace p2p::sim {

namespace json = boost::json;

namespace {

struct bad_scenario : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const json::value& need(const json::object& o, const char* key,
                        const std::string& where) {
  auto* v = o.if_contains(key);
  if (!v)
    throw bad_scenario(where + ": missing \"" + key + "\"");
  return *v;
}

int64_t need_int(const json::object& o, const char* key,
                 const std::string& where) {
  auto& v = need(o, key, where);
  if (!v.is_int64() && !v.is_uint64())
    throw bad_scenario(where + ": \"" + key + "\" must be an integer");
  return v.to_number<int64_t>();
}

std::string need_string(const json::object& o, const char* key,
                        const std::string& where) {
  auto& v = need(o, key, where);
  if (!v.is_string())
    throw bad_scenario(where + ": \"" + key + "\" must be a string");
  return std::string(v.get_string());
}

int node_index(const json::value& v, int nodes, const std::string& where) {
  if (!v.is_int64() || v.get_int64() < 0 || v.get_int64() >= nodes)
    throw bad_scenario(where + ": node must be an index from 0 to "
                       + std::to_string(nodes - 1));
  return static_cast<int>(v.get_int64());
}

std::vector<edge> parse_topology(const json::value& t, int n,
                                 std::string& name) {
  if (t.is_string()) {
    name = std::string(t.get_string());
    if (name == "chain")
      return chain_edges(n);
    if (name == "ring")
      return ring_edges(n);
    if (name == "star")
      return star_edges(n);
    throw bad_scenario("topology: unknown \"" + name
                       + "\" (chain, ring, star, {random}, {edges})");
  }
  if (!t.is_object())
    throw bad_scenario("topology: a name or an object");
  auto& o = t.get_object();
  if (auto* r = o.if_contains("random")) {
    if (!r->is_object())
      throw bad_scenario("topology.random: an object {seed, extra_edges}");
    auto seed = need_int(r->get_object(), "seed", "topology.random");
    auto extra = r->get_object().if_contains("extra_edges")
                   ? need_int(r->get_object(), "extra_edges", "topology.random")
                   : 0;
    name = "random(seed " + std::to_string(seed) + ", +"
           + std::to_string(extra) + " edges)";
    return random_edges(n, static_cast<uint64_t>(seed), static_cast<int>(extra));
  }
  auto& list = need(o, "edges", "topology");
  if (!list.is_array())
    throw bad_scenario("topology.edges: an array of [a, b] pairs");
  std::vector<edge> out;
  for (auto& e : list.get_array()) {
    if (!e.is_array() || e.get_array().size() != 2)
      throw bad_scenario("topology.edges: each edge is [a, b]");
    auto a = node_index(e.get_array()[0], n, "topology.edges");
    auto b = node_index(e.get_array()[1], n, "topology.edges");
    if (a == b)
      throw bad_scenario("topology.edges: a node cannot link to itself");
    out.emplace_back(a, b);
  }
  name = "explicit (" + std::to_string(out.size()) + " edges)";
  return out;
}

link_settings parse_links(const json::value& v) {
  if (!v.is_object())
    throw bad_scenario("links: an object {exchange, min, max}");
  auto& o = v.get_object();
  link_settings out;
  if (auto* e = o.if_contains("exchange")) {
    if (!e->is_bool())
      throw bad_scenario("links.exchange: true or false");
    out.exchange = e->get_bool();
  }
  if (o.if_contains("min"))
    out.min_links = static_cast<int>(need_int(o, "min", "links"));
  if (o.if_contains("max"))
    out.max_links = static_cast<int>(need_int(o, "max", "links"));
  if (out.min_links < 0 || out.max_links < 1 || out.min_links > out.max_links)
    throw bad_scenario("links: need 0 <= min <= max and max >= 1");
  return out;
}

// "tombstone_ttl": "2s" for every node, or ["1s", "3s", "0", ...], one a node.
std::vector<std::chrono::milliseconds> parse_ttl(const json::value& v, int n) {
  auto one = [](const json::value& d, const std::string& where) {
    auto ttl = d.is_string() ? parse_duration(std::string_view(
                                 d.get_string().data(), d.get_string().size()))
                             : std::nullopt;
    if (!ttl)
      throw bad_scenario(where + ": a duration such as \"500ms\", \"2s\", "
                         "\"7d\" or \"0\" (keep for ever), as a string");
    return *ttl;
  };
  if (!v.is_array())
    return std::vector<std::chrono::milliseconds>(n, one(v, "tombstone_ttl"));
  auto& a = v.get_array();
  if (a.size() != static_cast<std::size_t>(n))
    throw bad_scenario("tombstone_ttl: an array of one duration per node ("
                       + std::to_string(n) + "), has "
                       + std::to_string(a.size()));
  std::vector<std::chrono::milliseconds> out;
  for (std::size_t i = 0; i < a.size(); ++i)
    out.push_back(one(a[i], "tombstone_ttl[" + std::to_string(i) + "]"));
  return out;
}

step parse_step(const json::value& v, int n, std::size_t index) {
  auto where = "steps[" + std::to_string(index) + "]";
  if (!v.is_object() || v.get_object().size() != 1)
    throw bad_scenario(where + ": an object with one key (the step kind)");
  auto& [key, arg] = *v.get_object().begin();
  step s;
  s.name = std::string(key);
  where += " (" + s.name + ")";
  static const json::object empty;
  auto& o = arg.is_object() ? arg.get_object() : empty;
  auto node = [&] { return node_index(need(o, "node", where), n, where); };
  if (key == "write" || key == "delete" || key == "check") {
    s.what = key == "write" ? step::write
                            : key == "delete" ? step::remove : step::check;
    s.node = node();
    s.path = need_string(o, "path", where);
    if (s.what != step::remove)
      s.value = p2p::json_text(need(o, "value", where)); // as stored
    if (s.what == step::check && o.if_contains("for_ms")) {
      s.for_ms = need_int(o, "for_ms", where);
      if (s.for_ms < 0 || s.for_ms > 600000)
        throw bad_scenario(where + ": for_ms from 0 to 600000");
    }
  } else if (key == "crash" && arg.is_object()) {
    s.what = step::crash;
    s.node = node();
    s.count = o.if_contains("inflight")
                ? static_cast<int>(need_int(o, "inflight", where))
                : 0;
    if (s.count < 0 || s.count > 100000)
      throw bad_scenario(where + ": inflight from 0 to 100000");
    s.prefix = o.if_contains("prefix") ? need_string(o, "prefix", where)
                                       : "inflight/";
  } else if (key == "bulk") {
    auto& who = need(o, "node", where);
    s.node = who.is_string() && who.get_string() == "all"
               ? -1
               : node_index(who, n, where);
    s.what = step::bulk;
    s.count = static_cast<int>(need_int(o, "count", where));
    s.prefix = o.if_contains("prefix") ? need_string(o, "prefix", where)
                                       : "bulk/";
    s.value_bytes = o.if_contains("value_bytes")
                      ? static_cast<int>(need_int(o, "value_bytes", where))
                      : 32;
  } else if (key == "wait_converged") {
    s.what = step::wait_converged;
    if (o.if_contains("deadline_ms"))
      s.deadline_ms = need_int(o, "deadline_ms", where);
  } else if (key == "stop" || key == "crash" || key == "restart") {
    s.what = key == "stop" ? step::stop
                           : key == "crash" ? step::crash : step::restart;
    s.node = node_index(arg, n, where);
  } else if (key == "partition") {
    s.what = step::partition;
    if (!arg.is_array())
      throw bad_scenario(where + ": an array of groups of node indexes");
    for (auto& g : arg.get_array()) {
      if (!g.is_array())
        throw bad_scenario(where + ": each group is an array of nodes");
      auto& group = s.groups.emplace_back();
      for (auto& x : g.get_array())
        group.push_back(node_index(x, n, where));
    }
  } else if (key == "heal") {
    s.what = step::heal;
  } else if (key == "flap") {
    s.what = step::flap;
    s.node = node_index(arg, n, where);
  } else if (key == "check_identical") {
    s.what = step::check_identical;
  } else if (key == "check_acknowledged") {
    s.what = step::check_acknowledged;
  } else if (key == "check_absent") {
    s.what = step::check_absent;
  } else if (key == "sleep") {
    s.what = step::sleep;
    s.for_ms = need_int(o, "ms", where);
    if (s.for_ms < 0 || s.for_ms > 600000)
      throw bad_scenario(where + ": ms from 0 to 600000");
  } else if (key == "check_links") {
    s.what = step::check_links;
    s.min_links = static_cast<int>(need_int(o, "min", where));
    s.max_links = static_cast<int>(need_int(o, "max", where));
    if (s.min_links < 0 || s.max_links < s.min_links)
      throw bad_scenario(where + ": need 0 <= min <= max");
    if (o.if_contains("hub"))
      s.hub = node_index(need(o, "hub", where), n, where);
    if (o.if_contains("known"))
      s.known = static_cast<int>(need_int(o, "known", where));
    if (o.if_contains("deadline_ms"))
      s.deadline_ms = need_int(o, "deadline_ms", where);
  } else {
    throw bad_scenario(where + ": unknown step kind");
  }
  return s;
}

} // namespace

std::string ttl_text(std::chrono::milliseconds ttl) {
  auto ms = ttl.count();
  if (ms == 0)
    return "0";
  return ms % 1000 ? std::to_string(ms) + "ms" : std::to_string(ms / 1000) + "s";
}

bool parse_scenario(const std::string& json_text, scenario& out,
                    std::string& why) {
  try {
    json::error_code ec;
    auto doc = json::parse(json_text, ec);
    if (ec)
      throw bad_scenario("not JSON: " + ec.message());
    if (!doc.is_object())
      throw bad_scenario("a scenario is a JSON object");
    auto& o = doc.get_object();
    out.nodes = static_cast<int>(need_int(o, "nodes", "scenario"));
    if (out.nodes < 1 || out.nodes > 200)
      throw bad_scenario("nodes: from 1 to 200");
    out.edges = parse_topology(need(o, "topology", "scenario"), out.nodes,
                               out.topology_name);
    if (auto* l = o.if_contains("links"))
      out.links = parse_links(*l);
    if (auto* b = o.if_contains("broadcast")) {
      if (!b->is_string()
          || (b->get_string() != "tree" && b->get_string() != "flood"))
        throw bad_scenario("broadcast: \"tree\" or \"flood\"");
      out.links.tree = b->get_string() == "tree";
    }
    if (auto* t = o.if_contains("tombstone_ttl"))
      out.tombstone_ttl = parse_ttl(*t, out.nodes);
    auto& steps = need(o, "steps", "scenario");
    if (!steps.is_array())
      throw bad_scenario("steps: an array");
    for (std::size_t i = 0; i < steps.get_array().size(); ++i)
      out.steps.push_back(parse_step(steps.get_array()[i], out.nodes, i));
    return true;
  } catch (const bad_scenario& e) {
    why = e.what();
    return false;
  }
}

} // namespace p2p::sim
