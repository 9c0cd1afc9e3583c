// The standard process_* families, read from /proc/self as the Prometheus
// clients do, and p2p_build_info. A scrape reads three small files and
// lists the fd directory: microseconds.
#include "actors/metrics_text.hpp"

#include "p2psync/version.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <sstream>
#include <vector>

namespace p2p::prom {

namespace {

/// A /proc file whole (they are small; one or two reads).
std::string read_small(const char* path) {
  std::string out;
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

/// The fields of /proc/self/stat after the command (which may hold spaces
/// and parentheses), the first being field 3 (state).
std::vector<std::string> stat_fields() {
  auto text = read_small("/proc/self/stat");
  std::vector<std::string> out;
  auto close = text.rfind(')');
  if (close == std::string::npos)
    return out;
  std::istringstream in(text.substr(close + 1));
  for (std::string f; in >> f;)
    out.push_back(f);
  return out;
}

double boot_time_seconds() {
  std::istringstream in(read_small("/proc/stat"));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("btime ", 0) == 0)
      return std::strtod(line.c_str() + 6, nullptr);
  return 0;
}

double field_at(const std::vector<std::string>& f, std::size_t stat_field) {
  std::size_t i = stat_field - 3;
  return i < f.size() ? std::strtod(f[i].c_str(), nullptr) : 0;
}

uint64_t open_fds() {
  uint64_t n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (auto* e = readdir(d))
      if (e->d_name[0] != '.')
        ++n;
    closedir(d);
    if (n > 0)
      --n; // the directory being listed
  }
  return n;
}

} // namespace

void process_families(std::string& out) {
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  auto f = stat_fields();
  // Fields 14 and 15: user and system CPU time; 22: the start, in ticks
  // after boot.
  single(out, "process_cpu_seconds_total", "counter",
         "Total user and system CPU time spent in seconds.",
         (field_at(f, 14) + field_at(f, 15)) / ticks);
  static const double started = boot_time_seconds() + field_at(f, 22) / ticks;
  single(out, "process_start_time_seconds", "gauge",
         "Start time of the process since unix epoch in seconds.", started);
  unsigned long long size = 0, resident = 0;
  std::sscanf(read_small("/proc/self/statm").c_str(), "%llu %llu", &size,
              &resident);
  single(out, "process_resident_memory_bytes", "gauge",
         "Resident memory size in bytes.",
         static_cast<uint64_t>(static_cast<double>(resident) * page));
  single(out, "process_virtual_memory_bytes", "gauge",
         "Virtual memory size in bytes.",
         static_cast<uint64_t>(static_cast<double>(size) * page));
  single(out, "process_open_fds", "gauge", "Number of open file descriptors.",
         open_fds());
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
    single(out, "process_max_fds", "gauge",
           "Maximum number of open file descriptors.",
           static_cast<uint64_t>(lim.rlim_cur));
  family(out, "p2p_build_info", "gauge",
         "the version and git revision this node was built from (always 1)");
  std::string labels;
  label(labels, "version", version_string);
  label(labels, "revision", git_revision);
  sample(out, "p2p_build_info", label_set(labels), uint64_t{1});
}

} // namespace p2p::prom
