#include "actors/http/operator_routes.hpp"

#include "actors/http/console_page.hpp"
#include "protocol/json_text.hpp"

#include <p2psync/version.hpp>

namespace p2p {

namespace http = boost::beast::http;

namespace {

std::string health_json(const api_context& ctx) {
  std::string body = "{\"ok\":true,\"id\":";
  append_json_string(body, ctx.node_id);
  body += ",\"version\":";
  append_json_string(body, version_string);
  body += ",\"revision\":";
  append_json_string(body, git_revision);
  body += '}';
  return body;
}

} // namespace

bool is_operator_path(std::string_view raw_path) {
  return raw_path == "/health" || raw_path == "/ready" || raw_path == "/";
}

bool route_operator_request(const api_context& ctx, const http_request& req,
                            std::string_view raw_path, const reply_fn& reply) {
  if (!is_operator_path(raw_path))
    return false;
  auto answer = [&](unsigned status, std::string body,
                    const char* type = "application/json") {
    return make_response(status, std::move(body), req.version(),
                         req.keep_alive(), type);
  };
  if (req.method() != http::verb::get) {
    reply(answer(405, json_error("method not allowed")));
    return true;
  }
  if (raw_path == "/health") {
    reply(answer(200, health_json(ctx)));
  } else if (raw_path == "/ready") {
    auto [ready, body] = ctx.ready_json
                           ? ctx.ready_json()
                           : std::make_pair(true, std::string("{\"ready\":true}"));
    auto res = answer(ready ? 200 : 503, std::move(body));
    if (!ready)
      res.set(http::field::retry_after, "1");
    reply(std::move(res));
  } else {
    auto res = answer(200, std::string(console_page()),
                      "text/html; charset=utf-8");
    // Its own inline script and style, calls to this node only, and no
    // framing by other pages (it holds a token field).
    res.set("Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; "
            "style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' "
            "data:; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'");
    res.set(http::field::x_frame_options, "DENY");
    res.set("X-Content-Type-Options", "nosniff");
    reply(std::move(res));
  }
  return true;
}

} // namespace p2p
