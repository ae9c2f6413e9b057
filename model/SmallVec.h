// A vector that keeps its first N elements inside itself. The explored
// State is made of these, so that copying a State (once per transition)
// allocates nothing while a scenario stays within the inline capacities;
// a bigger one spills to the heap and behaves like std::vector.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace lifecheck::model {

template <class T, uint32_t N>
class SmallVec {
  static_assert(N > 0);

 public:
  using value_type = T;
  using size_type = size_t;
  using iterator = T*;
  using const_iterator = const T*;
  using reverse_iterator = std::reverse_iterator<T*>;
  using const_reverse_iterator = std::reverse_iterator<const T*>;
  using reference = T&;
  using const_reference = const T&;

  SmallVec() noexcept : ptr_(inline_data()) {}
  SmallVec(size_t n, const T& v) : SmallVec() { assign(n, v); }
  SmallVec(std::initializer_list<T> init) : SmallVec() { assign(init.begin(), init.end()); }
  template <class It, class = decltype(*std::declval<It>())>
  SmallVec(It first, It last) : SmallVec() {
    assign(first, last);
  }
  SmallVec(const SmallVec& other) : SmallVec() { copy_from(other); }
  SmallVec(SmallVec&& other) noexcept : SmallVec() { move_from(std::move(other)); }
  SmallVec& operator=(const SmallVec& other) {
    if (this != &other) {
      clear();
      copy_from(other);
    }
    return *this;
  }
  SmallVec& operator=(SmallVec&& other) noexcept {
    if (this != &other) {
      clear();
      release_heap();
      move_from(std::move(other));
    }
    return *this;
  }
  ~SmallVec() {
    clear();
    release_heap();
  }

  size_t size() const noexcept { return size_; }
  size_t capacity() const noexcept { return cap_; }
  bool empty() const noexcept { return size_ == 0; }
  T* data() noexcept { return ptr_; }
  const T* data() const noexcept { return ptr_; }
  T& operator[](size_t i) noexcept { return ptr_[i]; }
  const T& operator[](size_t i) const noexcept { return ptr_[i]; }
  T& front() noexcept { return ptr_[0]; }
  const T& front() const noexcept { return ptr_[0]; }
  T& back() noexcept { return ptr_[size_ - 1]; }
  const T& back() const noexcept { return ptr_[size_ - 1]; }
  T* begin() noexcept { return ptr_; }
  T* end() noexcept { return ptr_ + size_; }
  const T* begin() const noexcept { return ptr_; }
  const T* end() const noexcept { return ptr_ + size_; }
  reverse_iterator rbegin() noexcept { return reverse_iterator(end()); }
  reverse_iterator rend() noexcept { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const noexcept { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const noexcept { return const_reverse_iterator(begin()); }

  void reserve(size_t n) {
    if (n > cap_) grow_to(n);
  }
  void clear() noexcept {
    std::destroy(begin(), end());
    size_ = 0;
  }
  void push_back(const T& v) { emplace_back(v); }
  void push_back(T&& v) { emplace_back(std::move(v)); }
  template <class... Args>
  T& emplace_back(Args&&... args) {
    if (size_ == cap_) {
      T copy(std::forward<Args>(args)...);  // an argument may live in this vector
      grow_to(next_capacity(size_ + 1));
      ::new (static_cast<void*>(ptr_ + size_)) T(std::move(copy));
    } else {
      ::new (static_cast<void*>(ptr_ + size_)) T(std::forward<Args>(args)...);
    }
    return ptr_[size_++];
  }
  void pop_back() noexcept { std::destroy_at(ptr_ + --size_); }
  void resize(size_t n) {
    resize_with(n, [](T* p) { ::new (static_cast<void*>(p)) T(); });
  }
  void resize(size_t n, const T& v) {
    T copy(v);
    resize_with(n, [&](T* p) { ::new (static_cast<void*>(p)) T(copy); });
  }
  void assign(size_t n, const T& v) {
    T copy(v);
    clear();
    resize(n, copy);
  }
  template <class It>
  void assign(It first, It last) {
    clear();
    for (; first != last; ++first) emplace_back(*first);
  }

  T* insert(const T* pos, const T& v) { return insert(pos, &v, &v + 1); }
  template <class It>
  T* insert(const T* pos, It first, It last) {
    size_t at = static_cast<size_t>(pos - ptr_);
    size_t old = size_;
    for (; first != last; ++first) emplace_back(*first);
    std::rotate(ptr_ + at, ptr_ + old, ptr_ + size_);
    return ptr_ + at;
  }
  T* erase(const T* pos) { return erase(pos, pos + 1); }
  T* erase(const T* first, const T* last) {
    T* f = ptr_ + (first - ptr_);
    T* l = ptr_ + (last - ptr_);
    T* new_end = std::move(l, end(), f);
    std::destroy(new_end, end());
    size_ -= static_cast<uint32_t>(l - f);
    return f;
  }

  friend bool operator==(const SmallVec& a, const SmallVec& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  T* inline_data() noexcept { return std::launder(reinterpret_cast<T*>(inline_)); }
  bool on_heap() const noexcept { return cap_ > N; }
  static size_t next_capacity(size_t need) { return std::max<size_t>(need, size_t{N} * 2); }

  void release_heap() noexcept {
    if (on_heap()) {
      ::operator delete(ptr_, std::align_val_t(alignof(T)));
      ptr_ = inline_data();
      cap_ = N;
    }
  }

  void grow_to(size_t n) {
    size_t cap = std::max(n, size_t{cap_} * 2);
    T* fresh = static_cast<T*>(::operator new(cap * sizeof(T), std::align_val_t(alignof(T))));
    std::uninitialized_move(begin(), end(), fresh);
    std::destroy(begin(), end());
    release_heap();
    ptr_ = fresh;
    cap_ = static_cast<uint32_t>(cap);
  }

  template <class Make>
  void resize_with(size_t n, Make make) {
    if (n < size_) {
      std::destroy(ptr_ + n, end());
    } else {
      reserve(n);
      for (size_t i = size_; i < n; ++i) make(ptr_ + i);
    }
    size_ = static_cast<uint32_t>(n);
  }

  void copy_from(const SmallVec& other) {
    reserve(other.size_);
    if constexpr (std::is_trivially_copyable_v<T>)
      std::memcpy(static_cast<void*>(ptr_), other.ptr_, other.size_ * sizeof(T));
    else
      std::uninitialized_copy(other.begin(), other.end(), ptr_);
    size_ = other.size_;
  }

  void move_from(SmallVec&& other) noexcept {
    if (other.on_heap()) {
      ptr_ = other.ptr_;
      cap_ = other.cap_;
      size_ = other.size_;
      other.ptr_ = other.inline_data();
      other.cap_ = N;
      other.size_ = 0;
      return;
    }
    std::uninitialized_move(other.begin(), other.end(), ptr_);
    size_ = other.size_;
    other.clear();
  }

  T* ptr_;
  uint32_t size_ = 0;
  uint32_t cap_ = N;
  alignas(T) std::byte inline_[N * sizeof(T)];
};

}  // namespace lifecheck::model
