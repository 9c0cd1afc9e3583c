#pragma once
// Which route template a request goes to, for the `route` label of the HTTP
// metrics: decided from the path alone, never the path itself.
#include "actors/metrics.hpp"

#include <string_view>

namespace p2p {

struct api_context;

/// The route of `target` (path and query): the node's own routes first,
/// then the application's (`custom`), else `other`.
http_route route_of(const api_context& ctx, std::string_view target);

} // namespace p2p
