#pragma once
// GET /: the operator's console, one static HTML page (inline CSS and
// script, no external assets) that uses only the public HTTP API: /health
// (id, version), /ready, /peers, /metrics, /events/<prefix> and
// GET/PUT/DELETE /api/<path>. Elements have stable ids (tests drive it).
#include <string_view>

namespace p2p {

std::string_view console_page();

} // namespace p2p
