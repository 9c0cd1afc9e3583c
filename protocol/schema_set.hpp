#pragma once
// The schemas a node checks its local writes against, by path prefix: a
// write must satisfy every schema whose prefix its path starts with.
#include "protocol/schema.hpp"

#include <string>
#include <utility>
#include <vector>

namespace p2p {

class schema_set {
public:
  /// Replaces (or adds) the schema of `prefix`.
  void set(const std::string& prefix, schema s);
  /// False when `prefix` had none.
  bool remove(const std::string& prefix);
  bool empty() const {
    return schemas_.empty();
  }
  /// True when some schema's prefix `path` starts with.
  bool covers(std::string_view path) const;

  /// Every violation of `value` under the schemas over `path`.
  std::vector<schema_violation> check(const std::string& path,
                                      const boost::json::value& value) const;

  /// `{"error":...,"violations":[{"where","message"}...]}` for an answer.
  static std::string describe(const std::string& path,
                              const std::vector<schema_violation>& found);

private:
  std::vector<std::pair<std::string, schema>> schemas_;
};

} // namespace p2p
