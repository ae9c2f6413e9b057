// The canonical encoding's internals (Canonical.h), shared by its three
// parts: Canonical.cpp writes the bytes, CanonicalThreads.cpp orders
// symmetric threads and names tracked objects, CanonicalDecode.cpp reads
// the bytes back. Not for use outside them.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "model/State.h"
#include "model/Symmetry.h"

namespace lifecheck::model::canonical {

// The layout, in order (v = unsigned varint, z = zigzag varint):
//   header: main_stage, threads_ended, gc flags, scheduled, final_rounds,
//           collected v, uncollectable v
//   globals: count v, values
//   threads (count v), each: status, flags, gc_pending, trash_nesting,
//           [exc v], trash (count v, ids), frames (count v, each: kind,
//           field mask v, the fields the mask names), values (count v, each),
//           operand stack (count v, values)
//   objects (count v), each: type, field mask, rc z, the fields the mask
//           names, used attribute count, attribute values, used item count,
//           item values
//   GC lists: per list, count v and ids in list order
//   gc.callbacks, gc.garbage, per-class attribute orders, expectation bytes,
//   warm call sites (count v, bytes: 0/1, a class call site 0-3), run-time __del__ per type
//   (count v, function ids v)
// A value is one byte (kind | small payload << 4) and, for a payload of 15
// or more, a varint with the rest. An object id is its discovery number;
// where "none" is possible, ids are stored plus one.

constexpr size_t kObjectsPerPart = 4;

// Frame fields, most common first so that a Body frame's mask is one byte.
constexpr uint32_t kFFunc = 1 << 0;
constexpr uint32_t kFPc = 1 << 1;
constexpr uint32_t kFBase = 1 << 2;
constexpr uint32_t kFCount = 1 << 3;
constexpr uint32_t kFStage = 1 << 4;
constexpr uint32_t kFFlags = 1 << 5;
constexpr uint32_t kFObj = 1 << 6;
constexpr uint32_t kFObj2 = 1 << 7;
constexpr uint32_t kFAux = 1 << 8;
constexpr uint32_t kFSavedExc = 1 << 9;
constexpr uint32_t kFRef = 1 << 10;  // free-threaded C slot frames
constexpr uint32_t kFLocked2 = 1 << 11;
constexpr uint32_t kFTouched = 1 << 12;

constexpr uint8_t kOFinalizeCount = 1 << 0;
constexpr uint8_t kOLength = 1 << 1;
constexpr uint8_t kOResourceOwner = 1 << 2;
constexpr uint8_t kOFlags = 1 << 3;
constexpr uint8_t kOLabel = 1 << 4;
constexpr uint8_t kOWlKey = 1 << 5;
constexpr uint8_t kOLocal = 1 << 6;    // free-threaded: ob_ref_local
constexpr uint8_t kOFtOwner = 1 << 7;  // free-threaded: ob_tid, ref state, lock, worklist place

constexpr uint32_t kSmallPayload = 15;

// The slots up to the last one that is set (not Unset, kind 0): what an
// object's attributes and items are encoded as. Without a loop, as it runs
// on every object of every encoding.
inline uint32_t used_slots(const std::array<Value, 8>& slots) {
  uint32_t set;
#if defined(__SSE2__)
  static_assert(sizeof(Value) == 4);
  const __m128i kinds = _mm_set1_epi32(0xF);
  const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(slots.data()));
  const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(slots.data() + 4));
  const __m128i zero = _mm_setzero_si128();
  const int unset_lo =
      _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(_mm_and_si128(lo, kinds), zero)));
  const int unset_hi =
      _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(_mm_and_si128(hi, kinds), zero)));
  set = ~static_cast<uint32_t>(unset_lo | unset_hi << 4) & 0xFFu;
#else
  set = 0;
  for (size_t i = 0; i < 8; ++i) set |= static_cast<uint32_t>((slots[i].raw() & 0xF) != 0) << i;
#endif
  return set ? 32 - static_cast<uint32_t>(std::countl_zero(set)) : 0;
}
static_assert(kMaxFields == 8 && kMaxItems == 8);
// A decoded C local `ref` whose object is gone: a slot no object has.
constexpr ObjId kDeadRef = kNoObj - 1;

// Buffers reused from one encoding to the next on the same thread, so that
// encoding a state allocates nothing.
struct Scratch {
  std::vector<ObjId> ids;    // slot -> discovery number (kNoObj: not yet)
  std::vector<ObjId> order;  // discovery number -> slot (the first Encoder::named_)
  std::vector<ThreadId> thread_order;
  std::vector<ThreadId> position;
  std::vector<ThreadId> sorted;
  std::vector<uint32_t> owned;   // per thread: its smallest (name, role) key (owned(); or empty)
  std::vector<int8_t> compared;  // per pair of threads a * n + b: compare(a, b) + 2, 0 not yet
  std::vector<uint8_t> used;     // per name: used attribute and item slots (number_objects)
  std::string best, trial;       // the permutation search at ties
  std::vector<uint8_t> warm;     // State::warm with the threads' own sites in their places
  // The bytes being written, then copied out: growing a std::string to the
  // upper bound would zero-fill kilobytes for a few hundred bytes written.
  // char8_t, unlike uint8_t (unsigned char), may not alias other types, so
  // the compiler keeps the write position and what the encoder reads in
  // registers across the writes instead of reloading them after each.
  std::unique_ptr<char8_t[]> buffer;
  size_t buffer_size = 0;
};
extern thread_local Scratch scratch;

class Encoder {
 public:
  Encoder(const State& state, const ThreadSymmetry* symmetry) : s_(state), sc_(scratch) {
    name_tracked();
    order_threads(symmetry);
  }

  // Threads a symmetry class cannot order by what they do alone (see
  // before()) but that differ in the untracked objects they hold or own:
  // their order changes the bytes. Returns the positions of each tied run
  // of a class's order where that may be so.
  std::vector<std::vector<ThreadId>> ambiguous_ties() const;
  // The thread order with each run's threads permuted by `perms` (for run
  // r, a permutation of 0..size-1), and the tracked names again.
  void reorder(const std::vector<std::vector<ThreadId>>& runs,
               const std::vector<std::vector<ThreadId>>& perms);
  // The encoding, and the ends of its parts when `cuts` is not null.
  void run(std::string& out, std::vector<uint32_t>* cuts);

 private:
  // (through ids_ and order_, sized for every slot by name_tracked(): no
  // push_back whose growth path would make the compiler reload them)
  void discover(ObjId o) {
    // (the name first: most objects met are named already, and a named
    // object is live)
    if (o >= nobjects_ || ids_[o] != kNoObj || !s_.objects[o].live) return;
    ids_[o] = static_cast<ObjId>(named_);
    order_[named_++] = o;
  }
  void discover(Value v) {
    if (v.points_at_object()) discover(v.obj());
  }

  // CanonicalThreads.cpp
  void name_tracked();
  bool holds_untracked(const Thread& t) const;
  void order_threads(const ThreadSymmetry* sym);
  bool before(const Thread& a, const Thread& b) const;
  int compare(const Thread& a, const Thread& b) const;
  int compare_once(const Thread& a, const Thread& b) const;
  uint32_t object_key(ObjId o) const;
  uint32_t owned(size_t t) const;

  // A Body frame's function, a symmetric thread's body standing for its
  // class's; other frames keep `func`, which names a type there.
  uint16_t func(const Frame& f) const {
    if (f.kind != FrameKind::Body || !func_rep_ || f.func >= func_rep_->size()) return f.func;
    return (*func_rep_)[f.func];
  }
  size_t thread_id(const Thread& t) const { return static_cast<size_t>(&t - s_.threads.data()); }

  uint32_t rename(ObjId o) const { return o < nobjects_ && ids_[o] != kNoObj ? ids_[o] : 0xFFFFu; }
  bool known(ObjId o) const { return o < nobjects_ && ids_[o] != kNoObj; }
  // A frame may keep the number of an object released since (a finished
  // step); like "none", it designates nothing any more.
  uint32_t id_or_none(ObjId o) const { return known(o) ? ids_[o] + 1 : 0; }

  // The writers take the write position as a local (the functions that
  // write much copy p_ into one and back): a member would be stored back
  // after every byte, since the state's uint8_t fields read in between may
  // alias it.
  static void put8(char8_t*& p, uint8_t v) { *p++ = static_cast<char8_t>(v); }
  static void putv(char8_t*& p, uint32_t v) {
    while (v >= 0x80) {
      *p++ = static_cast<char8_t>(v | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<char8_t>(v);
  }
  void put8(uint8_t v) { put8(p_, v); }
  void putv(uint32_t v) { putv(p_, v); }
  static uint32_t zigzag(int32_t v) {
    return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
  }

  // A C local `ref` and its serial (CApiFreeThreaded.cpp): all the model
  // can tell of it is whether it still names the object it was set to
  // (ref_alive_id); once that died, whatever lives in its slot later does
  // not matter, and a decoded state's dead ref (kDeadRef) names a slot
  // never reused. 1: dead; 2 + 2*name + 1: alive (2 + 2*name, which
  // decoding still reads as another object in its slot, is not written).
  uint32_t ref_code(const Frame& f) const {
    if (!ref_alive(f) || !known(f.ref)) return 1;
    return 2 + 2 * rename(f.ref) + 1;
  }
  bool ref_alive(const Frame& f) const { return held_ref(s_, f) != kNoObj; }
  uint8_t thread_position(ThreadId t) const {
    return t == kNoThread || t >= sc_.position.size() ? kNoThread : sc_.position[t];
  }

  // Canonical.cpp
  void number_objects();
  // (inline: it runs for every value of every encoding)
  [[gnu::always_inline]] void put_value(char8_t*& p, Value v) const {
    uint32_t payload;
    switch (v.kind()) {
      case ValueKind::Obj:
      case ValueKind::Stale:
        payload = rename(v.obj());
        break;
      case ValueKind::Int:
        payload = zigzag(v.integer());
        break;
      default:
        payload = v.payload();
        break;
    }
    uint32_t small = std::min(payload, kSmallPayload);
    put8(p, static_cast<uint8_t>(static_cast<uint32_t>(v.kind()) | (small << 4)));
    if (small == kSmallPayload) putv(p, payload - kSmallPayload);
  }
  void put_value(Value v) { put_value(p_, v); }
  void put_thread(const Thread& th);
  void put_frame(const Frame& f);
  void put_object(const Object& x, uint32_t used, uint32_t items);

  const State& s_;
  Scratch& sc_;
  // sc_.ids and sc_.order (name_tracked()): slot -> name, name -> slot, and
  // how many objects are named so far
  ObjId* ids_ = nullptr;
  ObjId* order_ = nullptr;
  size_t nobjects_ = 0;
  size_t named_ = 0;
  const std::vector<FuncId>* func_rep_ = nullptr;
  const ThreadSymmetry* sym_ = nullptr;
  char8_t* p_ = nullptr;
};

// Every order of the tied runs, smallest bytes kept (CanonicalThreads.cpp).
void encode_at_ties(Encoder& first, const std::vector<std::vector<ThreadId>>& runs,
                    std::string& out, std::vector<uint32_t>* cuts);

}  // namespace lifecheck::model::canonical
