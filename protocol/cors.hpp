#pragma once
// Cross-origin access (CORS) for browser pages served elsewhere: which
// origins may read the node's answers, as plain code. The HTTP side that
// writes the headers is actors/http/cors.hpp.
#include <string>
#include <string_view>
#include <vector>

namespace p2p {

/// Empty when `origin` may be given to --cors-origin: `*`, or an origin as
/// browsers send it (`http://host[:port]` or `https://...`, no path, no
/// trailing slash, no user, query or fragment); otherwise what is wrong.
std::string cors_origin_error(std::string_view origin);

/// Checks the whole list as the launcher takes it (each value, and `*` only
/// on a node without a token: a page from anywhere must not be let use a
/// token its user typed into it). Empty when fine; the message names
/// --cors-origin.
std::string cors_origins_error(const std::vector<std::string>& origins,
                               bool has_token);

/// What Access-Control-Allow-Origin says to a request from `origin`:
/// `origin` itself when listed, `*` when `*` is, nothing (empty) when not
/// allowed or no Origin was sent. Scheme and host compare without case.
std::string cors_allowed_origin(const std::vector<std::string>& origins,
                                std::string_view origin);

} // namespace p2p
