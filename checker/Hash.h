// A fast, portable 64-bit hash of a byte string (for the visited set; the
// set compares bytes on a hash match, so collisions never merge states;
// the fingerprint store keeps it as the state's fingerprint). hash_bytes is
// XXH3 (xxHash 0.8, Debian's libxxhash-dev), inlined: a state's encoding is
// a few hundred bytes, where a call and its dispatch would cost as much as
// the hashing. Its low, middle and top bits are all used (table position,
// tag, shard).
#pragma once

#include <cstdint>
#include <string_view>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace lifecheck::checker {

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

inline uint64_t hash_bytes(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

}  // namespace lifecheck::checker
