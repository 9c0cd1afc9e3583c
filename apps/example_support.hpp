#pragma once
// Small helpers shared by the example programs: temp databases and waiting
// on a condition with a deadline (instead of the seed's fixed timeouts).
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

namespace p2p::examples {

/// A fresh directory under /tmp, removed when this goes out of scope.
struct temp_root {
  std::filesystem::path path;
  temp_root() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path()
           / ("p2psync-example-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~temp_root() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string db(const std::string& name) const {
    return (path / name).string();
  }
};

/// Polls `ready` until it is true or `deadline` passes.
template <class Pred>
bool wait_until(Pred ready,
                std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > end)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

} // namespace p2p::examples
