#pragma once
// The overlay's view of other nodes, HyParView-style, as plain code: no
// I/O, no actors, no clock of its own (every call that needs the time is
// given it). The overlay actor feeds it link and dial events and the
// addresses peers advertise, and carries out what it returns: dial these
// URLs, shed that link, send this sample.
//
// - The active view is the set of live links, whoever dialled them (seed
//   links from `--peer` show up here too, but seeds are dialled elsewhere).
// - The passive view is a bounded set of addresses heard of, each with a
//   hint of its node id and its dial history; the overlay dials from it
//   while the node has fewer than min_links links.
//
// Invariants:
// - memory is bounded: at most passive_max passive entries, at most
//   max_self_urls URLs remembered as this node's own, ids and URLs of
//   bounded length;
// - never dials this node's own URL (or one a dial found to be this node),
//   an URL or id of an active link, an entry before its backoff has passed;
//   never more than max_dialing dials in flight, and none once active links
//   plus dials in flight reach min_links;
// - every random choice comes from one std::mt19937_64 seeded by the
//   caller, so a run is reproducible.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace p2p {

/// A node as it is advertised: its URL (canonical, peer_url::text()) and,
/// when known, its node id. The id is a hint: nothing checks it until a
/// dial reaches the node.
struct peer_address {
  std::string id;
  std::string url;
};

struct overlay_limits {
  std::size_t min_links = 3;   // dial from the passive view below this
  std::size_t max_links = 8;   // shed inbound links above this
  std::size_t passive_max = 64; // passive entries kept
  std::size_t sample_max = 8;   // addresses in one sample
  std::size_t max_dialing = 2;  // overlay dials in flight at once
  std::chrono::milliseconds backoff_first{1000}; // after a first failure
  std::chrono::milliseconds backoff_max{60000};  // never longer than this
  unsigned max_failures = 4; // failing this often in a row drops an entry
};

class peer_view {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  /// What /peers shows of one passive entry.
  struct passive_entry {
    std::string url;
    std::string id; // empty when unknown
    unsigned failures = 0; // in a row
    bool dialing = false;
    int64_t next_dial_in_ms = 0; // 0: may be dialled now
  };

  /// Longest node id and URL text taken from outside: a longer address is
  /// not learned, a longer id from a dial not recorded.
  static constexpr std::size_t max_id_chars = 128;
  static constexpr std::size_t max_url_chars = 300;
  /// URLs found by dials to be this node's (a node may be reachable by
  /// several names), beside own_url; past this the oldest is forgotten.
  static constexpr std::size_t max_self_urls = 16;
  // Addresses dropped after failing, remembered (oldest forgotten first).
  static constexpr std::size_t max_dropped = 256;
  /// load_text ignores a text longer than this.
  static constexpr std::size_t max_text_bytes = 1 << 20;

  /// `own_url` is the URL this node advertises, empty when it has none;
  /// it is never dialled nor learned, and leads every sample.
  peer_view(overlay_limits limits, std::string own_id, std::string own_url,
            uint64_t rng_seed);

  // --- the active view ---

  /// A link came up (either direction). `advertised_url` is the URL the
  /// remote node gave (may be empty or invalid: then it has none);
  /// `speaks_peers` says it takes part in peer exchange. A passive entry
  /// with that URL takes `remote_id` as its id.
  /// The same `link` again replaces what was known of it.
  void link_up(uint64_t link, std::string remote_id,
               std::string advertised_url, bool inbound, bool speaks_peers);
  /// The link is gone. Its advertised URL goes back to the passive view
  /// (as in HyParView) unless another link to that node is still up, not
  /// to be dialled for about backoff_first (+-25%): a node that shed us is
  /// not redialled at once.
  void link_down(uint64_t link, time_point now);
  std::size_t active_size() const { return active_.size(); }

  // --- learning addresses ---

  /// Addresses from a peer's `peers` message, a hello's advertised URL, or
  /// load_text. Ignores this node's own id and URLs, invalid URLs (kept in
  /// canonical form otherwise), nodes in the active view, and URLs already
  /// known (a known entry without an id takes the id given). When the
  /// passive view is full, a new address replaces a random entry that is
  /// not being dialled, one that has failed if any. Returns how many
  /// addresses were new.
  std::size_t learn(const std::vector<peer_address>& addrs, time_point now);

  /// Addresses dialled by other code (seeds, re-dialled by their own
  /// actors): known, shared in samples, never dialled from here.
  void set_seeds(const std::vector<std::string>& urls);

  // --- the overlay's own dials ---

  /// URLs to dial now, chosen at random among passive entries whose backoff
  /// has passed and that are not active nodes: only while active links plus
  /// dials in flight are fewer than min_links, and at most max_dialing in
  /// flight. They are marked dialing until dial_ended.
  std::vector<std::string> to_dial(time_point now);
  /// A dial to `url` ended. ok: the link came up; the entry stays, its
  /// failures reset, `remote_id` recorded as its id. Not ok: one failure
  /// more, the next try after backoff_first * 2^(failures-1), +-25%
  /// jitter, at most backoff_max; dropped after max_failures in a row.
  /// `self` (or `remote_id` being this node's): the URL is this node's own,
  /// dropped and never learned or dialled again.
  void dial_ended(const std::string& url, bool ok,
                  const std::string& remote_id, bool self, time_point now);
  /// Dials in flight.
  std::size_t dialing() const;

  // --- shedding and exchange ---

  /// When there are more than max_links active links: the newest inbound
  /// link that speaks peers (so it can learn other addresses, say from a
  /// sample sent before closing), to close. Never an outbound link: those are seeds or our own choices.
  std::optional<uint64_t> to_shed() const;
  /// Up to sample_max distinct addresses to send node `exclude_id` (the
  /// recipient, never in it): this node's URL first when it has one, then
  /// active links' advertised URLs, then random passive entries, those that
  /// have not failed before those that have.
  std::vector<peer_address> sample(const std::string& exclude_id);
  /// A random active link that speaks peers, for a periodic shuffle.
  std::optional<uint64_t> shuffle_target();

  // --- observation and persistence ---

  /// The passive entries, for /peers.
  std::vector<passive_entry> passive(time_point now) const;
  /// A compact JSON array of addresses, `[{"url":"..","id":".."},..]`, to
  /// keep across restarts: active links' advertised URLs, then the passive
  /// entries, at most passive_max in all.
  std::string to_text() const;
  /// Learns the addresses of a to_text text. A text that is not one (too
  /// long, not JSON, too deep, wrong shapes) or entries that are bad are
  /// ignored; never throws.
  void load_text(const std::string& text, time_point now);

private:
  struct active_link {
    uint64_t link = 0;
    std::string id;
    std::string url; // canonical, or empty
    bool inbound = false;
    bool speaks_peers = false;
    uint64_t order = 0; // arrival order: larger is newer
  };
  struct known_address {
    std::string url;
    std::string id;
    unsigned failures = 0;
    bool dialing = false;
    time_point next_dial{};
  };

  bool is_self(const std::string& canonical_url,
               const std::string& id) const;
  bool is_active(const std::string& canonical_url,
                 const std::string& id) const;
  std::vector<known_address>::iterator find_passive(const std::string& url);
  std::vector<active_link>::iterator find_active(uint64_t link);
  void remember_self_url(const std::string& canonical_url);
  /// Adds a new entry, evicting one when full; false when none could go.
  bool insert_passive(known_address entry);
  std::chrono::milliseconds backoff(unsigned failures);

  overlay_limits limits_;
  std::string own_id_;
  std::string own_url_;                // canonical, or empty
  std::vector<std::string> self_urls_; // found by dials; oldest first
  std::vector<active_link> active_;
  std::vector<known_address> passive_; // small: linear scans
  std::vector<known_address> dropped_; // failures and backoff kept
  std::vector<std::string> seeds_;     // canonical
  uint64_t next_order_ = 0;
  std::mt19937_64 rng_;
};

} // namespace p2p
