#include "apps/node_options.hpp"

#include "protocol/cors.hpp"
#include "protocol/duration.hpp"
#include "protocol/peer_url.hpp"

#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

namespace p2p {

std::string node_usage() {
  return "usage: p2p-node [--host ADDR] [--port N] [--db PATH] [--peer URL]... "
         "[--id HEX]\n"
         "\n"
         "  --host ADDR         listen address (default 127.0.0.1)\n"
         "  --port N            HTTP and peer-link port, 0 picks a free one "
         "(default 3000)\n"
         "  --db PATH           database directory (default ./p2p-data)\n"
         "  --peer URL          http://host:port (https://, [v6]:port) of a "
         "peer to link to;\n"
         "                      repeatable\n"
         "  --id HEX            node id (default: made once, kept in the db)\n"
         "  --io-threads N      HTTP I/O threads (default 2)\n"
         "  --idle-timeout MS   close a silent HTTP client after MS "
         "milliseconds (default 30000)\n"
         "  --sse-buffer-bytes N  what slow /events readers may hold, all "
         "together;\n"
         "                      past it the slowest is ended (default "
         "67108864)\n"
         "  --secret-file PATH  cluster secret: peers must prove they know it "
         "(and only\n"
         "                      then teach each other addresses)\n"
         "  --advertise URL     this node's URL for other nodes (default: "
         "where it\n"
         "                      listens, unless --host is a wildcard)\n"
         "  --min-links N       dial learned addresses below N links "
         "(default 3; 0: never)\n"
         "  --max-links N       shed the newest inbound link above N "
         "(default 8)\n"
         "  --broadcast MODE    tree (default: payloads along a spanning "
         "tree, ids\n"
         "                      elsewhere) or flood (every payload on every "
         "link)\n"
         "  --tombstone-ttl D   collect deletes' tombstones older than D "
         "(500ms, 2s, 90m,\n"
         "                      12h, 7d; default 7d; 0 keeps them for ever). "
         "Every node\n"
         "                      must hear of a delete within it, or "
         "reconcile\n"
         "  --token-file PATH   bearer token needed for PUT and DELETE (peer "
         "links then\n"
         "                      need --secret-file)\n"
         "  --token-reads       ... and for every read but /health\n"
         "  --tls-cert PATH     serve HTTPS and WSS with this PEM certificate\n"
         "  --tls-key PATH      ... and this PEM private key\n"
         "  --tls-ca PATH       certificates to trust for https:// peers\n"
         "  --cors-origin ORIGIN  let browser pages from ORIGIN "
         "(https://host[:port], or *\n"
         "                      without a token) read the answers; "
         "repeatable\n"
         "  --index PREFIX:PTR  keep an index on the field PTR (a JSON pointer "
         "such as /role)\n"
         "                      of the entries under PREFIX; repeatable\n"
         "  --schema PREFIX:FILE  local writes under PREFIX must satisfy the "
         "JSON Schema\n"
         "                      in FILE; repeatable\n"
         "  --help              this text\n"
         "\n"
         "Prints `listening on http://HOST:PORT id=HEX` once serving; "
         "SIGINT/SIGTERM stop it.\n"
         "\n"
         "Maintenance of a database:\n"
         "  p2p-node export --db PATH [--prefix P] [--tombstones]  "
         "NDJSON to stdout\n"
         "  p2p-node import --db PATH < FILE   NDJSON through "
         "last-write-wins (node stopped)\n";
}

namespace {

template <class T>
bool parse_number(const std::string& s, T& out, T min, T max) {
  T x{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (ec != std::errc{} || end != s.data() + s.size() || x < min || x > max)
    return false;
  out = x;
  return true;
}

} // namespace

namespace {

std::string read_text_file(const std::string& path, const char* what,
                             std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::string("cannot read the ") + what + " file " + path;
  std::stringstream text;
  text << in.rdbuf();
  out = text.str();
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back())))
    out.pop_back();
  if (out.empty())
    return std::string("the ") + what + " file " + path + " is empty";
  return {};
}

} // namespace

std::string load_files(launch_command& cmd) {
  auto& o = cmd.options;
  if (!cmd.secret_file.empty())
    if (auto err = read_text_file(cmd.secret_file, "secret", o.secret);
        !err.empty())
      return err;
  if (!cmd.token_file.empty())
    if (auto err = read_text_file(cmd.token_file, "token", o.token);
        !err.empty())
      return err;
  if (o.token_reads && o.token.empty())
    return "--token-reads needs --token-file";
  for (const auto& [prefix, file] : cmd.schema_files) {
    std::string text;
    if (auto err = read_text_file(file, "schema", text); !err.empty())
      return err;
    o.schemas.emplace_back(prefix, std::move(text));
  }
  if (o.min_links > o.max_links)
    return "--min-links must not be above --max-links";
  if (!o.token.empty() && o.secret.empty() && !o.peers.empty())
    return "--peer on a node with --token-file needs --secret-file: a peer "
           "link reads and writes every value, so it must prove the cluster "
           "secret";
  if (o.tls_cert.empty() != o.tls_key.empty())
    return "--tls-cert and --tls-key go together";
  if (auto err = cors_origins_error(o.cors_origins, !o.token.empty());
      !err.empty())
    return err;
  return {};
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0
         || host.rfind("::ffff:127.", 0) == 0; // IPv4-mapped loopback
}

launch_command parse_node_args(const std::vector<std::string>& args) {
  launch_command cmd;
  auto fail = [&](std::string msg) {
    cmd.what = launch_command::error;
    cmd.message = std::move(msg);
    return cmd;
  };
  auto& o = cmd.options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& flag = args[i];
    if (flag == "--help" || flag == "-h") {
      cmd.what = launch_command::help;
      cmd.message = node_usage();
      return cmd;
    }
    if (flag == "--token-reads") {
      o.token_reads = true;
      continue;
    }
    if (i + 1 >= args.size())
      return fail(flag.rfind("--", 0) == 0 ? flag + " needs a value"
                                           : "unexpected argument " + flag);
    const auto& value = args[++i];
    if (flag == "--host") {
      // An IPv6 address may come as it appears in a URL: [::1].
      bool bracketed = value.size() > 2 && value.front() == '['
                       && value.back() == ']';
      o.host = bracketed ? value.substr(1, value.size() - 2) : value;
    } else if (flag == "--port") {
      if (!parse_number<uint16_t>(value, o.port, 0, 65535))
        return fail("--port must be a number from 0 to 65535");
    } else if (flag == "--db") {
      if (value.empty())
        return fail("--db must not be empty");
      o.db_path = value;
    } else if (flag == "--peer") {
      auto parsed = parse_peer_url(value);
      if (!parsed.url)
        return fail("--peer " + value + ": " + parsed.error);
      o.peers.push_back(parsed.url->text());
    } else if (flag == "--id") {
      o.id = value;
    } else if (flag == "--secret-file") {
      cmd.secret_file = value;
    } else if (flag == "--token-file") {
      cmd.token_file = value;
    } else if (flag == "--tls-cert") {
      o.tls_cert = value;
    } else if (flag == "--tls-key") {
      o.tls_key = value;
    } else if (flag == "--tls-ca") {
      o.tls_ca = value;
    } else if (flag == "--cors-origin") {
      if (auto err = cors_origin_error(value); !err.empty())
        return fail("--cors-origin " + value + ": " + err);
      o.cors_origins.push_back(value);
    } else if (flag == "--index" || flag == "--schema") {
      // Split at the first ':': a prefix with a ':' needs the HTTP API.
      auto colon = value.find(':');
      if (colon == std::string::npos || colon + 1 == value.size())
        return fail(flag + " takes PREFIX:" + (flag == "--index" ? "POINTER" : "FILE"));
      auto prefix = value.substr(0, colon);
      auto rest = value.substr(colon + 1);
      if (flag == "--index")
        o.indexes.emplace_back(prefix, rest);
      else
        cmd.schema_files.emplace_back(prefix, rest);
    } else if (flag == "--advertise") {
      auto parsed = parse_peer_url(value);
      if (!parsed.url)
        return fail("--advertise " + value + ": " + parsed.error);
      o.advertise = parsed.url->text();
    } else if (flag == "--min-links") {
      if (!parse_number<std::size_t>(value, o.min_links, 0, 1000))
        return fail("--min-links must be a number from 0 to 1000");
    } else if (flag == "--max-links") {
      if (!parse_number<std::size_t>(value, o.max_links, 1, 1000))
        return fail("--max-links must be a number from 1 to 1000");
    } else if (flag == "--broadcast") {
      if (value != "tree" && value != "flood")
        return fail("--broadcast must be tree or flood");
      o.broadcast_tree = value == "tree";
    } else if (flag == "--tombstone-ttl") {
      auto ttl = parse_duration(value);
      if (!ttl)
        return fail("--tombstone-ttl must be a duration such as 2s, 90m, "
                    "12h or 7d (0: keep tombstones for ever)");
      o.tombstone_ttl = *ttl;
    } else if (flag == "--io-threads") {
      if (!parse_number<int>(value, o.io_threads, 1, 64))
        return fail("--io-threads must be a number from 1 to 64");
    } else if (flag == "--idle-timeout") {
      long ms = 0;
      if (!parse_number<long>(value, ms, 1, 3600L * 1000))
        return fail("--idle-timeout must be milliseconds, 1 to 3600000");
      o.idle_timeout = std::chrono::milliseconds(ms);
    } else if (flag == "--sse-buffer-bytes") {
      // Below two events of the largest size (a 1 MiB body), one large
      // write would end every stream.
      if (!parse_number<std::size_t>(value, o.sse_buffer_bytes,
                                     std::size_t{2} << 20,
                                     std::size_t{1} << 40))
        return fail("--sse-buffer-bytes must be a number from 2097152 to "
                    "1099511627776");
    } else {
      --i;
      return fail("unknown flag " + flag);
    }
  }
  return cmd;
}

} // namespace p2p
