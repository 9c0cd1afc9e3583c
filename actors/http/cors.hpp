#pragma once
// CORS headers (server_options::cors_origins): a response to a request
// whose Origin is allowed names it (or `*`) in Access-Control-Allow-Origin,
// with Vary: Origin and the headers a page may read; a preflight (OPTIONS
// with Access-Control-Request-Method) from such an origin gets 204 with
// the methods and headers allowed. No origins configured, no Origin sent,
// or one not listed: no CORS headers at all.
#include "actors/http/api_routes.hpp"

#include <boost/beast/http/field.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace p2p {

/// The request's Origin header (empty when none).
template <class Fields>
std::string_view origin_of(const boost::beast::http::header<true, Fields>& h) {
  auto i = h.find(boost::beast::http::field::origin);
  return i == h.end() ? std::string_view{}
                      : std::string_view(i->value().data(), i->value().size());
}

/// Adds the CORS headers to `res` when `origin` is allowed.
void add_cors_headers(const api_context& ctx, std::string_view origin,
                      http_response& res);

/// The same as header lines ("Name: value\r\n" each), for a head written
/// by hand (SSE, export); empty when `origin` is not allowed.
std::string cors_header_lines(const api_context& ctx, std::string_view origin);

/// `head` (ending in an empty line) with `lines` put before its end.
std::string with_header_lines(std::string_view head, std::string_view lines);

/// A preflight from an allowed origin: its 204 answer, without the
/// headers add_cors_headers puts on every answer.
std::optional<http_response> preflight_response(const api_context& ctx,
                                                const http_request& req);

} // namespace p2p
