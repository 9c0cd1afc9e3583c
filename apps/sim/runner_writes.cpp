// The runner's writes: single writes and deletes, bulk writes, and crashes
// with writes in flight; each acknowledged one goes into the ledger.
#include "apps/sim/runner.hpp"
#include "apps/sim/step_failed.hpp"

#include <caf/all.hpp>

#include <chrono>

namespace p2p::sim {

// All writes are in flight at once, so group commit batches them.
void runner::write_bulk(const step& s) {
  std::vector<int> targets;
  for (int i = 0; i < sc_.nodes; ++i)
    if (s.node < 0 ? running(i) : i == s.node)
      targets.push_back(i);
  if (targets.empty() || (s.node >= 0 && !running(s.node)))
    throw step_failed("no running node to write to");
  std::string pad(static_cast<std::size_t>(std::max(0, s.value_bytes)), 'x');
  caf::scoped_actor self{sys_};
  for (int i = 0; i < s.count; ++i) {
    auto& server = *nodes_[targets[i % targets.size()]].server;
    self->send(server.node(), put_atom::value, s.prefix + std::to_string(i),
               R"({"i":)" + std::to_string(i) + R"(,"pad":")" + pad + "\"}");
  }
  int answered = 0;
  std::string error;
  self->receive_for(answered, s.count)(
    [&](update& u) { acked_.acknowledged(u); },
    [&](caf::error& e) { error = sys_.render(e); },
    caf::after(std::chrono::seconds(60)) >> [&] { error = "timeout"; });
  if (!error.empty())
    throw step_failed("bulk write failed: " + error);
}

void runner::write_or_delete(const step& s) {
  auto& server = at(s.node, s.what == step::write ? "write" : "delete");
  if (s.what == step::write)
    return acked_.acknowledged(server.put(s.path, s.value));
  // Through the router, whose answer carries the tombstone's stamp.
  caf::scoped_actor self{sys_};
  std::string error;
  self->request(server.node(), std::chrono::seconds(30), delete_atom::value,
                s.path)
    .receive([&](update& u) { acked_.acknowledged(u); },
             [&](caf::error& e) {
               if (!is_error(e, p2p_errc::not_found))
                 error = error_message(e);
             });
  if (!error.empty())
    throw step_failed("delete " + s.path + " failed: " + error);
}

// Sends one write and waits for its answer, then sends the other `count`-1
// and crashes the node at once: the store is mid-way through them. Answers
// that arrived by then are acknowledged writes, which must survive; the
// rest may or may not land.
std::string runner::crash(const step& s) {
  auto& server = at(s.node, "crash");
  caf::scoped_actor self{sys_};
  int acked = 0;
  auto take = [&](update& u) {
    acked_.acknowledged(u);
    ++acked;
  };
  auto send = [&](int i) {
    self->send(server.node(), put_atom::value, s.prefix + std::to_string(i),
               R"({"i":)" + std::to_string(i) + "}");
  };
  if (s.count > 0) {
    send(0);
    self->receive(take, [](caf::error&) {},
                  caf::after(std::chrono::seconds(30)) >> [] {});
  }
  for (int i = 1; i < s.count; ++i)
    send(i);
  server.crash();
  // The node's actors are gone: what is in the mailbox is all there is.
  for (bool more = true; more;)
    self->receive(take, [](caf::error&) {},
                  caf::after(std::chrono::milliseconds(0)) >> [&] { more = false; });
  nodes_[s.node].server.reset();
  if (s.count == 0)
    return "";
  crashes_.push_back({s.prefix, s.count, acked});
  return std::to_string(acked) + " of " + std::to_string(s.count)
         + " writes in flight acknowledged";
}

} // namespace p2p::sim
