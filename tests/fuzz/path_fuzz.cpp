// libFuzzer target: the path rules. A path they accept must be one LMDB can
// store (1..511 bytes) and must satisfy every rule checked independently.
#include "protocol/path.hpp"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view path(reinterpret_cast<const char*>(data), size);
  bool ok = p2p::path_error(path).empty();
  bool prefix_ok = p2p::prefix_error(path).empty();
  if (ok) {
    if (path.empty() || path.size() > p2p::max_path_bytes)
      std::abort();
    if (!prefix_ok || !p2p::is_valid_utf8(path))
      std::abort();
    if (path.front() == '/' || path.back() == '/'
        || path.find("//") != std::string_view::npos)
      std::abort();
    for (unsigned char c : path)
      if (c < 0x20 || c == 0x7F)
        std::abort();
    if (!p2p::is_under(path, path) || !p2p::is_under(path, ""))
      std::abort();
  }
  return 0;
}
