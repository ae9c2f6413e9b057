// A set of object slots as a bitset (no allocation for up to 256 objects).
#pragma once

#include <cstdint>

#include "model/SmallVec.h"
#include "model/Value.h"

namespace lifecheck::model {

class ObjSet {
 public:
  explicit ObjSet(size_t slots = 0) : words_((slots + 63) / 64, 0) {}
  bool operator[](size_t o) const {
    return o / 64 < words_.size() && (words_[o / 64] >> (o % 64)) & 1;
  }
  // Adds o; returns false when it was there already.
  bool insert(size_t o) {
    if (o / 64 >= words_.size()) words_.resize(o / 64 + 1, 0);
    uint64_t bit = uint64_t{1} << (o % 64);
    if (words_[o / 64] & bit) return false;
    words_[o / 64] |= bit;
    return true;
  }
  bool intersects(const ObjSet& other) const {
    for (size_t i = 0; i < words_.size() && i < other.words_.size(); ++i)
      if (words_[i] & other.words_[i]) return true;
    return false;
  }

 private:
  SmallVec<uint64_t, 4> words_;
};

}  // namespace lifecheck::model
