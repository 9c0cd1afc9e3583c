#pragma once
// The endpoints of the data features: field queries, indexes and schemas.
//   GET    /query/<prefix>?field=/f&eq=V | gt,gte,lt,lte=V [&limit&cursor&scan=1]
//   GET    /indexes            POST /indexes {"prefix","field"}
//   DELETE /indexes?prefix=P&field=/f
//   GET    /schemas            PUT|DELETE /schemas/<prefix>
// Export and import stream, so they have sessions of their own
// (export_session.hpp, import_session.hpp).
#include "actors/http/api_routes.hpp"

#include <string_view>

namespace p2p {

/// True when `raw_path` is one of these endpoints (then `reply` is called).
bool route_data_request(const api_context& ctx, const http_request& req,
                        std::string_view raw_path, std::string_view query,
                        const reply_fn& reply);

} // namespace p2p
