// Byte strings appended into blocks that never move. A std::string grown
// by appending doubles, copies everything at each doubling and can hold
// twice what it needs at its peak; here a piece stays where it was put and
// is named by a handle (block << 32 | offset). Blocks start small and
// grow fourfold up to 2 MiB (a store has many small tables), a huge page
// (HugePages.h); a piece larger than a block gets a block of its own. Not
// thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <vector>

#include "checker/HugePages.h"

namespace lifecheck::checker {

class ByteArena {
 public:
  ByteArena() = default;
  ByteArena(ByteArena&&) noexcept = default;
  ByteArena& operator=(ByteArena&&) noexcept = default;
  ByteArena(const ByteArena&) = delete;
  ByteArena& operator=(const ByteArena&) = delete;

  // Appends `a` then `b` as one piece; returns its handle.
  uint64_t append(std::string_view a, std::string_view b = {}) {
    const size_t n = a.size() + b.size();
    if (current_ == kNone || used_ + n > sizes_[current_]) next_block(n);
    char* at = blocks_[current_].get() + used_;
    if (!a.empty()) std::memcpy(at, a.data(), a.size());
    if (!b.empty()) std::memcpy(at + a.size(), b.data(), b.size());
    const uint64_t handle = uint64_t{current_} << 32 | used_;
    used_ += n;
    return handle;
  }

  std::string_view view(uint64_t handle, size_t length) const {
    return {blocks_[handle >> 32].get() + (handle & 0xFFFFFFFFu), length};
  }

  // Forgets every piece; the blocks are kept to be filled again.
  void clear() {
    current_ = kNone;
    used_ = 0;
  }

  // The bytes held: every block before the current one, and of the current
  // one the pages written (a block is not zeroed when allocated, so the
  // pages not yet written are not resident).
  size_t memory_bytes() const {
    constexpr size_t kPage = 4096;
    if (current_ == kNone) return 0;
    size_t n = 0;
    for (uint32_t b = 0; b < current_; ++b) n += sizes_[b];
    return n + std::min(sizes_[current_], (used_ + kPage - 1) / kPage * kPage);
  }

 private:
  static constexpr size_t kBlock = kHugePage;
  static constexpr size_t kFirst = 4096;
  static constexpr uint32_t kNone = UINT32_MAX;

  void next_block(size_t n) {
    // A kept block (after clear()) is reused when the piece fits.
    const uint32_t next = current_ == kNone ? 0 : current_ + 1;
    used_ = 0;
    if (next < blocks_.size() && n <= sizes_[next]) {
      current_ = next;
      return;
    }
    size_t size = sizes_.empty() ? kFirst : std::min(kBlock, sizes_.back() * 4);
    size = std::max(size, n);
    // Blocks past `next` (kept from an earlier fill) are dropped: the
    // handles number blocks in fill order.
    blocks_.resize(next);
    sizes_.resize(next);
    void* block = huge_page_alloc(size);
    if (block == nullptr) block = std::malloc(size);
    if (block == nullptr) throw std::bad_alloc();
    blocks_.emplace_back(static_cast<char*>(block));
    sizes_.push_back(size);
    current_ = next;
  }

  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  std::vector<std::unique_ptr<char[], Free>> blocks_;
  std::vector<size_t> sizes_;
  uint32_t current_ = kNone;
  size_t used_ = 0;  // in the current block
};

}  // namespace lifecheck::checker
