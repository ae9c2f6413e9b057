// What Footprint.cpp and FootprintPhases.cpp share: the parts of the
// runtime state a step changed (Footprint::changed) and the helpers both
// rules' footprints are computed with.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "model/Event.h"
#include "model/Footprint.h"

namespace lifecheck::model::footprint_detail {

// The parts of the runtime state a step changed (Footprint::changed), for
// the static rules.
enum Part : uint32_t {
  kPartGen0 = 1 << 0,          // the young generation's list (head, tail, size)
  kPartOtherLists = 1 << 1,    // any other GC list
  kPartCollecting = 1 << 2,    // gc.collecting: a collection started or ended
  kPartWorldStopped = 1 << 3,  // after the step only its thread runs: world stopped (F12)
                               // or a set member to choose (C1)
  kPartOtherThreads = 1 << 4,  // a thread other than the step's own (record, frames, values)
  kPartReentrant = 1 << 5,     // a gc.collect() that found a collection running, alone (I1)
  kPartTracksYoung = 1 << 6,   // an object it tracked is in the young generation after it (I2)
};

template <class T>
bool same_bytes(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <class T, uint32_t N>
bool same_items(const SmallVec<T, N>& a, const SmallVec<T, N>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same_bytes(a[i], b[i])) return false;
  return true;
}

// The objects thread t may read at s: what its stack, frames and the
// globals reach (Footprint.cpp's file comment).
ObjSet readable(const Program& program, const State& s, ThreadId t);
// Adds to `seen` what the objects of `work` (in `seen` already) reach the
// same way; empties `work`.
void reach_from(const Program& program, const State& s, ObjSet& seen, ObjList& work);
// Whether a running collection reads or moves x by its list or flags.
bool in_collection(const Object& x);
// Two objects alike but for their reference counts.
bool same_but_counts(Object a, Object b);
bool has_while_loop(const Program& program);
// Whether the program calls sys.getrefcount (the IsTracked op's count
// variant), the one Python-level read of an exact count.
bool has_refcount_query(const Program& program);

// I2 (FootprintPhases.cpp): sets fp's role, moved, counted, exact and
// (for a role) reads; and whether a collection's step c and a bystander's
// step x commute.
void phase_footprint(const Program& program, const State& before, const State& after, ThreadId t,
                     const std::vector<Event>& events, Footprint& fp);
bool phase_commutes(const Footprint& c, const Footprint& x);

}  // namespace lifecheck::model::footprint_detail
