// A fast, portable 64-bit hash of a byte string (for the visited set; the
// set compares bytes on a hash match, so collisions never merge states).
// hash_bytes is wyhash (final version 4, seed 0, its default secret; Wang
// Yi, public domain): one 64x64->128-bit multiplication per 16 bytes, three
// independent ones per 48, where a mix64 per 8 bytes cost three times the
// instructions. It passes SMHasher; its low, middle and top bits are all
// used (table position, tag, shard).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace lifecheck::checker {

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

namespace hash_detail {
__extension__ typedef unsigned __int128 Wide;
constexpr uint64_t kSecret0 = 0x2d358dccaa6c78a5ull;
constexpr uint64_t kSecret1 = 0x8bb84b93962eacc9ull;
constexpr uint64_t kSecret2 = 0x4b33a62ed433d4a3ull;
constexpr uint64_t kSecret3 = 0x4d5a2da51de1aa47ull;
constexpr uint64_t mum_mix(uint64_t a, uint64_t b) {
  const Wide r = static_cast<Wide>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
// wyhash's seed after its first mixing, for seed 0
constexpr uint64_t kSeed = mum_mix(kSecret0, kSecret1);
inline uint64_t read8(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t read4(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
}  // namespace hash_detail

inline uint64_t hash_bytes(std::string_view bytes) {
  using namespace hash_detail;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t len = bytes.size();
  uint64_t seed = kSeed;
  uint64_t a, b;
  if (len <= 16) {
    if (len >= 4) {
      a = (read4(p) << 32) | read4(p + ((len >> 3) << 2));
      b = (read4(p + len - 4) << 32) | read4(p + len - 4 - ((len >> 3) << 2));
    } else if (len > 0) {
      a = (uint64_t{p[0]} << 16) | (uint64_t{p[len >> 1]} << 8) | p[len - 1];
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = len;
    if (i >= 48) {
      uint64_t see1 = seed, see2 = seed;
      do {
        seed = mum_mix(read8(p) ^ kSecret1, read8(p + 8) ^ seed);
        see1 = mum_mix(read8(p + 16) ^ kSecret2, read8(p + 24) ^ see1);
        see2 = mum_mix(read8(p + 32) ^ kSecret3, read8(p + 40) ^ see2);
        p += 48;
        i -= 48;
      } while (i >= 48);
      seed ^= see1 ^ see2;
    }
    while (i > 16) {
      seed = mum_mix(read8(p) ^ kSecret1, read8(p + 8) ^ seed);
      i -= 16;
      p += 16;
    }
    a = read8(p + i - 16);
    b = read8(p + i - 8);
  }
  a ^= kSecret1;
  b ^= seed;
  const Wide r = static_cast<Wide>(a) * b;
  a = static_cast<uint64_t>(r);
  b = static_cast<uint64_t>(r >> 64);
  return mum_mix(a ^ kSecret0 ^ len, b ^ kSecret1);
}

}  // namespace lifecheck::checker
