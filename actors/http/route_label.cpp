#include "actors/http/route_label.hpp"

#include "actors/http/api_context.hpp"

namespace p2p {

namespace {

bool at_or_under(std::string_view path, std::string_view root) {
  return path == root
         || (path.size() > root.size() && path.compare(0, root.size(), root) == 0
             && path[root.size()] == '/');
}

} // namespace

http_route route_of(const api_context& ctx, std::string_view target) {
  auto path = target.substr(0, target.find('?'));
  if (at_or_under(path, "/api/scan"))
    return http_route::scan;
  if (at_or_under(path, "/api"))
    return http_route::data;
  if (path == "/health")
    return http_route::health;
  if (path == "/metrics")
    return http_route::metrics;
  if (path == "/peers")
    return http_route::peers;
  if (path == "/peers/passive")
    return http_route::passive;
  if (at_or_under(path, "/events"))
    return http_route::events;
  if (at_or_under(path, "/query"))
    return http_route::query;
  if (path == "/indexes")
    return http_route::indexes;
  if (at_or_under(path, "/schemas"))
    return http_route::schemas;
  if (path == "/import")
    return http_route::import;
  if (path == "/export")
    return http_route::export_;
  if (path == "/p2p")
    return http_route::link;
  if (path == "/ready")
    return http_route::ready;
  if (path == "/")
    return http_route::console;
  if (ctx.routes)
    for (const auto& r : *ctx.routes)
      if (custom_route_matches(r, path))
        return http_route::custom;
  return http_route::other;
}

} // namespace p2p
