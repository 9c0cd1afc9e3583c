#pragma once
// The router's local writes that the store has not yet answered, by path.
// A delete is refused (not found) when nothing lives at its path; with
// group commit the writes before it may still wait for their transaction,
// so the check must see them, not only what is committed.
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

namespace p2p {

class pending_writes {
public:
  /// A write to `path` was handed to the store (after every earlier one).
  void add(const std::string& path, bool is_delete);
  /// The store answered one write to `path` (committed or failed).
  void done(const std::string& path);
  /// Whether the last write handed on for `path` and not yet answered was a
  /// delete; nothing when none waits (then the committed record decides).
  std::optional<bool> last_is_delete(const std::string& path) const;
  /// Paths with writes waiting.
  std::size_t size() const {
    return by_path_.size();
  }

private:
  struct entry {
    std::size_t waiting = 0;
    bool last_is_delete = false;
  };
  std::unordered_map<std::string, entry> by_path_;
};

} // namespace p2p
