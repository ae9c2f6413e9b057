// The strong references an object owns, by what its type stores: the one
// definition the independent oracles (Reachability.cpp) and partial-order
// reduction (Independence.cpp) walk. The collector's own tp_traverse
// (Collector.cpp) stays separate on purpose: the oracles check it.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "model/Program.h"
#include "model/State.h"

namespace lifecheck::model {

static_assert(kMaxFields == 8 && kMaxItems == 8);

// Bit i set where slots[i] is an object reference (ValueKind::Obj): the
// slots visited without a test and branch per slot (most are not).
inline uint32_t object_slots(const std::array<Value, 8>& slots) {
#if defined(__SSE2__)
  static_assert(sizeof(Value) == 4);
  const __m128i kinds = _mm_set1_epi32(0xF);
  const __m128i obj = _mm_set1_epi32(static_cast<int>(ValueKind::Obj));
  const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(slots.data()));
  const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(slots.data() + 4));
  const int in_lo =
      _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(_mm_and_si128(lo, kinds), obj)));
  const int in_hi =
      _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(_mm_and_si128(hi, kinds), obj)));
  return static_cast<uint32_t>(in_lo | in_hi << 4);
#else
  uint32_t set = 0;
  for (size_t i = 0; i < 8; ++i) set |= static_cast<uint32_t>(slots[i].is_obj()) << i;
  return set;
#endif
}

// visit(o) for each object reference among the slots, in slot order.
template <class Visit>
void for_each_object_slot(const std::array<Value, 8>& slots, Visit& visit) {
  for (uint32_t set = object_slots(slots); set != 0; set &= set - 1)
    visit(slots[static_cast<size_t>(std::countr_zero(set))].obj());
}

template <class Visit>
void for_each_owned(const Program& program, const Object& x, Visit visit) {
  switch (program.types[x.type].kind) {
    case TypeKind::PyClass:
    case TypeKind::CType:
    case TypeKind::List:
    case TypeKind::Tuple:
    case TypeKind::Dict:
    case TypeKind::Set:
    case TypeKind::Exception:
    case TypeKind::FrameObject:
    case TypeKind::Generator:  // its suspended frame (items; fields hold no objects)
    case TypeKind::Function:   // its closure and defaults tuples, __dict__ (Functions.cpp)
    case TypeKind::Cell:       // its contents
    case TypeKind::Deque:      // stale pointers (Py_DECREF without NULL) own nothing
    // its threads' dicts (ThreadLocal.cpp)
    case TypeKind::ThreadLocal:
    case TypeKind::Partial:  // fn, args, kw (Partial.cpp)
      for_each_object_slot(x.fields, visit);
      for_each_object_slot(x.items, visit);
      break;
    case TypeKind::Weakref:  // (a WeakMethod: its _func_ref too, WM6)
      if (x.fields[kWeakMethodFuncRef].is_obj()) visit(x.fields[kWeakMethodFuncRef].obj());
      if (x.fields[kWeakrefCallback].is_obj()) visit(x.fields[kWeakrefCallback].obj());
      break;
    case TypeKind::Method:
      if (x.fields[kMethodSelf].is_obj()) visit(x.fields[kMethodSelf].obj());
      break;
    case TypeKind::Lock:  // owns no object (Locks.cpp)
      break;
  }
}

}  // namespace lifecheck::model
