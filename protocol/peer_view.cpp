#include "protocol/peer_view.hpp"

#include "protocol/json_text.hpp"
#include "protocol/peer_url.hpp"

#include <algorithm>

namespace p2p {

namespace {

/// The canonical text of `url`; empty when it is not a peer URL.
std::string canonical_url(const std::string& url) {
  if (url.empty() || url.size() > peer_view::max_url_chars)
    return {};
  auto parsed = parse_peer_url(url);
  return parsed.url ? parsed.url->text() : std::string();
}

} // namespace

peer_view::peer_view(overlay_limits limits, std::string own_id,
                     std::string own_url, uint64_t rng_seed)
  : limits_(limits),
    own_id_(std::move(own_id)),
    own_url_(canonical_url(own_url)),
    rng_(rng_seed) {
}

bool peer_view::is_self(const std::string& url, const std::string& id) const {
  if (!id.empty() && id == own_id_)
    return true;
  if (url.empty())
    return false;
  return url == own_url_
         || std::find(self_urls_.begin(), self_urls_.end(), url)
              != self_urls_.end();
}

bool peer_view::is_active(const std::string& url,
                          const std::string& id) const {
  return std::any_of(active_.begin(), active_.end(), [&](const auto& a) {
    return (!url.empty() && a.url == url) || (!id.empty() && a.id == id);
  });
}

std::vector<peer_view::known_address>::iterator
peer_view::find_passive(const std::string& url) {
  return std::find_if(passive_.begin(), passive_.end(),
                      [&](const auto& e) { return e.url == url; });
}

std::vector<peer_view::active_link>::iterator
peer_view::find_active(uint64_t link) {
  return std::find_if(active_.begin(), active_.end(),
                      [&](const auto& a) { return a.link == link; });
}

void peer_view::remember_self_url(const std::string& url) {
  if (url.empty() || is_self(url, {}))
    return;
  if (self_urls_.size() >= max_self_urls)
    self_urls_.erase(self_urls_.begin());
  self_urls_.push_back(url);
}

bool peer_view::insert_passive(known_address entry) {
  if (passive_.size() < limits_.passive_max) {
    passive_.push_back(std::move(entry));
    return true;
  }
  // Full: replace an entry that has failed if there is one (it is the
  // least likely to lead anywhere), else any; never one being dialled,
  // since its dial_ended must still find it.
  std::vector<std::size_t> failed, idle;
  for (std::size_t i = 0; i < passive_.size(); ++i) {
    if (passive_[i].dialing)
      continue;
    (passive_[i].failures > 0 ? failed : idle).push_back(i);
  }
  auto& pool = failed.empty() ? idle : failed;
  if (pool.empty())
    return false;
  std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
  passive_[pool[pick(rng_)]] = std::move(entry);
  return true;
}

std::chrono::milliseconds peer_view::backoff(unsigned failures) {
  using std::chrono::milliseconds;
  auto cap = std::max(limits_.backoff_max, milliseconds(0));
  auto base = std::min(std::max(limits_.backoff_first, milliseconds(0)), cap);
  // Doubling by steps rather than a shift: no overflow however many.
  for (unsigned i = 1; i < failures && base < cap; ++i)
    base = std::min(base * 2, cap);
  // +-25%, so that nodes that failed together do not retry together.
  auto quarter = base.count() / 4;
  std::uniform_int_distribution<int64_t> jitter(-quarter, quarter);
  return std::min(milliseconds(base.count() + jitter(rng_)), cap);
}

void peer_view::link_up(uint64_t link, std::string remote_id,
                        std::string advertised_url, bool inbound,
                        bool speaks_peers) {
  auto url = canonical_url(advertised_url);
  if (is_self(url, {}))
    url.clear(); // a node advertising our URL as its own: not believed
  active_link a{link, std::move(remote_id), std::move(url), inbound,
                speaks_peers, next_order_++};
  if (auto e = find_passive(a.url); e != passive_.end() && !a.id.empty())
    e->id = a.id;
  if (auto same = find_active(link); same != active_.end())
    *same = std::move(a);
  else
    active_.push_back(std::move(a));
}

void peer_view::link_down(uint64_t link, time_point now) {
  auto it = find_active(link);
  if (it == active_.end())
    return;
  auto gone = std::move(*it);
  active_.erase(it);
  if (gone.url.empty() || is_self(gone.url, gone.id)
      || is_active(gone.url, gone.id))
    return; // another link to that node is still up
  auto not_before = now + backoff(1);
  if (auto e = find_passive(gone.url); e != passive_.end()) {
    e->next_dial = std::max(e->next_dial, not_before);
    return;
  }
  insert_passive({gone.url, gone.id, 0, false, not_before});
}

std::size_t peer_view::learn(const std::vector<peer_address>& addrs,
                             time_point now) {
  std::size_t added = 0;
  for (const auto& addr : addrs) {
    if (addr.id.size() > max_id_chars)
      continue;
    auto url = canonical_url(addr.url);
    if (url.empty() || is_self(url, addr.id) || is_active(url, addr.id))
      continue;
    if (auto e = find_passive(url); e != passive_.end()) {
      if (e->id.empty())
        e->id = addr.id;
      continue;
    }
    // Dropped after failing: taught again, it keeps its failures and its
    // backoff, so a liar repeating an address cannot reset them.
    known_address entry{std::move(url), addr.id, 0, false, now};
    auto old = std::find_if(dropped_.begin(), dropped_.end(),
                            [&](const auto& d) { return d.url == entry.url; });
    if (old != dropped_.end()) {
      entry.failures = old->failures;
      entry.next_dial = old->next_dial;
      dropped_.erase(old);
    }
    if (insert_passive(std::move(entry)))
      ++added;
  }
  return added;
}

void peer_view::set_seeds(const std::vector<std::string>& urls) {
  seeds_.clear();
  for (const auto& u : urls)
    if (auto c = canonical_url(u); !c.empty())
      seeds_.push_back(std::move(c));
}

std::size_t peer_view::dialing() const {
  return static_cast<std::size_t>(std::count_if(
    passive_.begin(), passive_.end(), [](const auto& e) { return e.dialing; }));
}

std::vector<std::string> peer_view::to_dial(time_point now) {
  auto in_flight = dialing();
  auto have = active_.size() + in_flight;
  if (have >= limits_.min_links || in_flight >= limits_.max_dialing)
    return {};
  auto want = std::min(limits_.min_links - have,
                       limits_.max_dialing - in_flight);
  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < passive_.size(); ++i) {
    const auto& e = passive_[i];
    if (!e.dialing && e.next_dial <= now && !is_self(e.url, e.id)
        && !is_active(e.url, e.id)
        && std::find(seeds_.begin(), seeds_.end(), e.url) == seeds_.end())
      ready.push_back(i);
  }
  std::shuffle(ready.begin(), ready.end(), rng_);
  ready.resize(std::min(ready.size(), want));
  std::vector<std::string> urls;
  for (auto i : ready) {
    passive_[i].dialing = true;
    urls.push_back(passive_[i].url);
  }
  return urls;
}

void peer_view::dial_ended(const std::string& url, bool ok,
                           const std::string& remote_id, bool self,
                           time_point now) {
  auto canonical = canonical_url(url);
  auto it = find_passive(canonical.empty() ? url : canonical);
  if (self || (!remote_id.empty() && remote_id == own_id_)) {
    remember_self_url(canonical);
    if (it != passive_.end())
      passive_.erase(it);
    return;
  }
  if (it == passive_.end())
    return;
  it->dialing = false;
  if (ok) {
    it->failures = 0;
    it->next_dial = now;
    if (!remote_id.empty() && remote_id.size() <= max_id_chars)
      it->id = remote_id;
    return;
  }
  it->next_dial = now + backoff(++it->failures);
  if (it->failures >= limits_.max_failures) {
    if (dropped_.size() >= max_dropped)
      dropped_.erase(dropped_.begin());
    dropped_.push_back(std::move(*it));
    passive_.erase(it);
  }
}

std::optional<uint64_t> peer_view::to_shed() const {
  if (active_.size() <= limits_.max_links)
    return std::nullopt;
  const active_link* newest = nullptr;
  for (const auto& a : active_)
    if (a.inbound && a.speaks_peers && (!newest || a.order > newest->order))
      newest = &a;
  if (!newest)
    return std::nullopt;
  return newest->link;
}

std::vector<peer_address> peer_view::sample(const std::string& exclude_id) {
  // The recipient is left out by its id and by the URLs its links
  // advertise: telling a node about itself wastes a slot.
  auto recipient = [&](const std::string& id, const std::string& url) {
    if (exclude_id.empty())
      return false;
    auto its_link = [&](const auto& a) {
      return a.id == exclude_id && a.url == url;
    };
    return id == exclude_id
           || std::any_of(active_.begin(), active_.end(), its_link);
  };
  std::vector<peer_address> out;
  auto add = [&](const std::string& id, const std::string& url) {
    if (out.size() >= limits_.sample_max || url.empty() || recipient(id, url)
        || std::any_of(out.begin(), out.end(),
                       [&](const auto& o) { return o.url == url; }))
      return;
    out.push_back({id, url});
  };
  add(own_id_, own_url_);
  for (const auto& a : active_)
    add(a.id, a.url);
  std::vector<std::size_t> fresh, failed;
  for (std::size_t i = 0; i < passive_.size(); ++i)
    (passive_[i].failures > 0 ? failed : fresh).push_back(i);
  std::shuffle(fresh.begin(), fresh.end(), rng_);
  std::shuffle(failed.begin(), failed.end(), rng_);
  for (auto* pool : {&fresh, &failed})
    for (auto i : *pool)
      add(passive_[i].id, passive_[i].url);
  return out;
}

std::optional<uint64_t> peer_view::shuffle_target() {
  std::vector<uint64_t> links;
  for (const auto& a : active_)
    if (a.speaks_peers)
      links.push_back(a.link);
  if (links.empty())
    return std::nullopt;
  std::uniform_int_distribution<std::size_t> pick(0, links.size() - 1);
  return links[pick(rng_)];
}

std::vector<peer_view::passive_entry> peer_view::passive(time_point now) const {
  std::vector<passive_entry> out;
  for (const auto& e : passive_) {
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(e.next_dial - now);
    out.push_back({e.url, e.id, e.failures, e.dialing,
                   std::max<int64_t>(0, wait.count())});
  }
  return out;
}

} // namespace p2p
