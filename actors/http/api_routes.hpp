#pragma once
// The REST endpoints of the contract. Reads go straight to the database
// (LMDB snapshots, no actor round trip); writes ask the router and answer
// when it replies, without ever blocking the I/O thread.
#include "actors/http/api_context.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>

namespace caf {
class error;
}
#include <optional>

namespace p2p {

using http_request =
  boost::beast::http::request<boost::beast::http::string_body>;
using http_response =
  boost::beast::http::response<boost::beast::http::string_body>;

/// Called exactly once per request, possibly later and on another thread.
using reply_fn = std::function<void(http_response)>;

void route_request(const api_context& ctx, const http_request& req,
                   reply_fn reply);

/// Empty when `req` may go ahead under the node's bearer-token rule,
/// otherwise the 401 answer. `write` says whether it changes data.
std::optional<http_response> check_token(const api_context& ctx,
                                         const http_request& req, bool write);

/// A complete response: `body` with its content type and length.
http_response make_response(unsigned status, std::string body,
                            unsigned version, bool keep_alive,
                            const char* content_type = "application/json");

/// `res` as the bytes to write (status line, fields, body) into `out`.
void serialize_response(const http_response& res, std::string& out);

/// `{"error": message}` with `status`.
http_response error_response(unsigned status, std::string_view message,
                             const http_request& req);

/// The answer for one of our errors (messages.hpp): its status and text.
http_response error_response(const caf::error& err, unsigned version,
                             bool keep_alive);

} // namespace p2p
