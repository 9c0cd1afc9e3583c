#include "protocol/path.hpp"

namespace p2p {

bool is_valid_utf8(std::string_view s) {
  auto* p = reinterpret_cast<const unsigned char*>(s.data());
  auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra)
      return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr uint32_t min_for_len[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[extra] || cp > 0x10FFFF
        || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    p += extra + 1;
  }
  return true;
}

namespace {

// C0 controls, DEL, and the C1 controls (U+0080..U+009F, encoded C2 80..9F).
std::string control_char_error(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F)
      return "path contains a control character";
    if (c == 0xC2 && i + 1 < s.size()) {
      auto n = static_cast<unsigned char>(s[i + 1]);
      if (n >= 0x80 && n <= 0x9F)
        return "path contains a control character";
    }
  }
  return {};
}

} // namespace

std::string path_error(std::string_view path) {
  if (path.empty())
    return "path is empty";
  if (path.size() > max_path_bytes)
    return "path is longer than 400 bytes";
  if (!is_valid_utf8(path))
    return "path is not valid UTF-8";
  if (auto err = control_char_error(path); !err.empty())
    return err;
  std::size_t start = 0;
  while (true) {
    auto slash = path.find('/', start);
    auto seg = path.substr(start, slash == std::string_view::npos
                                    ? std::string_view::npos
                                    : slash - start);
    if (seg.empty())
      return "path has an empty segment";
    if (seg == "." || seg == "..")
      return "path has a '.' or '..' segment";
    if (slash == std::string_view::npos)
      return {};
    start = slash + 1;
  }
}

std::string prefix_error(std::string_view prefix) {
  if (prefix.size() > max_path_bytes)
    return "prefix is longer than 400 bytes";
  if (!is_valid_utf8(prefix))
    return "prefix is not valid UTF-8";
  return control_char_error(prefix);
}

bool is_under(std::string_view path, std::string_view prefix) {
  if (!prefix.empty() && prefix.back() == '/')
    prefix.remove_suffix(1);
  if (prefix.empty())
    return true;
  if (path.size() < prefix.size() || path.compare(0, prefix.size(), prefix))
    return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

} // namespace p2p
