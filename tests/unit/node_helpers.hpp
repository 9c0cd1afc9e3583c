#pragma once
// Helpers for tests that run a node in-process: options on a temp dir, and
// one HTTP/1.1 exchange over a plain socket.
#include "p2psync/server.hpp"
#include "test_dir.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

inline p2p::server_options options_in(const test_dir& dir) {
  p2p::server_options o;
  o.port = 0;
  o.db_path = dir.sub("db");
  o.io_threads = 1;
  return o;
}

/// One HTTP/1.1 request over a plain socket; returns the whole answer.
inline std::string http_exchange(uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0
      && ::send(fd, request.data(), request.size(), 0)
           == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
      out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}


inline std::string http_request_text(const std::string& method,
                                     const std::string& target,
                                     const std::string& body = {}) {
  return method + " " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
         + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}
