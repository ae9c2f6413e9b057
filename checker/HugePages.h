// An allocator for the search's large arrays (visited-set tables, kept
// states, byte blocks) that asks the kernel for transparent huge pages on
// them (madvise(MADV_HUGEPAGE); Linux's default policy gives them only to
// memory that asks). A large table then costs one page fault and one TLB
// entry per 2 MiB instead of per 4 KiB (B1 with four threads on one job:
// 11,236 page faults instead of 34,098, at the same peak RSS; first
// touches were about a tenth of its time). Smaller arrays, and systems
// without the advice, get ordinary memory.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

namespace lifecheck::checker {

inline constexpr size_t kHugePage = size_t{2} << 20;

// `bytes` of memory aligned to a huge page and advised to use them, or
// null below a huge page (the caller then uses ordinary memory).
inline void* huge_page_alloc(size_t bytes) {
  if (bytes < kHugePage) return nullptr;
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  (void)madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure changes nothing
#endif
  return p;
}

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    if (void* p = huge_page_alloc(n * sizeof(T))) return static_cast<T*>(p);
    return std::allocator<T>{}.allocate(n);
  }
  void deallocate(T* p, size_t n) noexcept {
    if (n * sizeof(T) >= kHugePage)
      std::free(p);
    else
      std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace lifecheck::checker
