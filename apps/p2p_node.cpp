// p2p-node: runs one p2psync node until SIGINT or SIGTERM.
#include "apps/maintenance.hpp"
#include "apps/node_options.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <pthread.h>

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int exit_code = 0;
  if (p2p::run_maintenance(args, std::cin, std::cout, std::cerr, exit_code))
    return exit_code;
  auto cmd = p2p::parse_node_args(args);
  if (cmd.what == p2p::launch_command::help) {
    std::cout << cmd.message;
    return 0;
  }
  if (cmd.what == p2p::launch_command::error) {
    std::cerr << "p2p-node: " << cmd.message << "\n" << p2p::node_usage();
    return 2;
  }
  if (auto err = p2p::load_files(cmd); !err.empty()) {
    std::cerr << "p2p-node: " << err << "\n";
    return 2;
  }
  if (cmd.options.secret.empty() && !p2p::is_loopback(cmd.options.host))
    std::cerr << "p2p-node: warning: listening on " << cmd.options.host
              << " with no --secret-file: anyone who reaches the port can "
                 "link as a peer and write\n";
  // Block the stop signals before any thread starts, so every thread
  // inherits the mask and only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    p2p::P2PServer server(cmd.options);
    server.start();
    std::printf("listening on %s://%s:%u id=%s\n", server.scheme(),
                cmd.options.host.c_str(), unsigned{server.port()},
                server.server_id().c_str());
    std::fflush(stdout);
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cerr << "p2p-node: signal " << sig << ", shutting down\n";
    server.close();
  } catch (const std::exception& e) {
    std::cerr << "p2p-node: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
