#pragma once
// Every size limit a value meets on its way through the node, derived from
// one another here, so that whatever a node accepts and stores it can also
// send to a peer and export: a value is checked once, as stored (its
// canonical JSON text), where it is made; the frame and import-line limits
// leave room for one such value and its fields.
#include <cstddef>

namespace p2p {

/// Largest value as stored: its canonical (compact) JSON text. A value is
/// checked against it where it is made (a local write, an import line, a
/// peer's item), after canonicalization, which can make a body longer
/// (1e20 is stored as 100000000000000000000).
constexpr std::size_t max_value_bytes = std::size_t{1} << 20;

/// Longest path in bytes. LMDB keys stop at 511 bytes; the rest is headroom.
constexpr std::size_t max_path_bytes = 400;

/// Largest HTTP request body (413 above): a value as a client writes it.
constexpr std::size_t max_body_bytes = max_value_bytes;

/// Bytes of one item in a `changes` frame or an export line beyond its
/// value: the path escaped (paths hold no control characters, so at most
/// two bytes per byte), the stamp, the origin (64 hex digits at most) and
/// the field names. Generous on purpose.
constexpr std::size_t max_item_overhead_bytes = 2 * max_path_bytes + 1024;

/// Largest peer frame sent or accepted: the largest item, in a run of its
/// own, with room to spare for the envelope. Runs of smaller items must be
/// cut to fit it as well (the sender measures them).
constexpr std::size_t max_frame_bytes = max_value_bytes + 64 * 1024;
static_assert(max_value_bytes + max_item_overhead_bytes + 1024
                <= max_frame_bytes,
              "a frame must hold the largest item");

/// Longest import line: the largest value and its fields, as in a frame.
constexpr std::size_t max_import_line_bytes = max_frame_bytes;

/// An import applies its entries in batches of at most this many entries
/// or about this many path and value bytes, one transaction each.
constexpr std::size_t import_batch_entries = 1000;
constexpr std::size_t import_batch_bytes = std::size_t{4} << 20;

} // namespace p2p
