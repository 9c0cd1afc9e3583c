#include "apps/maintenance.hpp"

#include "protocol/ndjson.hpp"
#include "protocol/path.hpp"
#include "storage/database.hpp"

#include <istream>
#include <ostream>

namespace p2p {

namespace {


struct maintenance_args {
  std::string db;
  std::string prefix;
  bool tombstones = false;
};

std::string parse(const std::vector<std::string>& args, bool is_export,
                  maintenance_args& out) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto& a = args[i];
    bool has_value = i + 1 < args.size();
    if (a == "--db" && has_value)
      out.db = args[++i];
    else if (is_export && a == "--prefix" && has_value)
      out.prefix = args[++i];
    else if (is_export && a == "--tombstones")
      out.tombstones = true;
    else
      return "unexpected argument '" + a + "'";
  }
  if (out.db.empty())
    return "give --db PATH";
  if (auto e = prefix_error(out.prefix); !e.empty())
    return "bad --prefix: " + e;
  return {};
}

int export_db(const maintenance_args& a, std::ostream& out) {
  database db(a.db, database::default_map_size, db_access::read_only);
  std::string after;
  std::string text;
  for (auto page = db.export_page(a.prefix, a.tombstones, after); !page.empty();
       page = db.export_page(a.prefix, a.tombstones, after)) {
    text.clear();
    for (const auto& u : page)
      append_export_line(text, u);
    out << text;
  }
  out.flush();
  return out ? 0 : 1;
}

int import_db(const maintenance_args& a, std::istream& in, std::ostream& err) {
  database db(a.db);
  import_batch batch;
  uint64_t lines = 0, applied = 0; // entries read, entries that won
  auto flush = [&] {
    for (auto seq : db.apply(batch.take()))
      applied += seq != 0;
  };
  std::string why;
  auto now = system_wall_ms();
  line_splitter splitter;
  auto on_line = [&](std::string_view line) {
    ++lines;
    if (!batch.add_line(line, why, now))
      return false;
    if (batch.full())
      flush();
    return true;
  };
  char buf[64 * 1024];
  bool ok = true;
  while (ok && in) {
    in.read(buf, sizeof buf);
    ok = splitter.feed(std::string_view(buf, static_cast<std::size_t>(in.gcount())),
                       on_line);
  }
  ok = ok && splitter.finish(on_line);
  if (!ok) {
    if (splitter.too_long())
      why = splitter.too_long_reason();
    err << "p2p-node import: line " << splitter.line_number() << ": "
        << why << "; stopped there (" << applied
        << " entries before it changed the store)\n";
    return 1;
  }
  flush();
  err << "p2p-node import: " << lines << " entries read, " << applied
      << " changed the store (the rest were older or already there)\n";
  return 0;
}

} // namespace

bool run_maintenance(const std::vector<std::string>& args, std::istream& in,
                     std::ostream& out, std::ostream& err, int& exit_code) {
  if (args.empty() || (args[0] != "export" && args[0] != "import"))
    return false;
  bool is_export = args[0] == "export";
  maintenance_args a;
  if (auto e = parse(args, is_export, a); !e.empty()) {
    err << "p2p-node " << args[0] << ": " << e << "\nusage: p2p-node "
        << (is_export ? "export --db PATH [--prefix P] [--tombstones]"
                      : "import --db PATH < entries.ndjson")
        << "\n";
    exit_code = 2;
    return true;
  }
  try {
    exit_code = is_export ? export_db(a, out) : import_db(a, in, err);
  } catch (const std::exception& e) {
    err << "p2p-node " << args[0] << ": " << e.what() << "\n";
    exit_code = 1;
  }
  return true;
}

} // namespace p2p
