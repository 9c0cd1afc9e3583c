#include "actors/http/cors.hpp"

#include "protocol/cors.hpp"

namespace p2p {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view exposed =
  "Content-Length, Content-Type, Retry-After, WWW-Authenticate";

template <class Add>
bool for_each_cors_field(const api_context& ctx, std::string_view origin,
                         Add add) {
  if (ctx.cors_origins.empty())
    return false;
  // Whether the answer carries CORS headers depends on Origin, so a shared
  // cache must key on it, allowed or not.
  add("Vary", "Origin");
  auto allowed = cors_allowed_origin(ctx.cors_origins, origin);
  if (allowed.empty())
    return true;
  add("Access-Control-Allow-Origin", allowed);
  add("Access-Control-Expose-Headers", exposed);
  return true;
}

} // namespace

void add_cors_headers(const api_context& ctx, std::string_view origin,
                      http_response& res) {
  for_each_cors_field(ctx, origin,
                      [&](std::string_view name, std::string_view value) {
                        res.set(name, value);
                      });
}

std::string cors_header_lines(const api_context& ctx, std::string_view origin) {
  std::string out;
  for_each_cors_field(ctx, origin,
                      [&](std::string_view name, std::string_view value) {
                        out.append(name);
                        out += ": ";
                        out.append(value);
                        out += "\r\n";
                      });
  return out;
}

std::string with_header_lines(std::string_view head, std::string_view lines) {
  std::string out(head.substr(0, head.size() - 2)); // before its empty line
  out.append(lines);
  out += "\r\n";
  return out;
}

std::optional<http_response> preflight_response(const api_context& ctx,
                                                const http_request& req) {
  if (req.method() != http::verb::options
      || req.find(http::field::access_control_request_method) == req.end()
      || cors_allowed_origin(ctx.cors_origins, origin_of(req)).empty())
    return std::nullopt;
  http_response res{http::status::no_content, req.version()};
  res.set(http::field::access_control_allow_methods,
          "GET, HEAD, PUT, DELETE, POST, OPTIONS");
  res.set(http::field::access_control_allow_headers,
          ctx.token.empty() ? "Content-Type, Last-Event-ID"
                            : "Content-Type, Last-Event-ID, Authorization");
  res.set(http::field::access_control_max_age, "600");
  res.keep_alive(req.keep_alive());
  return res;
}

} // namespace p2p
