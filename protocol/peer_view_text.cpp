// peer_view's persistence: the addresses it knows as a small JSON text,
// kept in the db so that a restarted node remembers them.
#include "protocol/json_parse.hpp"
#include "protocol/json_text.hpp"
#include "protocol/peer_view.hpp"

namespace p2p {

std::string peer_view::to_text() const {
  std::string out = "[";
  std::vector<const std::string*> written;
  auto add = [&](const std::string& url, const std::string& id) {
    if (url.empty() || written.size() >= limits_.passive_max)
      return;
    for (const auto* w : written)
      if (*w == url)
        return;
    written.push_back(&url);
    if (out.size() > 1)
      out += ',';
    out += "{\"url\":";
    append_json_string(out, url);
    out += ",\"id\":";
    append_json_string(out, id);
    out += '}';
  };
  for (const auto& a : active_)
    add(a.url, a.id);
  for (const auto& e : passive_)
    add(e.url, e.id);
  return out + "]";
}

void peer_view::load_text(const std::string& text, time_point now) {
  if (text.size() > max_text_bytes)
    return;
  try {
    boost::system::error_code ec;
    auto v = parse_json(text, ec); // depth-limited by default
    if (ec || !v.is_array())
      return;
    std::vector<peer_address> addrs; // bounded by max_text_bytes
    for (const auto& item : v.as_array()) {
      const auto* obj = item.if_object();
      const auto* url = obj ? obj->if_contains("url") : nullptr;
      if (!url || !url->is_string())
        continue;
      const auto* id = obj->if_contains("id");
      peer_address addr;
      addr.url = std::string(url->get_string());
      if (id && id->is_string())
        addr.id = std::string(id->get_string());
      addrs.push_back(std::move(addr));
    }
    learn(addrs, now);
  } catch (const std::exception&) {
    // Out of memory while parsing: the text is simply not loaded.
  }
}

} // namespace p2p
