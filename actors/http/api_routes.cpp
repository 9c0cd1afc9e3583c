#include "actors/http/api_routes.hpp"

#include "actors/http/data_routes.hpp"
#include "actors/http/operator_routes.hpp"
#include "actors/http/url.hpp"
#include "actors/link/link_table.hpp"
#include "actors/metrics.hpp"
#include "protocol/auth.hpp"
#include "protocol/json_text.hpp"
#include "p2psync/log.hpp"
#include "protocol/path.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace p2p {

namespace http = boost::beast::http;

namespace {

struct request_meta {
  unsigned version;
  bool keep_alive;
};

http_response respond(unsigned status, std::string body, request_meta m,
                      const char* content_type = "application/json") {
  return make_response(status, std::move(body), m.version, m.keep_alive,
                       content_type);
}

http_response respond_error(unsigned status, std::string_view message,
                            request_meta m) {
  return respond(status, json_error(message), m);
}

unsigned status_for(const caf::error& err) {
  if (is_error(err, p2p_errc::invalid_path)
      || is_error(err, p2p_errc::invalid_value))
    return 400;
  if (is_error(err, p2p_errc::too_large))
    return 413;
  if (is_error(err, p2p_errc::rejected))
    return 403;
  if (is_error(err, p2p_errc::not_found))
    return 404;
  if (is_error(err, p2p_errc::storage_failure)
      || is_error(err, p2p_errc::hook_failure))
    return 500;
  return 503;
}

/// Hands a write to the router without blocking; the router calls back (on
/// its thread) once the write is durable, and `on_ok` builds the answer.
template <class OnOk>
void write_through_router(const api_context& ctx, bool is_delete,
                          std::string path, std::string json, request_meta m,
                          reply_fn reply, OnOk on_ok) {
  auto done = [m, reply, on_ok](caf::expected<update> result) {
    if (result)
      on_ok(*result);
    else
      reply(error_response(result.error(), m.version, m.keep_alive));
  };
  caf::anon_send(ctx.router, write_command{is_delete, std::move(path),
                                           std::move(json), std::move(done)});
}

void get_value(const api_context& ctx, const std::string& path,
               request_meta m, const reply_fn& reply) {
  if (auto err = path_error(path); !err.empty())
    return reply(respond_error(400, err, m));
  auto u = read_live(*ctx.db, *ctx.hooks, path);
  if (!u)
    return reply(respond_error(404, "not found", m));
  reply(respond(200, std::move(u->value), m));
}

void scan(const api_context& ctx, const std::string& prefix,
          std::string_view query, request_meta m, const reply_fn& reply) {
  if (auto err = prefix_error(prefix); !err.empty())
    return reply(respond_error(400, err, m));
  uint64_t limit = 0;
  if (auto raw = query_param(query, "limit")) {
    auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(),
                                     limit);
    if (ec != std::errc{} || end != raw->data() + raw->size() || limit == 0)
      return reply(respond_error(400, "limit must be a positive integer", m));
  }
  auto entries = read_scan(*ctx.db, *ctx.hooks, prefix, limit);
  std::string body = "[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i)
      body += ',';
    append_json(body, entries[i]);
  }
  body += ']';
  reply(respond(200, std::move(body), m));
}

void put_value(const api_context& ctx, std::string path,
               const std::string& body, request_meta m, reply_fn reply) {
  if (auto err = path_error(path); !err.empty())
    return reply(respond_error(400, err, m));
  if (path == "scan" || path.compare(0, 5, "scan/") == 0)
    return reply(respond_error(
      400, "paths under 'scan' are reserved (GET /api/scan/... is the scan)",
      m));
  write_through_router(ctx, false, std::move(path), body, m, reply,
                       [m, reply](const update& u) {
                         reply(respond(200, to_answer_json(u), m));
                       });
}

void delete_value(const api_context& ctx, std::string path, request_meta m,
                  reply_fn reply) {
  if (auto err = path_error(path); !err.empty())
    return reply(respond_error(400, err, m));
  write_through_router(
    ctx, true, std::move(path), {}, m, reply, [m, reply](const update& u) {
      std::string body = "{\"success\":true,\"path\":";
      append_json_string(body, u.path);
      body += ",\"timestamp\":" + std::to_string(wall_ms_of(u.time))
              + ",\"hlc\":";
      append_u64_string(body, u.time);
      body += '}';
      reply(respond(200, std::move(body), m));
    });
}

} // namespace

http_response make_response(unsigned status, std::string body,
                            unsigned version, bool keep_alive,
                            const char* content_type) {
  http_response res{static_cast<http::status>(status), version};
  res.set(http::field::content_type, content_type);
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// Our responses are small and complete: one flat buffer and one write cost
// far less than Beast's general serializer (about a fifth of a GET's CPU).
void serialize_response(const http_response& res, std::string& out) {
  out.clear();
  out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(res.result_int());
  out += ' ';
  out.append(res.reason().data(), res.reason().size());
  out += "\r\n";
  for (const auto& field : res) {
    out.append(field.name_string().data(), field.name_string().size());
    out += ": ";
    out.append(field.value().data(), field.value().size());
    out += "\r\n";
  }
  out += "\r\n";
  out += res.body();
}

http_response error_response(unsigned status, std::string_view message,
                             const http_request& req) {
  return respond_error(status, message, {req.version(), req.keep_alive()});
}

http_response error_response(const caf::error& err, unsigned version,
                             bool keep_alive) {
  request_meta m{version, keep_alive};
  // Its message already is the whole answer, with the violations listed.
  if (is_error(err, p2p_errc::schema_violation))
    return respond(400, error_message(err), m);
  return respond_error(status_for(err), error_message(err), m);
}

std::optional<http_response> check_token(const api_context& ctx,
                                         const http_request& req, bool write) {
  if (ctx.token.empty() || (!write && !ctx.token_reads))
    return std::nullopt;
  auto h = req.find(http::field::authorization);
  std::string_view given = h == req.end() ? std::string_view{}
                                          : std::string_view(h->value().data(),
                                                             h->value().size());
  constexpr std::string_view scheme = "bearer "; // case-insensitive
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  bool bearer = given.size() > scheme.size()
                && std::equal(scheme.begin(), scheme.end(), given.begin(),
                              [&](char a, char b) { return a == lower(b); });
  if (bearer && equal_secret(given.substr(scheme.size()), ctx.token))
    return std::nullopt;
  const char* why = h == req.end() ? "authorization required" : "wrong token";
  // One line at most every 10 s: a client retrying with a bad token must
  // not write a line per request.
  static log::rate_limiter limit(10'000);
  uint64_t suppressed = 0;
  if (limit.allow(suppressed))
    log::warn("http", "token refused",
              {{"status", 401},
               {"method", std::string_view(req.method_string().data(),
                                           req.method_string().size())},
               {"target", log::utf8_prefix(std::string_view(
                                             req.target().data(),
                                             req.target().size()),
                                           256)},
               {"reason", why},
               {"suppressed", suppressed}});
  auto res = error_response(401, why, req);
  res.set(http::field::www_authenticate, "Bearer");
  return res;
}

void route_request(const api_context& ctx, const http_request& req,
                   reply_fn reply) {
  request_meta m{req.version(), req.keep_alive()};
  auto [raw_path, query] = split(req.target());
  // Open to all: liveness and readiness probes, and the console page, which
  // holds no data (it asks for the token).
  if (!is_operator_path(raw_path)) {
    bool write = req.method() != http::verb::get
                 && req.method() != http::verb::head;
    if (auto denied = check_token(ctx, req, write))
      return reply(std::move(*denied));
  }
  auto method = req.method();
  auto only_get = [&](auto&& answer) {
    if (method != http::verb::get)
      return reply(respond_error(405, "method not allowed", m));
    answer();
  };
  auto under = [&](std::string_view prefix, std::string_view& rest) {
    if (raw_path.compare(0, prefix.size(), prefix) != 0)
      return false;
    rest = raw_path.substr(prefix.size());
    return true;
  };
  std::string_view rest;
  if (raw_path == "/api/scan" || under("/api/scan/", rest)) {
    auto prefix = percent_decode(rest);
    if (!prefix)
      return reply(respond_error(400, "bad percent-encoding", m));
    return only_get([&] { scan(ctx, *prefix, query, m, reply); });
  }
  if (raw_path == "/api" || under("/api/", rest)) {
    auto path = percent_decode(rest);
    if (!path)
      return reply(respond_error(400, "bad percent-encoding", m));
    switch (method) {
      case http::verb::get:
        return get_value(ctx, *path, m, reply);
      case http::verb::put:
        return put_value(ctx, std::move(*path), req.body(), m, reply);
      case http::verb::delete_:
        return delete_value(ctx, std::move(*path), m, reply);
      default:
        return reply(respond_error(405, "method not allowed", m));
    }
  }
  if (route_operator_request(ctx, req, raw_path, reply))
    return;
  if (raw_path == "/peers/passive")
    return only_get([&] {
      reply(respond(200, ctx.links ? ctx.links->passive_json() : "[]", m));
    });
  if (raw_path == "/peers")
    return only_get([&] {
      reply(respond(200, ctx.links ? ctx.links->to_json() : "[]", m));
    });
  if (raw_path == "/metrics")
    return only_get([&] {
      reply(respond(200,
                    render_metrics(*ctx.metrics, *ctx.db,
                                   ctx.sse_budget.get(), ctx.links.get()),
                    m,
                    "text/plain; version=0.0.4"));
    });
  if (raw_path == "/events" || under("/events/", rest))
    return reply(respond_error(405, "method not allowed", m));
  if (route_data_request(ctx, req, raw_path, query, reply))
    return;
  if (ctx.routes) {
    for (const auto& r : *ctx.routes) {
      if (!custom_route_matches(r, raw_path))
        continue;
      if (r.method != std::string_view(req.method_string()))
        continue;
      web_request wr{std::string(req.method_string()),
                     std::string(req.target()), req.body()};
      web_response out;
      try {
        out = r.handler(wr);
      } catch (const std::exception& e) {
        return reply(respond_error(500, std::string("route failed: ") + e.what(),
                                   m));
      }
      if (out.status < 100 || out.status > 599)
        return reply(respond_error(500, "route gave a bad status", m));
      return reply(respond(static_cast<unsigned>(out.status),
                           std::move(out.body), m, out.content_type.c_str()));
    }
  }
  reply(respond_error(404, "no such route", m));
}

} // namespace p2p
