#pragma once
// The export format: one JSON object per line,
//   {"path","value","timestamp","origin","hlc"}
// where `timestamp` is wall-clock ms (as the HTTP API shows it) and `hlc`
// the whole hybrid-clock stamp, so an import decides last-write-wins
// exactly as the network did. A line without `hlc` (written by hand or by
// another tool) is stamped from its `timestamp`. A `value` of null is a
// delete (exports carry them when asked for tombstones).
#include "p2psync/limits.hpp"
#include "p2psync/update.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace p2p {

/// Appends `u` as one export line, newline included.
void append_export_line(std::string& out, const update& u);

/// Parses one line; false (and `why`) when it is not a valid entry: a bad
/// path, value or origin, no stamp, or a stamp more than 10 minutes ahead
/// of `now_ms`.
bool parse_import_line(std::string_view line, update& out, std::string& why,
                       uint64_t now_ms);

/// Parsed import lines gathered into batches of at most 1,000 entries or
/// about 4 MiB (limits.hpp), each to be applied in one transaction, so that an import
/// holds one batch at a time, whatever the size of its values.
class import_batch {
public:
  /// Parses `line` into the batch; false (and `why`) when it is bad.
  bool add_line(std::string_view line, std::string& why, uint64_t now_ms);
  bool full() const;
  bool empty() const {
    return entries_.empty();
  }
  /// The batch so far; the batch starts again empty.
  std::vector<update> take();

private:
  std::vector<update> entries_;
  std::size_t bytes_ = 0;
};

/// Cuts a byte stream into lines (LF or CRLF; blank lines are skipped),
/// holding at most one partial line.
class line_splitter {
public:
  using on_line = std::function<bool(std::string_view)>;
  explicit line_splitter(std::size_t max_line = max_import_line_bytes)
    : max_line_(max_line) {
  }
  /// Calls `f` per complete line; stops, returning false, when `f` does or
  /// when a line is longer than max_line (then too_long() is true).
  bool feed(std::string_view bytes, const on_line& f);
  /// The last line, if the stream did not end with a newline.
  bool finish(const on_line& f);
  bool too_long() const {
    return too_long_;
  }
  /// Why a line was refused as too long.
  std::string too_long_reason() const {
    return "line longer than " + std::to_string(max_line_) + " bytes";
  }
  /// The number, from 1 and counting blank ones, of the line last passed
  /// to `f`, or of the line found too long.
  uint64_t line_number() const {
    return line_number_;
  }

private:
  bool emit(std::string_view line, const on_line& f);
  std::size_t max_line_;
  std::string partial_;
  bool too_long_ = false;
  uint64_t line_number_ = 0;
};

} // namespace p2p
