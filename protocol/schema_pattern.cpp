// `pattern` of the schema validator, on Boost.Regex: header-only since Boost
// 1.76, so nothing to link. Not std::regex: libstdc++'s recurses per
// character and overflows the stack on long strings. Boost's matcher keeps
// its backtracking stack on the heap, bounded (BOOST_REGEX_MAX_BLOCKS), and
// throws on excessive complexity; both count as too_costly here.
#include "protocol/schema_node.hpp"

#include <boost/regex.hpp>

#include <algorithm>
#include <iterator>
#include <locale>

// Patterns and strings are matched as Unicode code points (so that '.'
// and {n} count characters, as minLength does): one wchar_t each.
static_assert(sizeof(wchar_t) == 4, "wchar_t must hold a code point");

namespace p2p::schema_detail {

struct compiled_pattern {
  boost::wregex regex;
};

namespace {

// Invalid sequences (possible in a value built in code, not in parsed
// text) become U+FFFD.
std::wstring decode_utf8(std::string_view s) {
  static constexpr char32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
  std::wstring out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto lead = static_cast<unsigned char>(s[i]);
    std::size_t length = lead < 0x80   ? 1
                         : lead < 0xC0 ? 0
                         : lead < 0xE0 ? 2
                         : lead < 0xF0 ? 3
                         : lead < 0xF5 ? 4
                                       : 0;
    bool valid = length != 0 && i + length <= s.size();
    char32_t cp = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; valid && k < length; ++k) {
      auto next = static_cast<unsigned char>(s[i + k]);
      valid = (next & 0xC0) == 0x80;
      cp = cp << 6 | (next & 0x3F);
    }
    valid = valid && cp >= min_for_length[length] && cp <= 0x10FFFF &&
            (cp < 0xD800 || cp > 0xDFFF);
    out += valid ? static_cast<wchar_t>(cp) : L'\xFFFD';
    i += valid ? length : 1;
  }
  return out;
}

// Reads `count` hex digits at p[at]; -1 when there are not.
long hex_at(const std::wstring& p, std::size_t at, std::size_t count) {
  if (at + count > p.size())
    return -1;
  long value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    wchar_t c = p[i];
    int digit = c >= L'0' && c <= L'9'   ? c - L'0'
                : c >= L'a' && c <= L'f' ? c - L'a' + 10
                : c >= L'A' && c <= L'F' ? c - L'A' + 10
                                         : -1;
    if (digit < 0)
      return -1;
    value = value * 16 + digit;
  }
  return value;
}

// Boost's Perl syntax reads `\u` as "an upper-case letter"; ECMAScript
// means a UTF-16 escape, common in JSON Schema patterns. Rewrites \uXXXX
// (joining surrogate pairs) and \u{X...} as Boost's \x{X...}.
std::wstring ecmascript_to_boost(const std::wstring& p) {
  std::wstring out;
  for (std::size_t i = 0; i < p.size();) {
    if (p[i] != L'\\' || i + 1 == p.size()) {
      out += p[i++];
      continue;
    }
    long cp = p[i + 1] == L'u' ? hex_at(p, i + 2, 4) : -1;
    std::size_t end = i + 6;
    if (cp >= 0xD800 && cp <= 0xDBFF && p.compare(end, 2, L"\\u") == 0) {
      long low = hex_at(p, end + 2, 4);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        end += 6;
      }
    }
    if (cp < 0 && p[i + 1] == L'u' && i + 2 < p.size() && p[i + 2] == L'{') {
      auto close = p.find(L'}', i + 3);
      if (close != std::wstring::npos && close > i + 3 && close - i - 3 <= 6) {
        cp = hex_at(p, i + 3, close - i - 3);
        end = close + 1;
      }
    }
    if (cp < 0) { // any other escape stays as it is, `\\u` included
      out.append(p, i, 2);
      i += 2;
      continue;
    }
    std::wstring hex;
    for (long rest = cp; hex.empty() || rest != 0; rest >>= 4)
      hex.insert(hex.begin(), L"0123456789ABCDEF"[rest & 15]);
    out += L"\\x{" + hex + L'}';
    i = end;
  }
  return out;
}

struct budget_exhausted {};

// A pointer into the decoded string that charges one unit of the budget on
// every read, and throws when it is spent. The matcher unwinds its own
// state on any exception.
class counting_iterator {
public:
  using iterator_category = std::random_access_iterator_tag;
  using value_type = wchar_t;
  using difference_type = std::ptrdiff_t;
  using pointer = const wchar_t*;
  using reference = const wchar_t&;

  counting_iterator() = default;
  counting_iterator(const wchar_t* at, std::int64_t* budget)
      : at_(at), budget_(budget) {}

  reference operator*() const {
    if (--*budget_ < 0)
      throw budget_exhausted{};
    return *at_;
  }
  reference operator[](difference_type n) const { return *(*this + n); }
  counting_iterator& operator++() { ++at_; return *this; }
  counting_iterator operator++(int) { auto old = *this; ++at_; return old; }
  counting_iterator& operator--() { --at_; return *this; }
  counting_iterator operator--(int) { auto old = *this; --at_; return old; }
  counting_iterator& operator+=(difference_type n) { at_ += n; return *this; }
  counting_iterator& operator-=(difference_type n) { at_ -= n; return *this; }
  friend counting_iterator operator+(counting_iterator i, difference_type n) { return i += n; }
  friend counting_iterator operator+(difference_type n, counting_iterator i) { return i += n; }
  friend counting_iterator operator-(counting_iterator i, difference_type n) { return i -= n; }
  friend difference_type operator-(counting_iterator a, counting_iterator b) { return a.at_ - b.at_; }
  friend bool operator==(counting_iterator a, counting_iterator b) { return a.at_ == b.at_; }
  friend bool operator!=(counting_iterator a, counting_iterator b) { return a.at_ != b.at_; }
  friend bool operator<(counting_iterator a, counting_iterator b) { return a.at_ < b.at_; }
  friend bool operator>(counting_iterator a, counting_iterator b) { return a.at_ > b.at_; }
  friend bool operator<=(counting_iterator a, counting_iterator b) { return a.at_ <= b.at_; }
  friend bool operator>=(counting_iterator a, counting_iterator b) { return a.at_ >= b.at_; }

private:
  const wchar_t* at_ = nullptr;
  std::int64_t* budget_ = nullptr;
};

} // namespace

std::shared_ptr<const compiled_pattern> compile_pattern(std::string_view source,
                                                        std::string& error) {
  namespace flags = boost::regex_constants;
  auto expression = ecmascript_to_boost(decode_utf8(source));
  auto build = [&](flags::syntax_option_type syntax) {
    auto compiled = std::make_shared<compiled_pattern>();
    // The classic locale, so that \w and [[:alpha:]] do not depend on the
    // process's locale: every node must agree.
    compiled->regex.imbue(std::locale::classic());
    // no_mod_m / no_mod_s: ECMAScript's ^ $ match only at the ends, and
    // '.' does not match a line break (Boost's Perl defaults differ).
    compiled->regex.assign(expression, syntax | flags::ECMAScript |
                                           flags::no_mod_m | flags::no_mod_s);
    return compiled;
  };
  try {
    try {
      // Groups that do not capture save no state per repetition: with
      // captures `^(ab)+$` exhausts Boost's stack past ~50K characters.
      return build(flags::nosubs);
    } catch (const boost::regex_error&) {
      return build(flags::normal); // back-references need the captures
    }
  } catch (const std::exception& e) {
    // Drop Boost's quote of the (decoded, then narrowed) expression: it can
    // hold bytes that are not UTF-8.
    error = e.what();
    error.resize(std::min(error.find("  The error occurred"), error.size()));
    return nullptr;
  }
}

pattern_result search_pattern(const compiled_pattern& pattern,
                              std::string_view text, std::int64_t& budget) {
  if (budget <= 0)
    return pattern_result::too_costly;
  auto wide = decode_utf8(text);
  counting_iterator first(wide.data(), &budget);
  counting_iterator last(wide.data() + wide.size(), &budget);
  try {
    return boost::regex_search(first, last, pattern.regex)
               ? pattern_result::match
               : pattern_result::no_match;
  } catch (const budget_exhausted&) {
    return pattern_result::too_costly;
  } catch (const std::exception&) { // Boost's complexity or stack limit
    return pattern_result::too_costly;
  }
}

} // namespace p2p::schema_detail
