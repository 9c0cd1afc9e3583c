#pragma once
// Order-preserving bytes for JSON scalars, so that LMDB's byte order over
// index keys is the order of the values: null < false < true < numbers
// (numerically) < strings (byte-wise). Objects and arrays have no key.
//
// Numbers are keyed as doubles, so integers beyond 2^53 that round alike
// share a key (and come in path order); comparisons stay exact.
// A key is self-delimiting, so a path can follow it: numbers are 8 bytes,
// strings end in 00 00 (a 00 byte inside is escaped as 00 FF). Strings are
// cut after max_string_key_bytes so that key + path fits LMDB's 511-byte
// key limit: values sharing such a long start share a key, which is why a
// query checks every candidate against the stored value.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace boost::json {
class value;
}

namespace p2p {

constexpr std::size_t max_string_key_bytes = 96;

/// The sort key of `v`; nothing for an object or an array.
std::optional<std::string> sort_key(const boost::json::value& v);

/// The sort key's first byte for each kind, for the bounds of a range that
/// must stay within one kind.
enum class key_tag : unsigned char {
  null = 0x10,
  false_ = 0x20,
  true_ = 0x21,
  number = 0x30,
  string = 0x40,
  end = 0x50, // above every key
};

/// False when other values may share the key of `v`: a string cut short,
/// or an integer beyond 2^53 (numbers are keyed as doubles).
bool sort_key_is_whole(const boost::json::value& v);

/// Length of the sort key that starts `bytes`; 0 when there is none.
std::size_t sort_key_length(std::string_view bytes);

/// Total order of scalars, the same as their sort keys' order but on the
/// whole value (strings are not cut, numbers compare exactly): <0, 0, >0.
/// Both must be scalars.
int compare_scalars(const boost::json::value& a, const boost::json::value& b);

/// True when `v` is null, a boolean, a number or a string.
bool is_scalar(const boost::json::value& v);

} // namespace p2p
