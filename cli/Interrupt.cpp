#include "cli/Interrupt.h"

#include <csignal>

namespace lifecheck::cli {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "set from a signal handler");

extern "C" void on_stop_signal(int sig) {
  g_signal.store(sig, std::memory_order_relaxed);
  g_stop.store(true, std::memory_order_relaxed);
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  // SA_RESTART: reads and writes go on; SA_RESETHAND: a second Ctrl-C kills.
  sa.sa_flags = SA_RESTART | SA_RESETHAND;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

const std::atomic<bool>& stop_requested() { return g_stop; }

std::string interrupt_reason() {
  switch (g_signal.load(std::memory_order_relaxed)) {
    case SIGINT:
      return "interrupted (SIGINT)";
    case SIGTERM:
      return "interrupted (SIGTERM)";
    default:
      return "interrupted";
  }
}

}  // namespace lifecheck::cli
