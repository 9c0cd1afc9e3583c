#pragma once
// Hooks an embedding application sets to shape what its node stores and
// serves (the seed's middleware, such as `beforePut`). They are set in
// server_options before start() and never change after; they run on actor
// and I/O threads, so they must be thread-safe, quick and not block. A hook
// that throws refuses the write (HTTP 500, p2p_error) or hides the entry.
#include <functional>
#include <string>

namespace boost::json {
class value;
}

namespace p2p {

struct node_hooks {
  /// Sees each local put before it is stamped (HTTP, this API, a CAF
  /// caller) and may change `value` in place. Returns "" to let it through,
  /// or why it is refused (HTTP 403, p2p_error). Updates from peers and
  /// imports are not seen: they were accepted where they were made.
  std::function<std::string(const std::string& path, boost::json::value& value)>
    before_put;
  /// Sees each local delete before it is stamped: "" or why it is refused.
  std::function<std::string(const std::string& path)> before_delete;
  /// Sees each entry a reader is about to get from GET, scan or a query
  /// (HTTP and this API) and may change `value`; false hides the entry (a
  /// GET answers 404). Subscriptions, SSE and exports are not filtered.
  std::function<bool(const std::string& path, boost::json::value& value)>
    on_read;
};

} // namespace p2p
