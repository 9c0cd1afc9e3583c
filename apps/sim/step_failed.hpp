#pragma once
// A step of a scenario that failed: caught by runner::run and reported.
#include <stdexcept>

namespace p2p::sim {

struct step_failed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

} // namespace p2p::sim
