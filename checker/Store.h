// Visited-state stores. Every search takes one of them; each answers "was
// this state seen?" for an encoded state and its hash (hash_bytes of the
// whole encoding, computed once by the search):
//
//   ExactStore        compares bytes: states merge only when equal. The
//                     encoding's parts (the model's cuts: e.g. header, each
//                     thread, a few objects at a time, the rest) are kept
//                     once each in part tables and a state is the string
//                     of its part numbers (SPIN's COLLAPSE idea), so a
//                     state costs a few dozen bytes however long its
//                     encoding.
//   FingerprintStore  keeps a 64-bit fingerprint per state (its hash; at
//                     most 16 B a state in the table); two states with the
//                     same fingerprint merge, with a probability it reports.
//   BitstateStore     sets k bits per state in a fixed bit array (Holzmann's
//                     bitstate hashing), for bug hunting in spaces too big
//                     for the others; it reports its expected coverage.
//
// Ids: ExactStore and FingerprintStore give every state a 64-bit id (equal
// ids, same state as the store sees it); BitstateStore gives the state's
// hash, good for telling states on a DFS stack apart.
//
// Concurrency: a store is split into shards by hash. lookup() may run in
// many threads while nothing inserts; insert() may run in many threads at
// once as long as no two threads insert into the same shard (shard_of).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checker/ByteArena.h"
#include "checker/HugePages.h"

namespace lifecheck::checker {

enum class StoreKind : uint8_t { Exact, Fingerprint, Bitstate };
const char* store_name(StoreKind kind);

struct Inserted {
  uint64_t id = 0;
  bool fresh = false;
};

// The numbers of an encoding's parts that an ExactStore lookup found stored
// (kMissing for the others), kept by a search that inserts the state later
// so that the insert locks and probes only the new parts: mostly one or two
// of them, since a step changes one or two parts.
struct KnownParts {
  static constexpr uint32_t kMissing = UINT32_MAX;
  static constexpr size_t kMax = 16;
  uint8_t count = 0;
  uint32_t number[kMax];
};

// One table of distinct byte strings, numbered densely from 0 in insertion
// order. `hash` must be hash_bytes(bytes) (the table rehashes with it).
// Not thread-safe.
class ByteTable {
 public:
  ByteTable();
  // The string's number, and whether it was new.
  std::pair<uint32_t, bool> insert(std::string_view bytes, uint64_t hash);
  std::optional<uint32_t> find(std::string_view bytes, uint64_t hash) const;
  std::string_view bytes_of(uint32_t index) const;
  size_t size() const { return offsets_.size(); }
  size_t memory_bytes() const;

 private:
  size_t probe(std::string_view bytes, uint64_t hash) const;
  void grow();

  ByteArena bytes_;
  std::vector<uint64_t> offsets_;  // index -> handle in bytes_
  std::vector<uint32_t> lengths_;
  // 0 empty, else (index + 1) << 32 | hash tag
  std::vector<uint64_t, HugePageAllocator<uint64_t>> slots_;
  size_t mask_;
};

class ExactStore {
 public:
  static constexpr size_t kMaxParts = KnownParts::kMax;
  explicit ExactStore(unsigned shards = 1);
  ExactStore(const ExactStore&) = delete;
  ExactStore& operator=(const ExactStore&) = delete;

  unsigned shard_of(uint64_t hash) const { return static_cast<unsigned>(hash >> 58) % nshards_; }
  unsigned shards() const { return nshards_; }
  // `cuts`: the ends of the encoding's parts, the last one excluded (at most
  // kMaxParts - 1 of them; more are ignored, the rest is one part).
  Inserted insert(std::string_view bytes, std::span<const uint32_t> cuts, uint64_t hash);
  std::optional<uint64_t> lookup(std::string_view bytes, std::span<const uint32_t> cuts,
                                 uint64_t hash) const;
  // As lookup(); on a miss, `known` gets the numbers of the parts stored,
  // for insert(..., &known).
  std::optional<uint64_t> lookup(std::string_view bytes, std::span<const uint32_t> cuts,
                                 uint64_t hash, KnownParts& known) const;
  // `known`: what a lookup of the same bytes found (parts only get added,
  // so those numbers stay right).
  Inserted insert(std::string_view bytes, std::span<const uint32_t> cuts, uint64_t hash,
                  const KnownParts& known);
  uint64_t size() const;
  uint64_t memory_bytes() const;
  // The bytes of the state stored as `id` (its parts put back together), so
  // that a search can keep a frontier of ids rather than of encodings. Not
  // safe while another thread inserts.
  void bytes_of(uint64_t id, std::string& out) const;

 private:
  // A state is the string of its parts' numbers (varints of the part's
  // index in its table and the table's number), kept in its root shard's
  // table; the parts are kept once each in tables shared by all states,
  // sharded by the part's hash and locked while inserting.
  struct PartShard {
    mutable std::mutex lock;
    ByteTable table;
  };
  static constexpr unsigned kPartShardBits = 6;
  // A state's id: its root shard << kIdShift | its index in that shard.
  static constexpr unsigned kIdShift = 40;
  static constexpr uint64_t kIndexMask = (uint64_t{1} << kIdShift) - 1;
  static constexpr unsigned kPartShards = 1u << kPartShardBits;
  // The string of part numbers; false when some part is not stored (then
  // the state is not either).
  // Modes: insert the missing parts; look up and stop at the first missing
  // one; look up every part, recording into `known`; insert, taking the
  // numbers `known` has.
  enum class Mode { Insert, Find, FindAll, InsertKnown };
  bool parts_of(std::string_view bytes, std::span<const uint32_t> cuts, std::string& key, Mode mode,
                const KnownParts* given = nullptr, KnownParts* found = nullptr) const;

  unsigned nshards_;
  uint64_t serial_;  // this store's number, for the parts a thread saw last (Store.cpp)
  std::vector<std::unique_ptr<ByteTable>> roots_;
  mutable std::vector<std::unique_ptr<PartShard>> parts_;
};

class FingerprintStore {
 public:
  explicit FingerprintStore(unsigned shards = 1);
  unsigned shard_of(uint64_t hash) const { return static_cast<unsigned>(hash >> 58) % nshards_; }
  unsigned shards() const { return nshards_; }
  Inserted insert(std::string_view bytes, std::span<const uint32_t> cuts, uint64_t hash);
  std::optional<uint64_t> lookup(std::string_view bytes, std::span<const uint32_t> cuts,
                                 uint64_t hash) const;
  uint64_t size() const;
  uint64_t memory_bytes() const;
  // A second hash of an encoding, independent of hash_bytes (the bitstate
  // store's second bit position).
  static uint64_t fingerprint(std::string_view bytes);
  // The fingerprint kept for a state of hash `hash` (Store.cpp).
  static uint64_t fingerprint_of_hash(uint64_t hash);

 private:
  struct Shard {
    std::vector<uint64_t, HugePageAllocator<uint64_t>> slots;  // 0 = empty
    uint64_t count = 0;
  };
  static size_t position(uint64_t fp, size_t size);
  void grow(Shard& s);
  unsigned nshards_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

class BitstateStore {
 public:
  // 2^log2_bits bits, k bits set per state.
  BitstateStore(unsigned log2_bits, unsigned k);
  unsigned shard_of(uint64_t) const { return 0; }
  unsigned shards() const { return 1; }
  Inserted insert(std::string_view bytes, std::span<const uint32_t> cuts, uint64_t hash);
  std::optional<uint64_t> lookup(std::string_view bytes, std::span<const uint32_t> cuts,
                                 uint64_t hash) const;
  uint64_t size() const { return inserted_; }
  uint64_t memory_bytes() const { return bits_.size() * sizeof(uint64_t); }
  uint64_t bits() const { return uint64_t{1} << log2_bits_; }
  unsigned k() const { return k_; }
  // The chance that a lookup of a new state finds all its bits set already,
  // at the current fill: (1 - e^(-k n / M))^k.
  double false_positive_rate() const;

 private:
  void bit_positions(std::string_view bytes, uint64_t* out) const;
  unsigned log2_bits_;
  unsigned k_;
  std::vector<uint64_t> bits_;
  uint64_t inserted_ = 0;
};

}  // namespace lifecheck::checker
