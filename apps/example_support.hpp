#pragma once
// Small helpers shared by the example programs, the simulator and the unit
// tests: temp databases and waiting on a condition with a deadline
// (instead of the seed's fixed timeouts).
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

namespace p2p::examples {

/// A fresh directory under /tmp, removed when this goes out of scope.
struct temp_root {
  std::filesystem::path path;
  explicit temp_root(const std::string& prefix = "p2psync-example-") {
    std::random_device rd;
    path = std::filesystem::temp_directory_path()
           / (prefix + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  temp_root(const temp_root&) = delete;
  temp_root& operator=(const temp_root&) = delete;
  ~temp_root() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string db(const std::string& name) const {
    return (path / name).string();
  }
};

/// Polls `ready` every `poll` until it is true or `deadline` passes.
template <class Pred>
bool wait_until(Pred ready,
                std::chrono::milliseconds deadline = std::chrono::seconds(10),
                std::chrono::milliseconds poll = std::chrono::milliseconds(5)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > end)
      return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

} // namespace p2p::examples
