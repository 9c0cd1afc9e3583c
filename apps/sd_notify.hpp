#pragma once
// systemd's readiness protocol (sd_notify(3)) without libsystemd: one
// datagram to the socket named by $NOTIFY_SOCKET. Without it, nothing.
#include <string>

namespace p2p {

/// Sends `state` (such as "READY=1" or "STOPPING=1"); false when
/// $NOTIFY_SOCKET is unset or the datagram could not be sent.
bool notify_service_manager(const std::string& state);

} // namespace p2p
