#pragma once
// The endpoints an operator (or an orchestrator) reads, open without the
// token: GET /health (liveness, the node's id and version), GET /ready
// (start-up catch-up done, start_up.hpp) and GET / (the console page).
#include "actors/http/api_routes.hpp"

#include <string_view>

namespace p2p {

/// True when `raw_path` is one of these endpoints (then `reply` is called).
/// /health, /ready and / (the console page): open to all, no token.
bool is_operator_path(std::string_view raw_path);

bool route_operator_request(const api_context& ctx, const http_request& req,
                            std::string_view raw_path, const reply_fn& reply);

} // namespace p2p
