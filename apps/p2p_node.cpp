// p2p-node: runs one p2psync node until SIGINT or SIGTERM.
#include "apps/maintenance.hpp"
#include "apps/node_options.hpp"
#include "apps/sd_notify.hpp"
#include "protocol/peer_url.hpp"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

namespace {

// Every connection and link holds a descriptor; the common soft limit of
// 1,024 is reached long before memory or CPU are. The hard limit is what
// the operator allows, so take all of it.
void raise_open_files_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max)
    return;
  auto soft = lim.rlim_cur;
  lim.rlim_cur = lim.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &lim) == 0)
    return;
  // An unlimited hard limit is refused above the kernel's fs.nr_open.
  std::ifstream nr_open("/proc/sys/fs/nr_open");
  rlim_t ceiling = 0;
  if (nr_open >> ceiling && ceiling > soft && ceiling < lim.rlim_max) {
    lim.rlim_cur = ceiling;
    setrlimit(RLIMIT_NOFILE, &lim); // failing, the soft limit stays
  }
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int exit_code = 0;
  if (p2p::run_maintenance(args, std::cin, std::cout, std::cerr, exit_code,
                           isatty(STDERR_FILENO) == 1))
    return exit_code;
  auto cmd = p2p::parse_node_args(args, p2p::process_env);
  if (cmd.what == p2p::launch_command::help
      || cmd.what == p2p::launch_command::version) {
    std::cout << cmd.message;
    return 0;
  }
  if (cmd.what == p2p::launch_command::error) {
    std::cerr << "p2p-node: " << cmd.message
              << "\n(p2p-node --help lists the flags)\n";
    return 2;
  }
  if (auto err = p2p::load_files(cmd); !err.empty()) {
    std::cerr << "p2p-node: " << err << "\n";
    return 2;
  }
  namespace log = p2p::log;
  log::configure(cmd.log_level, cmd.log_format);
  bool has_token = !cmd.options.token.empty();
  if (cmd.options.secret.empty() && !has_token
      && !p2p::is_loopback(cmd.options.host))
    log::warn("node", "warning: listening beyond loopback with no "
                      "--secret-file: anyone who reaches the port can link as "
                      "a peer and write",
              {{"host", cmd.options.host}});
  if (cmd.options.secret.empty() && has_token)
    log::warn("node", "--token-file without --secret-file: peer links are "
                      "refused (/p2p answers 403), since a link reads and "
                      "writes without the token; add --secret-file to link "
                      "nodes");
  raise_open_files_limit();
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
    std::printf("listening on %s://%s id=%s\n", server.scheme(),
                p2p::host_port(cmd.options.host, server.port()).c_str(),
                server.server_id().c_str());
    std::fflush(stdout);
    // Serving: systemd's Type=notify unit may start what depends on us.
    p2p::notify_service_manager("READY=1\nSTATUS=serving on port "
                                + std::to_string(server.port()));
    int sig = 0;
    sigwait(&stop_signals, &sig);
    log::info("node", "signal", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    p2p::notify_service_manager("STOPPING=1");
    server.close();
  } catch (const std::exception& e) {
    log::error("node", "failed", {{"error", e.what()}});
    return 1;
  }
  return 0;
}
