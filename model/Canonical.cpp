#include "model/Canonical.h"

#include <algorithm>
#include <memory>
#include <tuple>
#include <vector>

namespace lifecheck::model {

namespace {

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
//   warm list.append sites (count v, bytes), run-time __del__ per type
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
constexpr uint8_t kOFtOwner = 1 << 7;  // free-threaded: ob_tid, ref state, critical section

constexpr uint32_t kSmallPayload = 15;
// A decoded C local `ref` whose object is gone: a slot no object has.
constexpr ObjId kDeadRef = kNoObj - 1;

// Buffers reused from one encoding to the next on the same thread, so that
// encoding a state allocates nothing.
struct Scratch {
  std::vector<ObjId> ids;    // slot -> discovery number (kNoObj: not yet)
  std::vector<ObjId> order;  // discovery number -> slot
  std::vector<ThreadId> thread_order;
  std::vector<ThreadId> position;
  std::vector<ThreadId> sorted;
  std::vector<uint32_t> owned;  // per thread: the smallest name of an object it owns
  std::string best, trial;      // the permutation search at ties
  // The bytes being written, then copied out: growing a std::string to the
  // upper bound would zero-fill kilobytes for a few hundred bytes written.
  std::unique_ptr<uint8_t[]> buffer;
  size_t buffer_size = 0;
};
thread_local Scratch scratch;

size_t upper_bound(const State& s) {
  size_t n = 64 + s.globals.size() * 6 + s.threads.size() * 24;
  for (const Thread& th : s.threads)
    n += th.trash.size() * 3 + th.frames.size() * (3 + 12 * 5) + th.values.size() * 6 +
         th.stack.size() * 6 + 3;
  n += s.objects.size() * (16 + 6 * 5 + (kMaxFields + kMaxItems) * 6 + 1);
  n += kNumLists * 3 + s.objects.size() * 3;
  n += 6 + s.gc.callbacks.size() * 3 + s.gc.garbage.size() * 3;
  n += s.class_key_count.size() * (1 + kMaxFields) + 3 + s.expect_state.size();
  n += 3 + s.warm.size();
  n += 3 + s.class_del.size() * 3;
  return n;
}

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
  std::vector<std::vector<ThreadId>> ambiguous_ties() const {
    std::vector<std::vector<ThreadId>> out;
    if (!sym_ || !sym_->any) return out;
    for (const std::vector<ThreadId>& members : sym_->classes) {
      size_t i = 0;
      while (i < members.size()) {
        size_t j = i + 1;
        const Thread& a = s_.threads[sc_.thread_order[members[i]]];
        while (j < members.size() && !before(a, s_.threads[sc_.thread_order[members[j]]]) &&
               !before(s_.threads[sc_.thread_order[members[j]]], a))
          ++j;
        if (j - i > 1 && holds_untracked(a))
          out.emplace_back(members.begin() + static_cast<long>(i),
                           members.begin() + static_cast<long>(j));
        i = j;
      }
    }
    return out;
  }

  // The thread order with each run's threads permuted by `perms` (for run
  // r, a permutation of 0..size-1), and the tracked names again.
  void reorder(const std::vector<std::vector<ThreadId>>& runs,
               const std::vector<std::vector<ThreadId>>& perms) {
    for (size_t r = 0; r < runs.size(); ++r) {
      sc_.sorted.clear();
      for (ThreadId pos : runs[r]) sc_.sorted.push_back(sc_.thread_order[pos]);
      for (size_t k = 0; k < runs[r].size(); ++k)
        sc_.thread_order[runs[r][k]] = sc_.sorted[perms[r][k]];
    }
    for (size_t pos = 0; pos < sc_.thread_order.size(); ++pos)
      sc_.position[sc_.thread_order[pos]] = static_cast<ThreadId>(pos);
    name_tracked();
  }

  void run(std::string& out, std::vector<uint32_t>* cuts) {
    number_objects();
    const size_t bound = upper_bound(s_);
    if (sc_.buffer_size < bound) {
      sc_.buffer_size = std::max(bound, 2 * sc_.buffer_size);
      sc_.buffer = std::make_unique_for_overwrite<uint8_t[]>(sc_.buffer_size);
    }
    p_ = sc_.buffer.get();
    uint8_t* const start = p_;
    put8(static_cast<uint8_t>(s_.main_stage));
    put8(s_.threads_ended);
    const GcState& gc = s_.gc;
    put8(static_cast<uint8_t>(gc.collecting | (gc.final_running << 1) | (gc.start_called << 2) |
                              (gc.stop_called << 3) | (gc.auto_enabled << 4) |
                              (gc.visited_space << 5) | (gc.incremental_collecting << 6) |
                              (gc.debug_saveall << 7)));
    put8(gc.scheduled);
    put8(gc.final_rounds);
    put8(thread_position(gc.stopped_by));
    putv(gc.collected);
    putv(gc.uncollectable);
    putv(static_cast<uint32_t>(s_.globals.size()));
    for (Value v : s_.globals) put_value(v);
    putv(static_cast<uint32_t>(s_.threads.size()));
    auto cut = [&] {
      if (cuts) cuts->push_back(static_cast<uint32_t>(p_ - start));
    };
    if (cuts) cuts->clear();
    // Parts for the store (checker/Store.h): the header, each thread, the
    // objects a few at a time, the rest; a step changes few of them.
    cut();
    for (ThreadId t : sc_.thread_order) {
      put_thread(s_.threads[t]);
      cut();
    }
    putv(static_cast<uint32_t>(sc_.order.size()));
    for (size_t k = 0; k < sc_.order.size(); ++k) {
      put_object(s_.objects[sc_.order[k]]);
      if (k % kObjectsPerPart == kObjectsPerPart - 1) cut();
    }
    cut();
    for (int l = 0; l < kNumLists; ++l) {
      const GcList& list = gc.lists[l];
      putv(list.size);
      for (ObjId o = list.head; o != kNoObj; o = s_.objects[o].next) putv(rename(o));
    }
    putv(static_cast<uint32_t>(gc.callbacks.size()));
    for (FuncId f : gc.callbacks) putv(f);
    putv(static_cast<uint32_t>(gc.garbage.size()));
    for (ObjId o : gc.garbage) putv(rename(o));
    putv(static_cast<uint32_t>(s_.class_key_count.size()));
    for (size_t t = 0; t < s_.class_key_count.size(); ++t) {
      put8(s_.class_key_count[t]);
      for (uint8_t i = 0; i < s_.class_key_count[t]; ++i) put8(s_.class_keys[t][i]);
    }
    putv(static_cast<uint32_t>(s_.expect_state.size()));
    for (uint8_t b : s_.expect_state) put8(b);
    putv(static_cast<uint32_t>(s_.warm.size()));
    for (uint8_t b : s_.warm) put8(b);
    putv(static_cast<uint32_t>(s_.class_del.size()));
    for (FuncId f : s_.class_del) putv(f);
    out.assign(reinterpret_cast<const char*>(start), static_cast<size_t>(p_ - start));
  }

 private:
  void discover(ObjId o) {
    if (o >= sc_.ids.size() || !s_.objects[o].live || sc_.ids[o] != kNoObj) return;
    sc_.ids[o] = static_cast<ObjId>(sc_.order.size());
    sc_.order.push_back(o);
  }
  void discover(Value v) {
    if (v.points_at_object()) discover(v.obj());
  }

  // The order threads are encoded in: their own, except that within a
  // symmetry class they are sorted by what they are doing, ignoring object
  // identities (ties keep their order, which is sound, merely less merging).
  void name_tracked() {
    sc_.ids.assign(s_.objects.size(), kNoObj);
    sc_.order.clear();
    // Tracked objects are named by their place in the GC lists first: that
    // needs no thread order, and lets the thread order use those names.
    for (int l = 0; l < kNumLists; ++l)
      for (ObjId o = s_.gc.lists[l].head; o != kNoObj; o = s_.objects[o].next) discover(o);
  }

  // Whether a thread refers to an untracked object, or owns an object's
  // resource that is not tracked: the objects its order names.
  bool holds_untracked(const Thread& t) const {
    auto untracked = [&](ObjId o) {
      return o < sc_.ids.size() && s_.objects[o].live && sc_.ids[o] == kNoObj;
    };
    for (const Frame& f : t.frames)
      if (untracked(f.obj) || untracked(f.obj2)) return true;
    for (Value v : t.values)
      if (v.points_at_object() && untracked(v.obj())) return true;
    for (Value v : t.stack)
      if (v.points_at_object() && untracked(v.obj())) return true;
    for (ObjId o : t.trash)
      if (untracked(o)) return true;
    const ThreadId id = static_cast<ThreadId>(&t - s_.threads.data());
    for (ObjId o : t.merge_queue)
      if (untracked(o)) return true;
    for (size_t o = 0; o < s_.objects.size(); ++o) {
      const Object& x = s_.objects[o];
      if (x.live && sc_.ids[o] == kNoObj &&
          (x.resource_owner == id || x.owner == id || x.locked_by == id))
        return true;
    }
    return false;
  }

  void order_threads(const ThreadSymmetry* sym) {
    sym_ = sym;
    const size_t n = s_.threads.size();
    // The objects threads own (resource affinity) tell identical threads
    // apart: each thread's smallest owned tracked name.
    sc_.owned.assign(n, UINT32_MAX);
    if (sym && sym->any)
      for (size_t o = 0; o < s_.objects.size(); ++o) {
        const Object& x = s_.objects[o];
        if (!x.live || sc_.ids[o] == kNoObj) continue;
        for (ThreadId t : {x.resource_owner, x.owner, x.locked_by})
          if (t < n) sc_.owned[t] = std::min<uint32_t>(sc_.owned[t], sc_.ids[o]);
      }
    sc_.thread_order.resize(n);
    for (size_t t = 0; t < n; ++t) sc_.thread_order[t] = static_cast<ThreadId>(t);
    sc_.position.assign(n, 0);
    if (sym && sym->any) {
      func_rep_ = &sym->func_rep;
      for (const std::vector<ThreadId>& members : sym->classes) {
        sc_.sorted.assign(members.begin(), members.end());
        // insertion sort: classes are small, and it is stable
        for (size_t i = 1; i < sc_.sorted.size(); ++i)
          for (size_t j = i;
               j > 0 && before(s_.threads[sc_.sorted[j]], s_.threads[sc_.sorted[j - 1]]); --j)
            std::swap(sc_.sorted[j], sc_.sorted[j - 1]);
        for (size_t k = 0; k < members.size(); ++k) sc_.thread_order[members[k]] = sc_.sorted[k];
      }
    }
    for (size_t pos = 0; pos < n; ++pos)
      sc_.position[sc_.thread_order[pos]] = static_cast<ThreadId>(pos);
  }

  // A Body frame's function, a symmetric thread's body standing for its
  // class's; other frames keep `func`, which names a type there.
  uint16_t func(const Frame& f) const {
    if (f.kind != FrameKind::Body || !func_rep_ || f.func >= func_rep_->size()) return f.func;
    return (*func_rep_)[f.func];
  }

  // A total order on what a thread is doing that does not depend on how
  // threads or object slots are numbered: status, then its frames (kind,
  // stage, flags, function, position, the objects they work on), then its
  // values. Objects compare by their names where they have one already
  // (tracked objects: their place in the GC lists), else by type. Ties
  // keep their order: sound, merely less merging (and rare).
  bool before(const Thread& a, const Thread& b) const {
    auto head = [](const Thread& t) {
      return std::tuple(t.status, t.has_exc, t.detached, t.gc_pending, t.trash_nesting,
                        t.frames.size(), t.values.size(), t.stack.size(), t.trash.size(),
                        t.merge_queue.size());
    };
    if (head(a) != head(b)) return head(a) < head(b);
    for (size_t i = 0; i < a.frames.size(); ++i) {
      auto key = [&](const Frame& f) {
        return std::tuple(f.kind, f.stage, f.flags, func(f), f.pc, f.count, f.aux, f.base,
                          f.saved_exc, object_key(f.obj), object_key(f.obj2),
                          ref_alive(f)      ? object_key(f.ref)
                          : f.ref == kNoObj ? 0u
                                            : 1u,
                          object_key(f.locked2), f.touched);
      };
      if (key(a.frames[i]) != key(b.frames[i])) return key(a.frames[i]) < key(b.frames[i]);
    }
    for (size_t i = 0; i < a.values.size(); ++i) {
      auto key = [&](Value v) {
        return std::tuple(v.kind(), v.points_at_object() ? object_key(v.obj()) : v.payload());
      };
      if (key(a.values[i]) != key(b.values[i])) return key(a.values[i]) < key(b.values[i]);
    }
    for (size_t i = 0; i < a.stack.size(); ++i) {
      auto key = [&](Value v) {
        return std::tuple(v.kind(), v.points_at_object() ? object_key(v.obj()) : v.payload());
      };
      if (key(a.stack[i]) != key(b.stack[i])) return key(a.stack[i]) < key(b.stack[i]);
    }
    for (size_t i = 0; i < a.trash.size(); ++i)
      if (object_key(a.trash[i]) != object_key(b.trash[i]))
        return object_key(a.trash[i]) < object_key(b.trash[i]);
    for (size_t i = 0; i < a.merge_queue.size(); ++i)
      if (object_key(a.merge_queue[i]) != object_key(b.merge_queue[i]))
        return object_key(a.merge_queue[i]) < object_key(b.merge_queue[i]);
    const bool a_stops = s_.gc.stopped_by == thread_id(a);
    const bool b_stops = s_.gc.stopped_by == thread_id(b);
    if (a_stops != b_stops) return a_stops;
    if (a.has_exc != b.has_exc || a.exc != b.exc) return a.has_exc && a.exc < b.exc;
    if (a.exc_func != b.exc_func) return a.exc_func < b.exc_func;
    return sc_.owned[thread_id(a)] < sc_.owned[thread_id(b)];
  }
  size_t thread_id(const Thread& t) const { return static_cast<size_t>(&t - s_.threads.data()); }

  // An object's name where it has one (tracked), after every untracked
  // object, which compare by type.
  uint32_t object_key(ObjId o) const {
    if (o >= sc_.ids.size() || !s_.objects[o].live) return UINT32_MAX;
    if (sc_.ids[o] != kNoObj) return sc_.ids[o];
    return 0x10000u + s_.objects[o].type;
  }

  void number_objects() {
    for (Value v : s_.globals) discover(v);  // (tracked objects are named already)
    for (ObjId o : s_.gc.garbage) discover(o);
    for (ThreadId t : sc_.thread_order) {
      const Thread& th = s_.threads[t];
      for (const Frame& f : th.frames) {
        discover(f.obj);
        discover(f.obj2);
        if (ref_alive(f)) discover(f.ref);
        discover(f.locked2);
      }
      for (Value v : th.values) discover(v);
      for (Value v : th.stack) discover(v);
      for (ObjId o : th.trash) discover(o);
      for (ObjId o : th.merge_queue) discover(o);
    }
    for (size_t k = 0; k < sc_.order.size(); ++k) {
      for (Value v : s_.objects[sc_.order[k]].fields) discover(v);
      for (Value v : s_.objects[sc_.order[k]].items) discover(v);
    }
    // Anything left (not expected for the modelled types) in slot order.
    for (size_t i = 0; i < s_.objects.size(); ++i) discover(static_cast<ObjId>(i));
  }

  uint32_t rename(ObjId o) const {
    return o < sc_.ids.size() && sc_.ids[o] != kNoObj ? sc_.ids[o] : 0xFFFFu;
  }
  bool known(ObjId o) const { return o < sc_.ids.size() && sc_.ids[o] != kNoObj; }
  // A frame may keep the number of an object released since (a finished
  // step); like "none", it designates nothing any more.
  uint32_t id_or_none(ObjId o) const { return known(o) ? sc_.ids[o] + 1 : 0; }

  void put8(uint8_t v) { *p_++ = v; }
  void putv(uint32_t v) {
    while (v >= 0x80) {
      *p_++ = static_cast<uint8_t>(v | 0x80);
      v >>= 7;
    }
    *p_++ = static_cast<uint8_t>(v);
  }
  static uint32_t zigzag(int32_t v) {
    return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
  }

  void put_value(Value v) {
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
    put8(static_cast<uint8_t>(static_cast<uint32_t>(v.kind()) | (small << 4)));
    if (small == kSmallPayload) putv(payload - kSmallPayload);
  }

  void put_thread(const Thread& th) {
    put8(static_cast<uint8_t>(th.status));
    put8(static_cast<uint8_t>(th.has_exc | (th.detached << 1)));
    put8(th.gc_pending);
    put8(th.trash_nesting);
    if (th.has_exc) putv(th.exc);
    if (th.has_exc) putv(th.exc_func);  // X7
    putv(static_cast<uint32_t>(th.trash.size()));
    for (ObjId o : th.trash) putv(id_or_none(o));
    putv(static_cast<uint32_t>(th.merge_queue.size()));
    for (ObjId o : th.merge_queue) putv(id_or_none(o));
    putv(static_cast<uint32_t>(th.frames.size()));
    for (const Frame& f : th.frames) put_frame(f);
    putv(static_cast<uint32_t>(th.values.size()));
    for (Value v : th.values) put_value(v);
    putv(static_cast<uint32_t>(th.stack.size()));
    for (Value v : th.stack) put_value(v);
  }

  void put_frame(const Frame& f) {
    const uint16_t fn = func(f);
    uint32_t mask = (fn ? kFFunc : 0) | (f.pc ? kFPc : 0) | (f.base ? kFBase : 0) |
                    (f.count ? kFCount : 0) | (f.stage ? kFStage : 0) | (f.flags ? kFFlags : 0) |
                    (known(f.obj) ? kFObj : 0) | (known(f.obj2) ? kFObj2 : 0) |
                    (f.aux ? kFAux : 0) | (f.saved_exc ? kFSavedExc : 0) |
                    (f.ref != kNoObj ? kFRef : 0) | (known(f.locked2) ? kFLocked2 : 0) |
                    (f.touched ? kFTouched : 0);
    put8(static_cast<uint8_t>(f.kind));
    putv(mask);
    if (mask & kFFunc) putv(fn);
    if (mask & kFPc) putv(f.pc);
    if (mask & kFBase) putv(f.base);
    if (mask & kFCount) putv(f.count);
    if (mask & kFStage) put8(f.stage);
    if (mask & kFFlags) putv(f.flags);
    if (mask & kFObj) putv(rename(f.obj));
    if (mask & kFObj2) putv(rename(f.obj2));
    if (mask & kFAux) putv(f.aux);
    if (mask & kFSavedExc) putv(f.saved_exc);
    if (mask & kFRef) putv(ref_code(f));
    if (mask & kFLocked2) putv(rename(f.locked2));
    if (mask & kFTouched) putv(f.touched);
  }

  // A C local `ref` and its serial (CApiFreeThreaded.cpp): what the model
  // can tell of it is whether it still names the object it was set to, and
  // otherwise which object (if any) lives in its slot now. 1: a slot with
  // no object; 2 + 2*name + 1: the same object; 2 + 2*name: another one.
  uint32_t ref_code(const Frame& f) const {
    if (f.ref >= s_.objects.size() || !s_.objects[f.ref].live || !known(f.ref)) return 1;
    return 2 + 2 * rename(f.ref) + (s_.objects[f.ref].serial == f.ref_serial ? 1 : 0);
  }
  bool ref_alive(const Frame& f) const {
    return f.ref < s_.objects.size() && s_.objects[f.ref].live &&
           s_.objects[f.ref].serial == f.ref_serial;
  }
  uint8_t thread_position(ThreadId t) const {
    return t == kNoThread || t >= sc_.position.size() ? kNoThread : sc_.position[t];
  }

  void put_object(const Object& x) {
    const ThreadId owner =
        x.resource_owner == kNoThread ? kNoThread : sc_.position[x.resource_owner];
    uint8_t mask = static_cast<uint8_t>(
        (x.finalize_count ? kOFinalizeCount : 0) | (x.length ? kOLength : 0) |
        (owner != kNoThread ? kOResourceOwner : 0) | (x.flags ? kOFlags : 0) |
        (x.label != kNoLabel ? kOLabel : 0) | (x.wl_key ? kOWlKey : 0) | (x.local ? kOLocal : 0) |
        (x.owner != kNoThread || x.ref_state || x.locked_by != kNoThread ? kOFtOwner : 0));
    put8(x.type);
    put8(mask);
    putv(zigzag(x.rc));
    if (mask & kOFinalizeCount) put8(x.finalize_count);
    if (mask & kOLength) put8(x.length);
    if (mask & kOResourceOwner) put8(owner);
    if (mask & kOFlags) putv(x.flags);
    if (mask & kOLabel) putv(x.label);
    if (mask & kOWlKey) putv(x.wl_key);
    if (mask & kOLocal) putv(zigzag(x.local));
    if (mask & kOFtOwner) {
      put8(thread_position(x.owner));
      put8(x.ref_state);
      put8(thread_position(x.locked_by));
    }
    int used = kMaxFields;
    while (used > 0 && x.fields[used - 1].kind() == ValueKind::Unset) --used;
    put8(static_cast<uint8_t>(used));
    for (int i = 0; i < used; ++i) put_value(x.fields[i]);
    int items = kMaxItems;
    while (items > 0 && x.items[items - 1].kind() == ValueKind::Unset) --items;
    put8(static_cast<uint8_t>(items));
    for (int i = 0; i < items; ++i) put_value(x.items[i]);
  }

  const State& s_;
  Scratch& sc_;
  const std::vector<FuncId>* func_rep_ = nullptr;
  const ThreadSymmetry* sym_ = nullptr;
  uint8_t* p_ = nullptr;
};

class Decoder {
 public:
  Decoder(const Program& program, std::string_view bytes)
      : program_(program),
        p_(reinterpret_cast<const uint8_t*>(bytes.data())),
        end_(p_ + bytes.size()) {}

  State run() {
    State s;
    s.main_stage = static_cast<MainStage>(get8(static_cast<uint8_t>(MainStage::Done)));
    s.threads_ended = get8(1);
    uint8_t gcf = get8(0xFF);
    GcState& gc = s.gc;
    gc.collecting = gcf & 1;
    gc.final_running = (gcf >> 1) & 1;
    gc.start_called = (gcf >> 2) & 1;
    gc.stop_called = (gcf >> 3) & 1;
    gc.auto_enabled = (gcf >> 4) & 1;
    gc.visited_space = (gcf >> 5) & 1;
    gc.incremental_collecting = (gcf >> 6) & 1;
    gc.debug_saveall = (gcf >> 7) & 1;
    gc.scheduled = get8(0xFF);
    gc.final_rounds = get8(0xFF);
    const uint8_t stopped_by = get8(kNoThread);
    gc.collected = static_cast<uint16_t>(getv(0xFFFF));
    gc.uncollectable = static_cast<uint16_t>(getv(0xFFFF));
    size_t nglobals = getv(program_.globals.size());
    s.globals.resize(nglobals);
    for (Value& v : s.globals) v = get_value();
    size_t nthreads = getv(program_.threads.size());
    threads_ = nthreads;
    gc.stopped_by = thread_id(stopped_by);
    s.threads.resize(nthreads);
    for (Thread& th : s.threads) get_thread(th);
    size_t nobjects = getv(kMaxObjects);
    objects_ = nobjects;
    s.objects.resize(nobjects);
    for (size_t i = 0; i < nobjects; ++i) get_object(s.objects[i], static_cast<uint16_t>(i + 1));
    for (int l = 0; l < kNumLists; ++l) {
      size_t n = getv(nobjects);
      GcList& list = gc.lists[l];
      for (size_t k = 0; k < n; ++k) {
        ObjId o = get_id();
        Object& x = s.objects[o];
        if (x.list != kNoList) fail("an object in two GC lists");
        x.list = static_cast<uint8_t>(l);
        x.prev = list.tail;
        x.next = kNoObj;
        if (list.tail == kNoObj)
          list.head = o;
        else
          s.objects[list.tail].next = o;
        list.tail = o;
        ++list.size;
      }
    }
    size_t ncallbacks = getv(0xFFFF);
    for (size_t i = 0; i < ncallbacks; ++i)
      gc.callbacks.push_back(static_cast<FuncId>(getv(program_.funcs.size() - 1)));
    size_t ngarbage = getv(nobjects);
    for (size_t i = 0; i < ngarbage; ++i) gc.garbage.push_back(get_id());
    size_t ntypes = getv(program_.types.size());
    s.class_keys.resize(ntypes);
    s.class_key_count.resize(ntypes);
    for (size_t t = 0; t < ntypes; ++t) {
      s.class_key_count[t] = get8(kMaxFields);
      s.class_keys[t] = {};
      for (uint8_t i = 0; i < s.class_key_count[t]; ++i) s.class_keys[t][i] = get8(0xFF);
    }
    size_t nexpect = getv(program_.expects.size());
    s.expect_state.resize(nexpect);
    for (uint8_t& b : s.expect_state) b = get8(0xFF);
    size_t nwarm = getv(program_.append_sites);
    s.warm.resize(nwarm);
    for (uint8_t& b : s.warm) b = get8(1);
    size_t ndel = getv(program_.types.size());
    s.class_del.resize(ndel);
    for (FuncId& f : s.class_del) f = static_cast<FuncId>(getv(kNoFunc));
    if (p_ != end_) fail("trailing bytes");
    for (uint32_t id : pending_ids_)
      if (id >= nobjects) fail("an object id out of range");
    s.next_serial = static_cast<uint16_t>(nobjects + 1);
    return s;
  }

 private:
  [[noreturn]] static void fail(const char* what) {
    throw BadEncoding(std::string("not an encoded state: ") + what);
  }
  ThreadId thread_id(uint8_t position) const {
    if (position != kNoThread && position >= threads_) fail("a thread out of range");
    return position;
  }
  uint8_t get8(uint32_t max) {
    if (p_ == end_) fail("truncated");
    uint8_t v = *p_++;
    if (v > max) fail("a byte out of range");
    return v;
  }
  uint32_t getv(size_t max) {
    uint32_t v = 0;
    for (int shift = 0;; shift += 7) {
      if (p_ == end_ || shift > 28) fail("a bad number");
      uint8_t b = *p_++;
      v |= static_cast<uint32_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) break;
    }
    if (v > max) fail("a number out of range");
    return v;
  }
  // An id read once the object count is known.
  ObjId get_id() {
    uint32_t v = getv(0xFFFF);
    if (v >= objects_) fail("an object id out of range");
    return static_cast<ObjId>(v);
  }
  static int32_t unzigzag(uint32_t v) {
    return static_cast<int32_t>(v >> 1) ^ -static_cast<int32_t>(v & 1);
  }

  // Object ids in values are checked at the end, against the object count.
  Value get_value() {
    uint8_t b = get8(0xFF);
    uint32_t kind = b & 0xF;
    if (kind > static_cast<uint32_t>(ValueKind::ConstTuple)) fail("an unknown value kind");
    uint32_t payload = b >> 4;
    if (payload == kSmallPayload) payload += getv(0x0FFFFFFF - kSmallPayload);
    ValueKind k = static_cast<ValueKind>(kind);
    switch (k) {
      case ValueKind::Obj:
        pending_ids_.push_back(payload);
        return Value::object(static_cast<ObjId>(payload));
      case ValueKind::Stale:
        pending_ids_.push_back(payload);
        return Value::stale(static_cast<ObjId>(payload));
      case ValueKind::Int:
        return Value::integer(unzigzag(payload));
      case ValueKind::ConstTuple:
        if (payload >= program_.const_tuples.size()) fail("an unknown tuple constant");
        return Value::const_tuple(payload);
      default:
        return Value::from_raw((payload << 4) | kind);
    }
  }

  void get_thread(Thread& th) {
    th.status = static_cast<ThreadStatus>(get8(static_cast<uint8_t>(ThreadStatus::Finished)));
    uint8_t flags = get8(3);
    th.has_exc = flags & 1;
    th.detached = (flags >> 1) & 1;
    th.gc_pending = get8(0xFF);
    th.trash_nesting = get8(0xFF);
    if (th.has_exc) th.exc = static_cast<StrId>(getv(0xFFFF));
    if (th.has_exc) th.exc_func = static_cast<FuncId>(getv(kNoFunc));  // X7
    size_t ntrash = getv(kMaxObjects);
    for (size_t i = 0; i < ntrash; ++i) th.trash.push_back(pending_id(getv(kMaxObjects)));
    size_t nqueued = getv(kMaxObjects);
    for (size_t i = 0; i < nqueued; ++i) th.merge_queue.push_back(pending_id(getv(kMaxObjects)));
    size_t nframes = getv(0xFFFF);
    for (size_t i = 0; i < nframes; ++i) th.frames.push_back(get_frame());
    size_t nvalues = getv(0xFFFF);
    for (size_t i = 0; i < nvalues; ++i) th.values.push_back(get_value());
    size_t nstack = getv(0xFFFF);
    for (size_t i = 0; i < nstack; ++i) th.stack.push_back(get_value());
  }

  // An id stored plus one (0: none), checked at the end against the object
  // count.
  ObjId pending_id(uint32_t v) {
    if (v == 0) return kNoObj;
    pending_ids_.push_back(v - 1);
    return static_cast<ObjId>(v - 1);
  }

  Frame get_frame() {
    Frame f;
    f.kind = static_cast<FrameKind>(get8(static_cast<uint8_t>(FrameKind::FinalizeExit)));
    uint32_t mask = getv(0x1FFF);
    if (mask & kFFunc) f.func = static_cast<uint16_t>(getv(0xFFFF));
    if (mask & kFPc) f.pc = static_cast<uint16_t>(getv(0xFFFF));
    if (mask & kFBase) f.base = static_cast<uint16_t>(getv(0xFFFF));
    if (mask & kFCount) f.count = static_cast<uint16_t>(getv(0xFFFF));
    if (mask & kFStage) f.stage = get8(0xFF);
    if (mask & kFFlags) f.flags = getv(0xFFFFFFFF);
    if (mask & kFObj) f.obj = pending_id(getv(kMaxObjects - 1) + 1);
    if (mask & kFObj2) f.obj2 = pending_id(getv(kMaxObjects - 1) + 1);
    if (mask & kFAux) f.aux = static_cast<uint16_t>(getv(0xFFFF));
    if (mask & kFSavedExc) f.saved_exc = static_cast<StrId>(getv(0xFFFF));
    if (mask & kFRef) {
      uint32_t code = getv(2 * kMaxObjects + 1);
      if (code == 1) {
        f.ref = kDeadRef;  // a slot past every object: set at the end
      } else {
        f.ref = pending_id((code - 2) / 2 + 1);
        // serials are the decoded slots plus one; 0 matches no object
        f.ref_serial = code & 1 ? static_cast<uint16_t>(f.ref + 1) : 0;
      }
    }
    if (mask & kFLocked2) f.locked2 = pending_id(getv(kMaxObjects - 1) + 1);
    if (mask & kFTouched) f.touched = static_cast<uint16_t>(getv(0xFFFF));
    if (f.kind == FrameKind::Body && f.func >= program_.funcs.size()) fail("an unknown function");
    return f;
  }

  void get_object(Object& x, uint16_t serial) {
    x = Object{};
    x.live = true;
    x.serial = serial;
    x.type = get8(static_cast<uint32_t>(program_.types.size() - 1));
    uint8_t mask = get8(0xFF);
    x.rc = static_cast<int16_t>(unzigzag(getv(0xFFFFFFFF)));
    if (mask & kOFinalizeCount) x.finalize_count = get8(0xFF);
    if (mask & kOLength) x.length = get8(std::max(kMaxFields, kMaxItems));
    if (mask & kOResourceOwner) x.resource_owner = get8(0xFE);
    if (mask & kOFlags) x.flags = getv(0xFFFFFFFF);
    if (mask & kOLabel) x.label = static_cast<LabelId>(getv(0xFFFE));
    if (mask & kOWlKey) x.wl_key = static_cast<uint16_t>(getv(0xFFFF));
    if (mask & kOLocal) x.local = static_cast<int16_t>(unzigzag(getv(0xFFFFFFFF)));
    if (mask & kOFtOwner) {
      x.owner = thread_id(get8(kNoThread));
      x.ref_state = get8(kRefMerged);
      x.locked_by = thread_id(get8(kNoThread));
    }
    uint8_t used = get8(kMaxFields);
    for (uint8_t i = 0; i < used; ++i) x.fields[i] = get_value();
    uint8_t items = get8(kMaxItems);
    for (uint8_t i = 0; i < items; ++i) x.items[i] = get_value();
  }

  const Program& program_;
  const uint8_t* p_;
  const uint8_t* end_;
  size_t objects_ = 0;
  size_t threads_ = 0;
  std::vector<uint32_t> pending_ids_;
};

// Every order of the tied runs, smallest bytes kept: the encoding is then
// the same for every state of a symmetry orbit (which the parallel search
// and the concrete counterexamples rely on). Runs are small; past 120
// orders the first is kept (sound, merely less merging).
void encode_at_ties(Encoder& first, const std::vector<std::vector<ThreadId>>& runs,
                    std::string& out, std::vector<uint32_t>* cuts) {
  size_t orders = 1;
  for (const auto& run : runs)
    for (size_t k = 2; k <= run.size(); ++k) orders *= k;
  if (orders > 120) {
    first.run(out, cuts);
    return;
  }
  std::vector<std::vector<ThreadId>> perms(runs.size()), best_perms;
  for (size_t r = 0; r < runs.size(); ++r)
    for (size_t k = 0; k < runs[r].size(); ++k) perms[r].push_back(static_cast<ThreadId>(k));
  const std::vector<ThreadId> base(scratch.thread_order);
  std::string best;
  bool have = false;
  for (;;) {
    scratch.thread_order = base;
    first.reorder(runs, perms);
    first.run(scratch.trial, nullptr);
    if (!have || scratch.trial < best) {
      best = scratch.trial;
      best_perms = perms;
      have = true;
    }
    size_t r = 0;
    while (r < perms.size() && !std::next_permutation(perms[r].begin(), perms[r].end())) ++r;
    if (r == perms.size()) break;
  }
  scratch.thread_order = base;
  first.reorder(runs, best_perms);
  first.run(out, cuts);
}

}  // namespace

void encode_state(const Program&, const State& state, std::string& out,
                  const ThreadSymmetry* symmetry, std::vector<uint32_t>* cuts) {
  Encoder encoder(state, symmetry);
  auto ties = encoder.ambiguous_ties();
  if (ties.empty())
    encoder.run(out, cuts);
  else
    encode_at_ties(encoder, ties, out, cuts);
}

State decode_state(const Program& program, std::string_view bytes) {
  return Decoder(program, bytes).run();
}

}  // namespace lifecheck::model
