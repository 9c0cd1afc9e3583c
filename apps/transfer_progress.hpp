#pragma once
// Progress of `p2p-node export|import` on stderr: on a terminal a line
// redrawn in place (\r) at most four times a second with the entries so
// far and the rate; elsewhere (a log, a pipe) only the summary at the end:
//   p2p-node import: 250 entries, 18034 bytes in 0.02 s (0.9 MB/s)
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace p2p {

class transfer_progress {
public:
  /// `what`: "export" or "import"; `live`: stderr is a terminal.
  transfer_progress(std::ostream& err, std::string what, bool live);

  /// Counts entries and bytes moved; redraws the live line when due.
  void add(uint64_t entries, uint64_t bytes);

  /// The summary line, `extra` after the counts (", 12 changed the
  /// store"); ends the live line.
  void finish(const std::string& extra = {});

  /// Clears a live line drawn so far (\r, erase to the end), so that an
  /// error printed next starts on a line of its own; else nothing.
  void clear_line();

  /// The summary's text, without the program name or newline.
  std::string summary(const std::string& extra) const;

private:
  double seconds() const;
  double mb_per_s() const;

  std::ostream& err_;
  std::string what_;
  bool live_;
  bool drawn_any_ = false; // a live line is on the terminal
  uint64_t entries_ = 0;
  uint64_t bytes_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point drawn_;
};

} // namespace p2p
