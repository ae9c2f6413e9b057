#include "checker/Store.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "checker/Hash.h"

namespace lifecheck::checker {

const char* store_name(StoreKind kind) {
  switch (kind) {
    case StoreKind::Exact:
      return "exact";
    case StoreKind::Fingerprint:
      return "fingerprint";
    case StoreKind::Bitstate:
      return "bitstate";
  }
  return "?";
}

namespace {
__extension__ typedef unsigned __int128 Wide;
constexpr uint64_t kTagMask = 0xFFFFFFFFull;
uint64_t tag_of(uint64_t hash) { return (hash >> 16) & kTagMask; }
std::atomic<uint64_t> next_store_serial{1};  // ExactStore::serial_
}  // namespace

// ---------------------------------------------------------------------------
// ByteTable

ByteTable::ByteTable() : slots_(16, 0), mask_(15) {}

std::string_view ByteTable::bytes_of(uint32_t index) const {
  return bytes_.view(offsets_[index], lengths_[index]);
}

size_t ByteTable::probe(std::string_view bytes, uint64_t hash) const {
  const uint64_t tag = tag_of(hash);
  size_t pos = hash & mask_;
  for (;;) {
    uint64_t slot = slots_[pos];
    if (slot == 0) return pos;
    if ((slot & kTagMask) == tag) {
      uint32_t index = static_cast<uint32_t>((slot >> 32) - 1);
      if (lengths_[index] == bytes.size() && bytes_of(index) == bytes) return pos;
    }
    pos = (pos + 1) & mask_;
  }
}

std::optional<uint32_t> ByteTable::find(std::string_view bytes, uint64_t hash) const {
  uint64_t slot = slots_[probe(bytes, hash)];
  if (slot == 0) return std::nullopt;
  return static_cast<uint32_t>((slot >> 32) - 1);
}

void ByteTable::grow() {
  decltype(slots_) bigger(slots_.size() * 2, 0);
  size_t mask = bigger.size() - 1;
  for (uint64_t slot : slots_) {
    if (slot == 0) continue;
    std::string_view b = bytes_of(static_cast<uint32_t>((slot >> 32) - 1));
    size_t pos = hash_bytes(b) & mask;
    while (bigger[pos] != 0) pos = (pos + 1) & mask;
    bigger[pos] = slot;
  }
  slots_.swap(bigger);
  mask_ = mask;
}

std::pair<uint32_t, bool> ByteTable::insert(std::string_view bytes, uint64_t hash) {
  size_t pos = probe(bytes, hash);
  if (slots_[pos] != 0) return {static_cast<uint32_t>((slots_[pos] >> 32) - 1), false};
  uint32_t index = static_cast<uint32_t>(offsets_.size());
  offsets_.push_back(bytes_.append(bytes));
  lengths_.push_back(static_cast<uint32_t>(bytes.size()));
  slots_[pos] = (static_cast<uint64_t>(index + 1) << 32) | tag_of(hash);
  if (offsets_.size() * 4 > slots_.size() * 3) grow();
  return {index, true};
}

size_t ByteTable::memory_bytes() const {
  const size_t blocks = bytes_.memory_bytes();
  return blocks + offsets_.capacity() * sizeof(uint64_t) + lengths_.capacity() * sizeof(uint32_t) +
         slots_.capacity() * sizeof(uint64_t);
}

// ---------------------------------------------------------------------------
// ExactStore

ExactStore::ExactStore(unsigned shards)
    : nshards_(shards ? shards : 1), serial_(next_store_serial.fetch_add(1)) {
  for (unsigned i = 0; i < nshards_; ++i) roots_.push_back(std::make_unique<ByteTable>());
  for (unsigned i = 0; i < kPartShards; ++i) parts_.push_back(std::make_unique<PartShard>());
}

namespace {
// The parts of the last state this thread looked up or inserted, with the
// numbers they had (kMissing: not stored then). A search looks up the
// successors of one state one after the other, and they share most of
// their parts with each other (a step changes one or two), so a part equal
// to the last state's part at the same place takes its number without
// being hashed or probed. Numbers never change once given (tables only
// grow), so a stored part's number stays right; a missing one is looked up
// again. `store` is the serial of the store the numbers belong to (serials
// are never reused, so a store made at a freed one's address starts
// afresh).
struct RecentParts {
  uint64_t store = 0;
  std::string bytes;
  uint8_t count = 0;
  uint32_t end[ExactStore::kMaxParts];
  uint32_t number[ExactStore::kMaxParts];
};
thread_local RecentParts recent;
}  // namespace

bool ExactStore::parts_of(std::string_view bytes, std::span<const uint32_t> cuts, std::string& key,
                          Mode mode, const KnownParts* given, KnownParts* found) const {
  // the part numbers written here, then copied into `key` at once
  char numbers[kMaxParts * 10];
  char* out = numbers;
  size_t begin = 0;
  bool all = true;
  RecentParts& last = recent;
  // (read once: the loop calls out, so members would be read again)
  const size_t last_count = last.store == serial_ ? last.count : 0;
  const char* const last_bytes = last.bytes.data();
  const uint32_t* const last_end = last.end;
  const uint32_t* const last_number = last.number;
  const size_t size = bytes.size();
  const size_t ncuts = std::min(cuts.size(), kMaxParts - 1);
  uint32_t end_of[kMaxParts], number_of[kMaxParts];
  size_t count = 0;
  for (size_t p = 0; p < kMaxParts; ++p) {
    size_t end = p < ncuts ? cuts[p] : size;
    if (end < begin || end > size) end = size;
    const std::string_view part(bytes.data() + begin, end - begin);
    uint64_t v = KnownParts::kMissing;  // the part's number: local << kPartShardBits | shard
    if (mode == Mode::InsertKnown && p < given->count) v = given->number[p];
    if (v == KnownParts::kMissing && p < last_count && last_number[p] != KnownParts::kMissing) {
      const size_t last_begin = p == 0 ? 0 : last_end[p - 1];
      if (last_end[p] - last_begin == part.size() &&
          std::memcmp(last_bytes + last_begin, part.data(), part.size()) == 0)
        v = last_number[p];
    }
    if (v == KnownParts::kMissing) {
      const uint64_t h = hash_bytes(part);
      const unsigned shard = static_cast<unsigned>(h >> (64 - kPartShardBits));
      PartShard& table = *parts_[shard];
      if (mode == Mode::Insert || mode == Mode::InsertKnown) {
        std::lock_guard<std::mutex> hold(table.lock);
        v = uint64_t{table.table.insert(part, h).first} << kPartShardBits | shard;
      } else if (auto index = table.table.find(part, h)) {
        v = uint64_t{*index} << kPartShardBits | shard;
      } else if (mode == Mode::Find) {
        return false;
      } else {
        all = false;
      }
    }
    end_of[p] = static_cast<uint32_t>(end);
    number_of[p] = v < KnownParts::kMissing ? static_cast<uint32_t>(v) : KnownParts::kMissing;
    count = p + 1;
    // the part's number as a varint: mostly one or two bytes
    for (; v >= 0x80; v >>= 7) *out++ = static_cast<char>((v & 0x7F) | 0x80);
    *out++ = static_cast<char>(v);
    begin = end;
    if (end == size) break;
  }
  if (mode == Mode::FindAll) {
    std::memcpy(found->number, number_of, count * sizeof(uint32_t));
    found->count = static_cast<uint8_t>(count);
  }
  key.assign(numbers, static_cast<size_t>(out - numbers));
  last.store = serial_;
  last.bytes.assign(bytes.data(), bytes.size());
  last.count = static_cast<uint8_t>(count);
  std::memcpy(last.end, end_of, count * sizeof(uint32_t));
  std::memcpy(last.number, number_of, count * sizeof(uint32_t));
  return all;
}

namespace {
thread_local std::string part_numbers;
}  // namespace

Inserted ExactStore::insert(std::string_view bytes, std::span<const uint32_t> cuts, uint64_t hash) {
  std::string& key = part_numbers;
  parts_of(bytes, cuts, key, Mode::Insert);
  const unsigned shard = shard_of(hash);
  auto [index, fresh] = roots_[shard]->insert(key, hash_bytes(key));
  return {static_cast<uint64_t>(shard) << kIdShift | index, fresh};
}

Inserted ExactStore::insert(std::string_view bytes, std::span<const uint32_t> cuts, uint64_t hash,
                            const KnownParts& known) {
  std::string& key = part_numbers;
  parts_of(bytes, cuts, key, Mode::InsertKnown, &known);
  const unsigned shard = shard_of(hash);
  auto [index, fresh] = roots_[shard]->insert(key, hash_bytes(key));
  return {static_cast<uint64_t>(shard) << kIdShift | index, fresh};
}

std::optional<uint64_t> ExactStore::lookup(std::string_view bytes, std::span<const uint32_t> cuts,
                                           uint64_t hash, KnownParts& known) const {
  std::string& key = part_numbers;
  if (!parts_of(bytes, cuts, key, Mode::FindAll, nullptr, &known)) return std::nullopt;
  const unsigned shard = shard_of(hash);
  auto index = roots_[shard]->find(key, hash_bytes(key));
  if (!index) return std::nullopt;
  return static_cast<uint64_t>(shard) << kIdShift | *index;
}

std::optional<uint64_t> ExactStore::lookup(std::string_view bytes, std::span<const uint32_t> cuts,
                                           uint64_t hash) const {
  std::string& key = part_numbers;
  if (!parts_of(bytes, cuts, key, Mode::Find)) return std::nullopt;
  const unsigned shard = shard_of(hash);
  auto index = roots_[shard]->find(key, hash_bytes(key));
  if (!index) return std::nullopt;
  return static_cast<uint64_t>(shard) << kIdShift | *index;
}

void ExactStore::bytes_of(uint64_t id, std::string& out) const {
  out.clear();
  const std::string_view key =
      roots_[id >> kIdShift]->bytes_of(static_cast<uint32_t>(id & kIndexMask));
  uint64_t v = 0;
  unsigned shift = 0;
  for (char ch : key) {  // the varints parts_of wrote
    const auto b = static_cast<uint8_t>(ch);
    v |= uint64_t{b & 0x7Fu} << shift;
    shift += 7;
    if (b & 0x80) continue;
    const unsigned shard = static_cast<unsigned>(v & (kPartShards - 1));
    out.append(parts_[shard]->table.bytes_of(static_cast<uint32_t>(v >> kPartShardBits)));
    v = 0;
    shift = 0;
  }
}

uint64_t ExactStore::size() const {
  uint64_t n = 0;
  for (const auto& r : roots_) n += r->size();
  return n;
}

uint64_t ExactStore::memory_bytes() const {
  uint64_t n = 0;
  for (const auto& r : roots_) n += r->memory_bytes();
  for (const auto& p : parts_) n += p->table.memory_bytes();
  return n;
}

// ---------------------------------------------------------------------------
// FingerprintStore: open addressing over 64-bit fingerprints, grown by half
// when three quarters full, so the table holds 10.7 to 16 bytes a state.

FingerprintStore::FingerprintStore(unsigned shards) : nshards_(shards ? shards : 1) {
  for (unsigned i = 0; i < nshards_; ++i) {
    auto s = std::make_unique<Shard>();
    s->slots.assign(64, 0);
    shards_.push_back(std::move(s));
  }
}

uint64_t FingerprintStore::fingerprint(std::string_view bytes) {
  // XXH3 again, seeded apart from the table hash (hash_bytes is XXH3 with
  // seed 0; a seeded XXH3 mixes the seed into every input word and, past
  // 240 bytes, draws its keys from it); never 0 (the empty mark).
  const uint64_t h = XXH3_64bits_withSeed(bytes.data(), bytes.size(), 0x243f6a8885a308d3ull);
  return h ? h : 1;
}

size_t FingerprintStore::position(uint64_t fp, size_t size) {
  return static_cast<size_t>((static_cast<Wide>(mix64(fp)) * size) >> 64);
}

void FingerprintStore::grow(Shard& s) {
  decltype(s.slots) bigger(s.slots.size() + s.slots.size() / 2, 0);
  for (uint64_t fp : s.slots) {
    if (fp == 0) continue;
    size_t p = position(fp, bigger.size());
    while (bigger[p] != 0) p = p + 1 == bigger.size() ? 0 : p + 1;
    bigger[p] = fp;
  }
  s.slots.swap(bigger);
}

// A state's fingerprint is its hash (hash_bytes of the encoding, which the
// search computed already), never 0 (the empty mark): hashing every byte a
// second time, with another function, would cost a pass over the encoding
// per transition and make wrong merges no rarer (two states merge when their
// 64-bit hashes are equal either way). The shard takes the top bits of the
// same hash, so two states of different shards never merge, and within a
// shard the rest of the bits decide: n^2 / 2^65 expected merges, as before.
uint64_t FingerprintStore::fingerprint_of_hash(uint64_t hash) { return hash ? hash : 1; }

Inserted FingerprintStore::insert(std::string_view, std::span<const uint32_t>, uint64_t hash) {
  const uint64_t fp = fingerprint_of_hash(hash);
  Shard& s = *shards_[shard_of(hash)];
  size_t p = position(fp, s.slots.size());
  while (s.slots[p] != 0) {
    if (s.slots[p] == fp) return {fp, false};
    p = p + 1 == s.slots.size() ? 0 : p + 1;
  }
  s.slots[p] = fp;
  if (++s.count * 4 > s.slots.size() * 3) grow(s);
  return {fp, true};
}

std::optional<uint64_t> FingerprintStore::lookup(std::string_view, std::span<const uint32_t>,
                                                 uint64_t hash) const {
  const uint64_t fp = fingerprint_of_hash(hash);
  const Shard& s = *shards_[shard_of(hash)];
  size_t p = position(fp, s.slots.size());
  while (s.slots[p] != 0) {
    if (s.slots[p] == fp) return fp;
    p = p + 1 == s.slots.size() ? 0 : p + 1;
  }
  return std::nullopt;
}

uint64_t FingerprintStore::size() const {
  uint64_t n = 0;
  for (const auto& s : shards_) n += s->count;
  return n;
}

uint64_t FingerprintStore::memory_bytes() const {
  uint64_t n = 0;
  for (const auto& s : shards_) n += s->slots.capacity() * sizeof(uint64_t);
  return n;
}

// ---------------------------------------------------------------------------
// BitstateStore: k positions from two independent hashes by enhanced double
// hashing, g_i = h1 + i h2 + (i^3 - i) / 6 (Dillinger and Manolios).

BitstateStore::BitstateStore(unsigned log2_bits, unsigned k)
    : log2_bits_(log2_bits < 6 ? 6 : log2_bits),
      k_(k == 0 ? 1 : k),
      bits_((uint64_t{1} << log2_bits_) / 64, 0) {}

void BitstateStore::bit_positions(std::string_view bytes, uint64_t* out) const {
  uint64_t h1 = hash_bytes(bytes);
  uint64_t h2 = FingerprintStore::fingerprint(bytes) | 1;
  const uint64_t mask = (uint64_t{1} << log2_bits_) - 1;
  for (uint64_t i = 0; i < k_; ++i) out[i] = (h1 + i * h2 + (i * i * i - i) / 6) & mask;
}

Inserted BitstateStore::insert(std::string_view bytes, std::span<const uint32_t>, uint64_t hash) {
  uint64_t pos[16];
  bit_positions(bytes, pos);
  bool fresh = false;
  for (unsigned i = 0; i < k_ && i < 16; ++i) {
    uint64_t bit = uint64_t{1} << (pos[i] % 64);
    if (!(bits_[pos[i] / 64] & bit)) {
      fresh = true;
      bits_[pos[i] / 64] |= bit;
    }
  }
  if (fresh) ++inserted_;
  return {hash, fresh};
}

std::optional<uint64_t> BitstateStore::lookup(std::string_view bytes, std::span<const uint32_t>,
                                              uint64_t hash) const {
  uint64_t pos[16];
  bit_positions(bytes, pos);
  for (unsigned i = 0; i < k_ && i < 16; ++i)
    if (!(bits_[pos[i] / 64] & (uint64_t{1} << (pos[i] % 64)))) return std::nullopt;
  return hash;
}

double BitstateStore::false_positive_rate() const {
  double m = static_cast<double>(bits());
  return std::pow(1.0 - std::exp(-static_cast<double>(k_) * static_cast<double>(inserted_) / m),
                  static_cast<double>(k_));
}

}  // namespace lifecheck::checker
