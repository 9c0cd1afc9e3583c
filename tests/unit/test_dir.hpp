#pragma once
// A fresh temporary directory per test, removed afterwards.
#include "apps/example_support.hpp"

#include <string>

struct test_dir : p2p::examples::temp_root {
  test_dir() : temp_root("p2p-unit-") {
  }
  std::string sub(const std::string& name) const {
    return db(name);
  }
};
