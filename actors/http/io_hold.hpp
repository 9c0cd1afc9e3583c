#pragma once
// Keeps an I/O object and its io_context alive together, for callbacks that
// run on actor threads. Members are destroyed in reverse order: the object
// (and its socket) goes first, while its io_context still exists.
#include <boost/asio/io_context.hpp>

#include <memory>

namespace p2p {

template <class T>
struct io_hold {
  std::shared_ptr<boost::asio::io_context> ioc;
  std::shared_ptr<T> obj;
};

template <class T>
std::shared_ptr<io_hold<T>>
make_io_hold(const std::weak_ptr<boost::asio::io_context>& ioc,
             std::shared_ptr<T> obj) {
  return std::make_shared<io_hold<T>>(io_hold<T>{ioc.lock(), std::move(obj)});
}

} // namespace p2p
