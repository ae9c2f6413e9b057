// ExactStore remembers, per thread, the parts of the last state it looked up
// or inserted and their numbers, so that a part equal to the last state's
// part at the same place skips hashing and probing (checker/Store.cpp).
// Checked here: the numbers it reuses are right whatever came between
// (another store, a store freed and made again, parts inserted since,
// states whose parts shift), and the hash is the one the tables rehash with.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "checker/Hash.h"
#include "checker/Store.h"

namespace lifecheck::testing {
namespace {

// States made of a few pieces, as successors share most of theirs.
struct Maker {
  std::mt19937_64 rng;
  explicit Maker(uint64_t seed) : rng(seed) {}
  std::string next(std::vector<uint32_t>& cuts) {
    static const std::vector<std::string> pieces = {"hdr", "t-a", "t-bb", "obj1", "obj22", ""};
    std::string k;
    cuts.clear();
    const int parts = 2 + static_cast<int>(rng() % 6);
    for (int p = 0; p < parts; ++p) {
      k += pieces[rng() % pieces.size()] + std::to_string(rng() % 5);
      cuts.push_back(static_cast<uint32_t>(k.size()));
    }
    cuts.pop_back();
    return k;
  }
};

TEST(StoreParts, TwoStoresInTurnAndAStoreMadeAgain) {
  for (int round = 0; round < 3; ++round) {
    // a store made where a freed one was must not take that one's numbers
    auto a = std::make_unique<checker::ExactStore>(4);
    auto b = std::make_unique<checker::ExactStore>(1);
    std::set<std::string> in_a, in_b;
    Maker m(static_cast<uint64_t>(round) + 1);
    std::vector<uint32_t> cuts;
    for (int i = 0; i < 4000; ++i) {
      const std::string k = m.next(cuts);
      const uint64_t h = checker::hash_bytes(k);
      checker::ExactStore& s = i % 3 == 0 ? *b : *a;
      std::set<std::string>& kept = i % 3 == 0 ? in_b : in_a;
      checker::KnownParts known;
      const auto found = s.lookup(k, cuts, h, known);
      ASSERT_EQ(found.has_value(), kept.count(k) > 0) << i;
      ASSERT_EQ(s.lookup(k, cuts, h).has_value(), kept.count(k) > 0) << i;
      const checker::Inserted in = i % 2 ? s.insert(k, cuts, h, known) : s.insert(k, cuts, h);
      ASSERT_EQ(in.fresh, kept.insert(k).second) << i;
      if (found) {
        ASSERT_EQ(*found, in.id) << i;
      }
      std::string back;
      s.bytes_of(in.id, back);
      ASSERT_EQ(back, k) << i;
    }
    EXPECT_EQ(a->size(), in_a.size());
    EXPECT_EQ(b->size(), in_b.size());
    a.reset();
    auto again = std::make_unique<checker::ExactStore>(4);
    for (const std::string& k : in_a) {
      std::vector<uint32_t> no_cuts;
      EXPECT_FALSE(again->lookup(k, no_cuts, checker::hash_bytes(k)).has_value());
    }
  }
}

// Lengths around XXH3's 3, 8, 16, 128 and 240-byte paths hash apart, and
// equal bytes hash alike.
TEST(StoreParts, HashTellsLengthsAndBytesApart) {
  std::set<uint64_t> seen;
  std::string s;
  for (size_t n = 0; n < 300; ++n) {
    EXPECT_TRUE(seen.insert(checker::hash_bytes(s)).second) << n;
    EXPECT_EQ(checker::hash_bytes(s), checker::hash_bytes(std::string(s)));
    s.push_back('\0');
  }
  std::mt19937_64 rng(3);
  std::string base(260, 'x');
  for (char& c : base) c = static_cast<char>(rng());
  for (size_t len = 1; len <= base.size(); ++len)
    for (size_t i = 0; i < len; ++i) {
      std::string flipped = base.substr(0, len);
      flipped[i] = static_cast<char>(flipped[i] ^ 1);
      EXPECT_NE(checker::hash_bytes(flipped), checker::hash_bytes(base.substr(0, len)))
          << len << " " << i;
    }
}

}  // namespace
}  // namespace lifecheck::testing
