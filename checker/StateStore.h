// The visited set: every distinct encoded state, stored once in an arena.
// Exact: a lookup compares the bytes, so two states are merged only when
// their encodings are equal. Indices are assigned in insertion order.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace lifecheck::checker {

class StateStore {
 public:
  StateStore();

  // Returns the state's index and whether it was new.
  std::pair<uint32_t, bool> insert(std::string_view bytes);
  // The state's index, or kAbsent.
  uint32_t find(std::string_view bytes) const;
  static constexpr uint32_t kAbsent = UINT32_MAX;
  size_t size() const { return entries_.size(); }
  // Bytes held: arena blocks, entry table and hash table.
  size_t memory_bytes() const;

 private:
  struct Entry {
    uint64_t hash;
    uint32_t block;
    uint32_t offset;
    uint32_t length;
  };
  std::string_view bytes_of(const Entry& e) const;
  // Where the bytes are in the table, or the empty slot they would take.
  size_t slot_of(std::string_view bytes, uint64_t hash) const;
  void grow_table();
  uint32_t append(std::string_view bytes);

  static constexpr size_t kBlockSize = 1 << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<size_t> block_sizes_;
  size_t block_used_ = 0;
  std::vector<Entry> entries_;
  std::vector<uint32_t> table_;  // entry index + 1; 0 = empty
  size_t mask_ = 0;
};

}  // namespace lifecheck::checker
