#include "checker/StateStore.h"

#include <cstring>

#include "checker/Hash.h"

namespace lifecheck::checker {

StateStore::StateStore() : table_(1 << 16, 0), mask_((1 << 16) - 1) {}

std::string_view StateStore::bytes_of(const Entry& e) const {
  return std::string_view(blocks_[e.block].get() + e.offset, e.length);
}

uint32_t StateStore::append(std::string_view bytes) {
  size_t capacity = blocks_.empty() ? 0 : block_sizes_.back();
  if (blocks_.empty() || block_used_ + bytes.size() > capacity) {
    size_t size = bytes.size() > kBlockSize ? bytes.size() : kBlockSize;
    blocks_.push_back(std::make_unique<char[]>(size));
    block_sizes_.push_back(size);
    block_used_ = 0;
  }
  uint32_t offset = static_cast<uint32_t>(block_used_);
  std::memcpy(blocks_.back().get() + offset, bytes.data(), bytes.size());
  block_used_ += bytes.size();
  return offset;
}

void StateStore::grow_table() {
  std::vector<uint32_t> bigger(table_.size() * 2, 0);
  size_t mask = bigger.size() - 1;
  for (uint32_t i = 0; i < entries_.size(); ++i) {
    size_t pos = entries_[i].hash & mask;
    while (bigger[pos] != 0) pos = (pos + 1) & mask;
    bigger[pos] = i + 1;
  }
  table_.swap(bigger);
  mask_ = mask;
}

size_t StateStore::slot_of(std::string_view bytes, uint64_t hash) const {
  size_t pos = hash & mask_;
  while (table_[pos] != 0) {
    const Entry& e = entries_[table_[pos] - 1];
    if (e.hash == hash && e.length == bytes.size() && bytes_of(e) == bytes) return pos;
    pos = (pos + 1) & mask_;
  }
  return pos;
}

uint32_t StateStore::find(std::string_view bytes) const {
  size_t pos = slot_of(bytes, hash_bytes(bytes));
  return table_[pos] != 0 ? table_[pos] - 1 : kAbsent;
}

std::pair<uint32_t, bool> StateStore::insert(std::string_view bytes) {
  uint64_t h = hash_bytes(bytes);
  size_t pos = slot_of(bytes, h);
  if (table_[pos] != 0) return {table_[pos] - 1, false};
  uint32_t offset = append(bytes);
  entries_.push_back(Entry{h, static_cast<uint32_t>(blocks_.size() - 1), offset,
                           static_cast<uint32_t>(bytes.size())});
  uint32_t index = static_cast<uint32_t>(entries_.size() - 1);
  table_[pos] = index + 1;
  if (entries_.size() * 2 > table_.size()) grow_table();
  return {index, true};
}

size_t StateStore::memory_bytes() const {
  size_t blocks = 0;
  for (size_t s : block_sizes_) blocks += s;
  return blocks + entries_.capacity() * sizeof(Entry) + table_.capacity() * sizeof(uint32_t);
}

}  // namespace lifecheck::checker
