// A small set of 64-bit ids with insert, erase and lookup (linear probing,
// backward-shift deletion): the states on a DFS stack. Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "checker/Hash.h"

namespace lifecheck::checker {

class IdSet {
 public:
  IdSet() : slots_(64, kEmpty), mask_(63) {}
  bool contains(uint64_t id) const {
    for (size_t p = home(id);; p = (p + 1) & mask_) {
      if (slots_[p] == kEmpty) return false;
      if (slots_[p] == id) return true;
    }
  }
  void insert(uint64_t id) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    size_t p = home(id);
    while (slots_[p] != kEmpty) {
      if (slots_[p] == id) return;
      p = (p + 1) & mask_;
    }
    slots_[p] = id;
    ++size_;
  }
  void erase(uint64_t id) {
    size_t p = home(id);
    while (slots_[p] != id) {
      if (slots_[p] == kEmpty) return;
      p = (p + 1) & mask_;
    }
    // shift back the entries after the hole that belong before it
    for (size_t q = (p + 1) & mask_; slots_[q] != kEmpty; q = (q + 1) & mask_) {
      size_t h = home(slots_[q]);
      if (((q - h) & mask_) >= ((q - p) & mask_)) {
        slots_[p] = slots_[q];
        p = q;
      }
    }
    slots_[p] = kEmpty;
    --size_;
  }
  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  size_t home(uint64_t id) const { return mix64(id) & mask_; }
  void grow() {
    std::vector<uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.size() * 2, kEmpty);
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (uint64_t id : old)
      if (id != kEmpty) insert(id);
  }
  std::vector<uint64_t> slots_;
  size_t mask_;
  size_t size_ = 0;
};

}  // namespace lifecheck::checker
