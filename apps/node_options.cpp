// The launcher's flags (Boost.Program_options for the command line, then
// the environment for the flags it did not give) and its usage text. What
// each value means and how it is checked is in node_flags.cpp.
#include "apps/node_options.hpp"

#include "apps/node_flags.hpp"
#include "p2psync/version.hpp"

#include <boost/program_options.hpp>

#include <cctype>
#include <cstdlib>
#include <sstream>

namespace p2p {

namespace po = boost::program_options;

namespace {

struct flag_spec {
  const char* name;
  const char* arg; // empty: a switch (--token-reads)
  const char* help;
  bool repeatable = false;
};

const flag_spec flags[] = {
  {"host", "ADDR", "listen address (default 127.0.0.1)"},
  {"port", "N", "HTTP and peer-link port, 0 picks a free one (default 3000)"},
  {"db", "PATH", "database directory (default ./p2p-data)"},
  {"peer", "URL",
   "http://host:port (https://, [v6]:port) of a peer to link to; repeatable",
   true},
  {"id", "HEX", "node id (default: made once, kept in the db)"},
  {"io-threads", "N", "HTTP I/O threads (default 2)"},
  {"idle-timeout", "MS",
   "close a silent HTTP client after MS milliseconds (default 30000)"},
  {"sse-buffer-bytes", "N",
   "what slow /events readers may hold, all together; past it the slowest "
   "is ended (default 67108864)"},
  {"secret-file", "PATH",
   "cluster secret: peers must prove they know it (and only then teach each "
   "other addresses)"},
  {"advertise", "URL",
   "this node's URL for other nodes (default: where it listens, unless "
   "--host is a wildcard)"},
  {"min-links", "N",
   "dial learned addresses below N links (default 3; 0: never)"},
  {"max-links", "N", "shed the newest inbound link above N (default 8)"},
  {"broadcast", "MODE",
   "tree (default: payloads along a spanning tree, ids elsewhere) or flood "
   "(every payload on every link)"},
  {"tombstone-ttl", "D",
   "collect deletes' tombstones older than D (500ms, 2s, 90m, 12h, 7d; "
   "default 7d; 0 keeps them for ever). Every node must hear of a delete "
   "within it, or reconcile"},
  {"token-file", "PATH",
   "bearer token needed for PUT and DELETE (peer links then need "
   "--secret-file)"},
  {"token-reads", "", "... and for every read but /health"},
  {"tls-cert", "PATH", "serve HTTPS and WSS with this PEM certificate"},
  {"tls-key", "PATH", "... and this PEM private key"},
  {"tls-ca", "PATH", "certificates to trust for https:// peers"},
  {"index", "PREFIX:PTR",
   "keep an index on the field PTR (a JSON pointer such as /role) of the "
   "entries under PREFIX; repeatable",
   true},
  {"schema", "PREFIX:FILE",
   "local writes under PREFIX must satisfy the JSON Schema in FILE; "
   "repeatable",
   true},
  {"cors-origin", "ORIGIN",
   "let web pages from ORIGIN (https://app.example, or *) call the API; "
   "repeatable; * not with --token-file",
   true},
  {"log-level", "LEVEL", "debug, info (default), warn or error"},
  {"log-format", "FORMAT", "text (default) or json, one object a line"},
};

po::options_description describe() {
  po::options_description desc("Flags (each also from P2P_<FLAG>, e.g. "
                               "P2P_PORT, P2P_TOMBSTONE_TTL)",
                               80, 40);
  for (const auto& f : flags) {
    if (f.repeatable) {
      auto* v = po::value<std::vector<std::string>>()->composing();
      desc.add_options()(f.name, v->value_name(f.arg), f.help);
      continue;
    }
    // A single value: Boost refuses the flag given twice.
    auto* v = po::value<std::string>();
    if (*f.arg)
      v->value_name(f.arg);
    else
      v->implicit_value("true")->value_name("BOOL");
    desc.add_options()(f.name, v, f.help);
  }
  desc.add_options()("help,h", "this text")("version", "the version, and exit");
  return desc;
}

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos)
    return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

/// The items of a comma-separated list, spaces around them trimmed (empty
/// ones, as after a trailing comma, kept for the caller to skip: an error
/// names an item by its place).
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ','))
    out.push_back(trim(item));
  return out;
}

} // namespace

std::vector<std::string> node_flag_names() {
  std::vector<std::string> out;
  for (const auto& f : flags)
    out.push_back(f.name);
  return out;
}

std::string env_name(std::string_view flag) {
  while (!flag.empty() && flag.front() == '-')
    flag.remove_prefix(1);
  std::string out = "P2P_";
  for (char c : flag)
    out += c == '-' ? '_'
                    : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> process_env(const std::string& name) {
  if (const char* v = std::getenv(name.c_str()))
    return std::string(v);
  return std::nullopt;
}

std::string version_line(const std::string& program) {
  std::string line = program + " " + version_string;
  if (*git_revision)
    line += std::string(" (git ") + git_revision + ")";
  return line;
}

std::string node_usage() {
  std::ostringstream out;
  out << "usage: p2p-node [--host ADDR] [--port N] [--db PATH] [--peer URL]... "
         "[--id HEX] [FLAGS]\n"
         "       p2p-node --version | --help\n\n"
      << describe()
      << "\nFlags take --flag VALUE or --flag=VALUE; on the command line a "
         "flag wins over\nits environment variable. A repeatable flag's "
         "variable is a comma-separated\nlist (P2P_PEER=http://h:1,http://h:2); "
         "P2P_TOKEN_READS takes 1, true, 0 or false.\nA variable set "
         "but empty is an error (unset it for the default), and so\nis a "
         "flag given twice, but for the repeatable ones.\n\n"
         "Prints `listening on http://HOST:PORT id=HEX` once serving; logs "
         "on stderr;\nSIGINT/SIGTERM stop it.\n\n"
         "Maintenance of a database (see `p2p-node export --help`):\n"
         "  p2p-node export --db PATH [--prefix P] [--tombstones]  "
         "NDJSON to stdout\n"
         "  p2p-node import --db PATH < FILE   NDJSON through "
         "last-write-wins (node stopped)\n";
  return out.str();
}

launch_command parse_node_args(const std::vector<std::string>& args,
                               const env_lookup& env) {
  launch_command cmd;
  auto fail = [&](std::string msg) {
    cmd.what = launch_command::error;
    cmd.message = std::move(msg);
    return cmd;
  };
  auto desc = describe();
  po::options_description all;
  all.add(desc).add_options()("positional",
                              po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("positional", -1);
  po::variables_map vm;
  try {
    auto style = po::command_line_style::unix_style
                 & ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(args)
                .options(all)
                .positional(positional)
                .style(style)
                .run(),
              vm);
  } catch (const po::unknown_option& e) {
    return fail("unknown flag " + e.get_option_name());
  } catch (const po::multiple_occurrences& e) {
    return fail(e.get_option_name() + " given more than once (only --peer, "
                "--index, --schema and --cors-origin repeat)");
  } catch (const po::invalid_command_line_syntax& e) {
    if (e.kind() == po::invalid_syntax::missing_parameter
        || e.kind() == po::invalid_syntax::empty_adjacent_parameter)
      return fail(e.get_option_name() + " needs a value");
    return fail(e.what());
  } catch (const po::error& e) {
    return fail(e.what());
  }
  if (vm.count("help")) {
    cmd.what = launch_command::help;
    cmd.message = node_usage();
    return cmd;
  }
  if (vm.count("version")) {
    cmd.what = launch_command::version;
    cmd.message = version_line("p2p-node") + "\n";
    return cmd;
  }
  if (vm.count("positional"))
    return fail("unexpected argument "
                + vm["positional"].as<std::vector<std::string>>().front());
  for (const auto& f : flags) {
    if (vm.count(f.name)) {
      auto values = f.repeatable
                      ? vm[f.name].as<std::vector<std::string>>()
                      : std::vector<std::string>{vm[f.name].as<std::string>()};
      for (const auto& value : values)
        if (auto err = apply_flag(f.name, value, cmd); !err.empty())
          return fail(err);
      continue;
    }
    if (!env)
      continue;
    auto var = env_name(f.name);
    auto text = env(var);
    if (!text)
      continue;
    // Set but empty is a mistake (a templated line left blank), not "off":
    // an empty P2P_TOKEN_FILE must not quietly open the writes.
    if (trim(*text).empty())
      return fail(std::string("--") + f.name + " needs a value (" + var
                  + " is set but empty; unset it for the default)");
    if (!f.repeatable) {
      if (auto err = apply_flag(f.name, *text, cmd); !err.empty())
        return fail(err + " (from " + var + "=" + *text + ")");
      continue;
    }
    auto items = split_list(*text);
    std::size_t given = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].empty())
        continue;
      ++given;
      if (auto err = apply_flag(f.name, items[i], cmd); !err.empty())
        return fail(err + " (item " + std::to_string(i + 1) + " of " + var
                    + ")");
    }
    if (given == 0) // ", ," is as empty as ""
      return fail(std::string("--") + f.name + " needs a value (" + var
                  + " lists nothing; unset it for the default)");
  }
  if (auto err = check_flags(cmd); !err.empty())
    return fail(err);
  return cmd;
}

} // namespace p2p
