#pragma once
// The HTTP request and response an application's custom route sees: plain
// structs, so the embedding header carries nothing of Beast.
#include <functional>
#include <string>

namespace p2p {

struct web_request {
  std::string method;
  std::string target; // path and query, as sent
  std::string body;
};

struct web_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

/// Runs on an I/O thread: it must not block.
using route_handler = std::function<web_response(const web_request&)>;

} // namespace p2p
