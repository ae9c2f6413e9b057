// libFuzzer target: the replay-token decoder. Whatever it accepts must be
// the one canonical token of its schedule: encoding the decoded schedule
// gives back the input byte for byte.
#include <cstdint>
#include <string>

#include "checker/Schedule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string token(reinterpret_cast<const char*>(data), size);
  std::string error;
  // a small step bound keeps each run cheap; the bound itself is tested
  auto d = lifecheck::checker::decode_schedule(token, error, 1 << 16);
  if (!d) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  if (lifecheck::checker::encode_schedule(d->fingerprint, d->steps) != token) __builtin_trap();
  return 0;
}
