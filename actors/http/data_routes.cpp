#include "actors/http/data_routes.hpp"

#include "actors/http/url.hpp"
#include "actors/router_data.hpp"
#include "actors/metrics.hpp"
#include "protocol/json_parse.hpp"
#include "protocol/json_text.hpp"
#include "protocol/json_writer.hpp"
#include "storage/database.hpp"

#include <boost/json/value.hpp>
#include <caf/all.hpp>

#include <charconv>

namespace p2p {

namespace http = boost::beast::http;

namespace {

/// Answers one request; copyable, so a reply that comes later can use it.
struct answer {
  unsigned version;
  bool keep_alive;
  reply_fn reply;

  answer(const http_request& req, reply_fn reply)
    : version(req.version()), keep_alive(req.keep_alive()),
      reply(std::move(reply)) {
  }
  void operator()(unsigned status, std::string body) const {
    reply(make_response(status, std::move(body), version, keep_alive));
  }
  void error(unsigned status, std::string_view message) const {
    (*this)(status, json_error(message));
  }
  void error(const caf::error& err) const {
    reply(error_response(err, version, keep_alive));
  }
};

std::optional<std::string> param(std::string_view query, std::string_view key) {
  auto raw = query_param(query, key);
  if (!raw)
    return std::nullopt;
  return percent_decode(*raw);
}

/// A condition value: JSON when it parses as JSON, else the text itself
/// as a string (so `eq=admin` works without quotes).
std::string as_json_value(const std::string& text) {
  boost::system::error_code ec;
  auto v = parse_json(text, ec);
  if (!ec)
    return json_text(v);
  std::string out;
  append_json_string(out, text);
  return out;
}

/// Asks the router from the I/O thread without blocking it: a short-lived
/// actor waits for the reply (these calls are rare and may take long).
template <class OnOk, class... Ts>
void ask_router(const api_context& ctx, const answer& out, OnOk on_ok,
                Ts... xs) {
  ctx.system->spawn(
    [router = ctx.router, out, on_ok, xs...](caf::event_based_actor* self) {
      self->request(router, caf::infinite, xs...)
        .then(on_ok, [out](caf::error& err) { out.error(err); });
    });
}

void run_query(const api_context& ctx, std::string prefix,
               std::string_view query, const answer& out) {
  field_query q;
  q.prefix = std::move(prefix);
  auto field = param(query, "field");
  if (!field)
    return out.error(400, "give the field to match, as a JSON pointer: "
                          "field=/name");
  q.field = *field;
  if (auto v = param(query, "eq"))
    q.equals = as_json_value(*v);
  for (auto [name, inclusive, is_lower] :
       {std::tuple{"gt", false, true}, std::tuple{"gte", true, true},
        std::tuple{"lt", false, false}, std::tuple{"lte", true, false}}) {
    auto v = param(query, name);
    if (!v)
      continue;
    auto& bound = is_lower ? q.lower : q.upper;
    if (bound)
      return out.error(400, "give one lower and one upper bound at most");
    bound = query_bound{as_json_value(*v), inclusive};
  }
  if (auto v = param(query, "limit")) {
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), q.limit);
    if (ec != std::errc{} || end != v->data() + v->size())
      return out.error(400, "limit must be a positive integer");
  }
  if (auto v = param(query, "cursor"); v && !decode_cursor(*v, q.after))
    return out.error(400, "bad cursor");
  q.use_index = param(query, "scan") != "1";
  auto answered = answer_query(*ctx.db, *ctx.metrics, *ctx.hooks, q);
  if (!answered)
    return out.error(answered.error());
  const auto& result = *answered;
  std::string body = "{\"results\":[";
  for (std::size_t i = 0; i < result.results.size(); ++i) {
    if (i)
      body += ',';
    append_json(body, result.results[i]);
  }
  body += "],\"next\":";
  if (result.next.empty())
    body += "null";
  else
    append_json_string(body, result.next);
  body += ",\"plan\":";
  body += result.index ? "\"index\"" : "\"scan\"";
  if (result.index) {
    body += ",\"index\":{\"prefix\":";
    append_json_string(body, result.index->prefix);
    body += ",\"field\":";
    append_json_string(body, result.index->field);
    body += '}';
  }
  body += ",\"examined\":" + std::to_string(result.examined) + '}';
  out(200, std::move(body));
}

std::string index_json(const index_def& def) {
  std::string out = "{\"prefix\":";
  append_json_string(out, def.prefix);
  out += ",\"field\":";
  append_json_string(out, def.field);
  out += '}';
  return out;
}

void indexes(const api_context& ctx, const http_request& req,
             std::string_view query, const reply_fn& reply) {
  answer out{req, reply};
  if (req.method() == http::verb::get) {
    std::string body = "[";
    for (const auto& def : ctx.db->indexes())
      body += (body.size() > 1 ? "," : "") + index_json(def);
    return out(200, body + "]");
  }
  if (req.method() == http::verb::post) {
    auto spec = parse_index_spec(req.body());
    if (!spec)
      return out.error(400, "body must be {\"prefix\": string, \"field\": "
                            "JSON pointer}");
    return ask_router(
      ctx, out,
      [out](index_def& def, uint64_t built) {
        auto body = index_json(def);
        body.pop_back();
        body += ",\"built\":" + std::to_string(built) + '}';
        out(201, std::move(body));
      },
      add_index_atom::value, spec->first, spec->second);
  }
  if (req.method() == http::verb::delete_) {
    auto p = param(query, "prefix");
    auto f = param(query, "field");
    if (!p || !f)
      return out.error(400, "give prefix and field");
    return ask_router(
      ctx, out,
      [out](bool dropped) {
        if (dropped)
          out(200, "{\"dropped\":true}");
        else
          out.error(404, "no such index");
      },
      drop_index_atom::value, *p, *f);
  }
  out.error(405, "method not allowed");
}

void schemas(const api_context& ctx, const http_request& req,
             std::optional<std::string> prefix, const reply_fn& reply) {
  answer out{req, reply};
  if (!prefix) {
    if (req.method() != http::verb::get)
      return out.error(405, "method not allowed");
    std::string body = "[";
    for (const auto& [p, text] : ctx.db->schemas()) {
      if (body.size() > 1)
        body += ',';
      body += "{\"prefix\":";
      append_json_string(body, p);
      body += ",\"schema\":" + text + '}';
    }
    return out(200, body + "]");
  }
  bool remove = req.method() == http::verb::delete_;
  if (!remove && req.method() != http::verb::put)
    return out.error(405, "method not allowed");
  if (!remove && req.body().empty())
    return out.error(400, "body must be a JSON Schema");
  ask_router(
    ctx, out,
    [out, remove, p = *prefix](bool had) {
      if (remove && !had)
        return out.error(404, "no schema for this prefix");
      std::string body = "{\"prefix\":";
      append_json_string(body, p);
      body += remove ? ",\"removed\":true}"
                     : (had ? ",\"replaced\":true}" : ",\"replaced\":false}");
      out(200, std::move(body));
    },
    schema_atom::value, *prefix, remove ? std::string{} : req.body());
}

} // namespace

bool route_data_request(const api_context& ctx, const http_request& req,
                        std::string_view raw_path, std::string_view query,
                        const reply_fn& reply) {
  answer out{req, reply};
  auto tail = [&](std::string_view base) -> std::optional<std::string_view> {
    if (raw_path.compare(0, base.size(), base) != 0)
      return std::nullopt;
    return raw_path.substr(base.size());
  };
  if (raw_path == "/indexes") {
    indexes(ctx, req, query, reply);
    return true;
  }
  if (raw_path == "/schemas") {
    schemas(ctx, req, std::nullopt, reply);
    return true;
  }
  std::optional<std::string_view> rest;
  bool is_query = (rest = tail("/query/")).has_value();
  if (!is_query && !(rest = tail("/schemas/")))
    return false;
  auto prefix = percent_decode(*rest);
  if (!prefix) {
    out.error(400, "bad percent-encoding");
    return true;
  }
  if (!is_query)
    schemas(ctx, req, std::move(prefix), reply);
  else if (req.method() != http::verb::get)
    out.error(405, "method not allowed");
  else
    run_query(ctx, std::move(*prefix), query, out);
  return true;
}

} // namespace p2p
