// p2psync inside a CAF application: the application owns the actor system,
// starts a node in it, and talks to the node only through typed actor
// handles: a put, a scan, an index and a field query by request, and an
// actor of its own subscribed to a prefix, receiving typed change messages. The public header is all it
// includes from p2psync.
#include <p2psync/p2psync.hpp>
#include "example_support.hpp"

#include <caf/all.hpp>

#include <iostream>

namespace {

using done_atom = caf::atom_constant<caf::atom("done")>;

/// The application's own actor: prints each change under "orders" and tells
/// `main_actor` after the second one.
p2p::subscriber_actor::behavior_type
order_watcher(p2p::subscriber_actor::pointer self, caf::actor main_actor) {
  auto seen = std::make_shared<int>(0);
  return {
    [=](const p2p::change& c) {
      std::cout << "watcher: " << c.u.path << " = " << c.u.value << " (seq "
                << c.seq << ")" << std::endl;
      if (++*seen == 2)
        caf::anon_send(main_actor, done_atom::value);
    },
  };
}

} // namespace

int main() {
  p2p::examples::temp_root root; // a db of its own, even beside another run
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  int rc = 0;
  {
    p2p::server_options opts;
    opts.port = 0;
    opts.db_path = root.db("db");
    p2p::P2PServer node(sys, opts); // joins the application's actor system
    node.start();
    std::cout << "node " << node.server_id() << " on port " << node.port()
              << std::endl;
    p2p::node_actor router = node.node();
    caf::scoped_actor self{sys};
    auto watcher = sys.spawn(order_watcher, caf::actor{self});
    auto fail = [&](caf::error& err) {
      std::cerr << "error: " << sys.render(err) << std::endl;
      rc = 1;
    };
    constexpr auto timeout = std::chrono::seconds(10);
    self->request(router, timeout, p2p::subscribe_atom::value,
                  std::string("orders"), watcher)
      .receive([](uint64_t id) { std::cout << "subscribed, id " << id << std::endl; },
               fail);
    for (const char* order : {R"({"item":"tea","qty":2})", R"({"item":"cake","qty":1})"}) {
      std::string path = "orders/" + std::to_string(std::hash<std::string>{}(order) % 1000);
      self->request(router, timeout, p2p::put_atom::value, path,
                    std::string(order))
        .receive(
          [](const p2p::update& u) {
            std::cout << "put " << u.path << " at " << p2p::wall_ms_of(u.time)
                      << " by " << u.origin << std::endl;
          },
          fail);
    }
    self->receive([](done_atom) { std::cout << "watcher saw both orders" << std::endl; },
                  caf::after(timeout) >> [&] {
                    std::cerr << "watcher timed out" << std::endl;
                    rc = 1;
                  });
    self->request(router, timeout, p2p::scan_atom::value, std::string("orders/"),
                  uint64_t{0})
      .receive(
        [](const std::vector<p2p::update>& entries) {
          std::cout << "scan found " << entries.size() << " orders" << std::endl;
        },
        fail);
    // A field query through the typed handle: an index on /qty first.
    self->request(router, timeout, p2p::add_index_atom::value,
                  std::string("orders/"), std::string("/qty"))
      .receive([](const p2p::index_def& def, uint64_t built) {
                 std::cout << "index on " << def.field << " built with " << built
                           << " entries" << std::endl;
               },
               fail);
    p2p::field_query big_orders;
    big_orders.prefix = "orders/";
    big_orders.field = "/qty";
    big_orders.lower = p2p::query_bound{"2", true};
    self->request(router, timeout, p2p::query_atom::value, big_orders)
      .receive(
        [](const p2p::query_result& r) {
          std::cout << "query found " << r.results.size() << " order(s) with qty >= 2"
                    << (r.index ? " by index" : " by scan") << std::endl;
        },
        fail);
    self->send_exit(watcher, caf::exit_reason::user_shutdown);
    node.close();
  }
  return rc;
}
