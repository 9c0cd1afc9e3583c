#include "apps/node_flags.hpp"

#include "protocol/cors.hpp"
#include "protocol/duration.hpp"
#include "protocol/json_pointer.hpp"
#include "protocol/peer_url.hpp"
#include "protocol/schema.hpp"
#include "protocol/wire.hpp"

#include <boost/asio/ip/address.hpp>

#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace p2p {

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

std::string read_text_file(const std::string& path, const char* what,
                           std::string& out) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) // it opens, and reads nothing
    return std::string("the ") + what + " file " + path + " is a directory";
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

std::string apply_flag(const std::string& flag, const std::string& value,
                       launch_command& cmd) {
  auto& o = cmd.options;
  // A file flag given as "" would silently turn its protection off.
  for (const char* file_flag :
       {"db", "secret-file", "token-file", "tls-cert", "tls-key", "tls-ca"})
    if (flag == file_flag && value.empty())
      return "--" + flag + " needs a path, not an empty one";
  if (flag == "host") {
    // An IPv6 address may come as it appears in a URL: [::1].
    bool bracketed = value.size() > 2 && value.front() == '['
                     && value.back() == ']';
    auto host = bracketed ? value.substr(1, value.size() - 2) : value;
    // What the server binds: an IP address (names are not resolved).
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (ec || host.empty())
      return "--host must be an IP address to listen on (127.0.0.1, "
             "0.0.0.0, ::1, ::), not '" + value + "'";
    o.host = host;
  } else if (flag == "port") {
    if (!parse_number<uint16_t>(value, o.port, 0, 65535))
      return "--port must be a number from 0 to 65535";
  } else if (flag == "db") {
    o.db_path = value;
  } else if (flag == "peer" || flag == "advertise") {
    auto parsed = parse_peer_url(value);
    if (!parsed.url)
      return "--" + flag + " " + value + ": " + parsed.error;
    if (flag == "peer")
      o.peers.push_back(parsed.url->text());
    else
      o.advertise = parsed.url->text();
  } else if (flag == "id") {
    if (!wire::is_hex_id(value))
      return "--id must be 1 to 64 hex digits, not '" + value + "'";
    o.id = value;
  } else if (flag == "secret-file") {
    cmd.secret_file = value;
  } else if (flag == "token-file") {
    cmd.token_file = value;
  } else if (flag == "token-reads") {
    if (value != "1" && value != "true" && value != "0" && value != "false")
      return "--token-reads takes 1, true, 0 or false";
    o.token_reads = value == "1" || value == "true";
  } else if (flag == "tls-cert") {
    o.tls_cert = value;
  } else if (flag == "tls-key") {
    o.tls_key = value;
  } else if (flag == "tls-ca") {
    o.tls_ca = value;
  } else if (flag == "index" || flag == "schema") {
    // Split at the first ':': a prefix with a ':' needs the HTTP API.
    auto colon = value.find(':');
    if (colon == std::string::npos || colon + 1 == value.size())
      return "--" + flag + " takes PREFIX:" + (flag == "index" ? "POINTER" : "FILE");
    auto prefix = value.substr(0, colon);
    auto rest = value.substr(colon + 1);
    if (flag == "index") {
      if (auto err = pointer_error(rest); !err.empty())
        return "--index " + value + ": " + rest
               + " is not a JSON pointer such as /role (" + err + ")";
      o.indexes.emplace_back(prefix, rest);
    } else {
      // Schemas are kept per prefix: a second would replace the first.
      for (const auto& [earlier, file] : cmd.schema_files)
        if (earlier == prefix)
          return "--schema " + value + ": the prefix " + prefix
                 + " has a schema already (" + file
                 + "); merge them into one";
      cmd.schema_files.emplace_back(prefix, rest);
    }
  } else if (flag == "min-links") {
    if (!parse_number<std::size_t>(value, o.min_links, 0, 1000))
      return "--min-links must be a number from 0 to 1000";
  } else if (flag == "max-links") {
    if (!parse_number<std::size_t>(value, o.max_links, 1, 1000))
      return "--max-links must be a number from 1 to 1000";
  } else if (flag == "broadcast") {
    if (value != "tree" && value != "flood")
      return "--broadcast must be tree or flood";
    o.broadcast_tree = value == "tree";
  } else if (flag == "tombstone-ttl") {
    auto ttl = parse_duration(value);
    if (!ttl)
      return "--tombstone-ttl must be a duration such as 2s, 90m, 12h or 7d "
             "(0: keep tombstones for ever)";
    o.tombstone_ttl = *ttl;
  } else if (flag == "io-threads") {
    if (!parse_number<int>(value, o.io_threads, 1, 64))
      return "--io-threads must be a number from 1 to 64";
  } else if (flag == "idle-timeout") {
    long ms = 0;
    if (!parse_number<long>(value, ms, 1, 3600L * 1000))
      return "--idle-timeout must be milliseconds, 1 to 3600000";
    o.idle_timeout = std::chrono::milliseconds(ms);
  } else if (flag == "sse-buffer-bytes") {
    // Below two events of the largest size (a 1 MiB body), one large
    // write would end every stream.
    if (!parse_number<std::size_t>(value, o.sse_buffer_bytes,
                                   std::size_t{2} << 20, std::size_t{1} << 40))
      return "--sse-buffer-bytes must be a number from 2097152 to "
             "1099511627776";
  } else if (flag == "cors-origin") {
    if (auto err = cors_origin_error(value); !err.empty())
      return "--cors-origin " + value + ": " + err;
    o.cors_origins.push_back(value);
  } else if (flag == "log-level") {
    if (!log::parse_level(value, cmd.log_level))
      return "--log-level must be debug, info, warn or error";
  } else if (flag == "log-format") {
    if (!log::parse_format(value, cmd.log_format))
      return "--log-format must be text or json";
  } else {
    return "unknown flag --" + flag;
  }
  return {};
}

std::string check_flags(const launch_command& cmd) {
  return cors_origins_error(cmd.options.cors_origins, !cmd.token_file.empty());
}

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
      return "--schema " + prefix + ":" + file + ": " + err;
    std::string why;
    if (!schema::compile(text, why))
      return "--schema " + prefix + ":" + file + ": not a usable JSON Schema: "
             + why;
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
  return {};
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0
         || host.rfind("::ffff:127.", 0) == 0; // IPv4-mapped loopback
}

} // namespace p2p
