#pragma once
// A fresh temporary directory per test, removed afterwards.
#include <filesystem>
#include <random>
#include <string>

struct test_dir {
  std::filesystem::path path;
  test_dir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path()
           / ("p2p-unit-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~test_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string sub(const std::string& name) const {
    return (path / name).string();
  }
};
