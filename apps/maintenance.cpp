#include "apps/maintenance.hpp"

#include "apps/transfer_progress.hpp"
#include "protocol/ndjson.hpp"
#include "protocol/path.hpp"
#include "storage/database.hpp"

#include <boost/program_options.hpp>

#include <cerrno>
#include <cstring>
#include <istream>
#include <ostream>
#include <sstream>

namespace p2p {

namespace po = boost::program_options;

namespace {

struct maintenance_args {
  std::string db;
  std::string prefix;
  bool tombstones = false;
  bool help = false;
};

po::options_description describe(bool is_export) {
  po::options_description desc("Flags", 80, 40);
  desc.add_options()("db", po::value<std::string>()->value_name("PATH"),
                     "the database directory (required)");
  if (is_export)
    desc.add_options()("prefix", po::value<std::string>()->value_name("P"),
                       "only the entries whose path starts with P")(
      "tombstones", "deletes too, as \"value\":null");
  desc.add_options()("help,h", "this text");
  return desc;
}

std::string usage(bool is_export) {
  std::ostringstream out;
  if (is_export)
    out << "usage: p2p-node export --db PATH [--prefix P] [--tombstones] > "
           "backup.ndjson\n"
           "Writes the entries as NDJSON in path order. Reads a snapshot: may "
           "run beside a\nserving node.\n\n";
  else
    out << "usage: p2p-node import --db PATH < backup.ndjson\n"
           "Merges NDJSON entries through last-write-wins. Owns the db: the "
           "node must be\nstopped (on a running node: POST /import).\n\n";
  out << describe(is_export)
      << "\nProgress on stderr: redrawn on a terminal, else one summary line "
         "at the end.\n";
  return out.str();
}

std::string parse(const std::vector<std::string>& args, bool is_export,
                  maintenance_args& out) {
  po::variables_map vm;
  try {
    std::vector<std::string> rest(args.begin() + 1, args.end());
    po::store(po::command_line_parser(rest)
                .options(describe(is_export))
                .style(po::command_line_style::unix_style
                       & ~po::command_line_style::allow_guessing)
                .run(),
              vm);
  } catch (const po::too_many_positional_options_error&) {
    return "unexpected argument";
  } catch (const po::error& e) {
    return e.what();
  }
  if (vm.count("help")) {
    out.help = true;
    return {};
  }
  if (vm.count("db"))
    out.db = vm["db"].as<std::string>();
  if (vm.count("prefix"))
    out.prefix = vm["prefix"].as<std::string>();
  out.tombstones = vm.count("tombstones") > 0;
  if (out.db.empty())
    return "give --db PATH";
  if (auto e = prefix_error(out.prefix); !e.empty())
    return "bad --prefix: " + e;
  return {};
}

int export_db(const maintenance_args& a, std::ostream& out,
              std::ostream& err, transfer_progress& progress) {
  database db(a.db, database::default_map_size, db_access::read_only);
  std::string after;
  std::string text;
  for (auto page = db.export_page(a.prefix, a.tombstones, after); !page.empty();
       page = db.export_page(a.prefix, a.tombstones, after)) {
    text.clear();
    for (const auto& u : page)
      append_export_line(text, u);
    errno = 0;
    out << text;
    if (!out)
      break;
    progress.add(page.size(), text.size());
  }
  if (out)
    out.flush();
  if (!out) {
    // A full disk or a closed pipe: say so, not only the exit status.
    int e = errno;
    progress.clear_line();
    err << "p2p-node export: cannot write the output"
        << (e ? std::string(": ") + std::strerror(e) : std::string()) << "\n";
    return 1;
  }
  progress.finish();
  return 0;
}

int import_db(const maintenance_args& a, std::istream& in, std::ostream& err,
              transfer_progress& progress) {
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
    progress.add(1, 0);
    if (batch.full())
      flush();
    return true;
  };
  char buf[64 * 1024];
  bool ok = true;
  while (ok && in) {
    in.read(buf, sizeof buf);
    auto n = static_cast<std::size_t>(in.gcount());
    progress.add(0, n);
    ok = splitter.feed(std::string_view(buf, n), on_line);
  }
  ok = ok && splitter.finish(on_line);
  if (!ok) {
    if (splitter.too_long())
      why = splitter.too_long_reason();
    progress.clear_line();
    err << "p2p-node import: line " << splitter.line_number() << ": "
        << why << "; stopped there (" << applied
        << " entries before it changed the store)\n";
    return 1;
  }
  flush();
  progress.finish(" read, " + std::to_string(applied)
                  + " changed the store (the rest were older or already "
                    "there)");
  return 0;
}

} // namespace

bool run_maintenance(const std::vector<std::string>& args, std::istream& in,
                     std::ostream& out, std::ostream& err, int& exit_code,
                     bool err_is_terminal) {
  if (args.empty() || (args[0] != "export" && args[0] != "import"))
    return false;
  bool is_export = args[0] == "export";
  maintenance_args a;
  if (auto e = parse(args, is_export, a); !e.empty()) {
    err << "p2p-node " << args[0] << ": " << e << "\n" << usage(is_export);
    exit_code = 2;
    return true;
  }
  if (a.help) {
    out << usage(is_export);
    exit_code = 0;
    return true;
  }
  transfer_progress progress(err, args[0], err_is_terminal);
  try {
    exit_code = is_export ? export_db(a, out, err, progress)
                          : import_db(a, in, err, progress);
  } catch (const std::exception& e) {
    progress.clear_line();
    err << "p2p-node " << args[0] << ": " << e.what() << "\n";
    exit_code = 1;
  }
  return true;
}

} // namespace p2p
