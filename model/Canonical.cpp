// The canonical encoding (Canonical.h): writing the bytes. The thread
// order and the names of tracked objects come from CanonicalThreads.cpp.
#include "model/Canonical.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "model/CanonicalEncoder.h"

namespace lifecheck::model {

namespace canonical {

thread_local Scratch scratch;

namespace {

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

}  // namespace

void Encoder::run(std::string& out, std::vector<uint32_t>* cuts) {
  number_objects();
  const size_t bound = upper_bound(s_);
  if (sc_.buffer_size < bound) {
    sc_.buffer_size = std::max(bound, 2 * sc_.buffer_size);
    sc_.buffer = std::make_unique_for_overwrite<char8_t[]>(sc_.buffer_size);
  }
  p_ = sc_.buffer.get();
  char8_t* const start = p_;
  put8(static_cast<uint8_t>(s_.main_stage));
  put8(s_.threads_ended);
  const GcState& gc = s_.gc;
  put8(static_cast<uint8_t>(gc.collecting | (gc.final_running << 1) | (gc.start_called << 2) |
                            (gc.stop_called << 3) | (gc.auto_enabled << 4) |
                            (gc.visited_space << 5) | (gc.incremental_collecting << 6) |
                            (gc.debug_saveall << 7)));
  put8(gc.scheduled);
  put8(static_cast<uint8_t>(gc.final_rounds | gc.final_idle << 7));
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
  putv(static_cast<uint32_t>(named_));
  for (size_t k = 0; k < named_; ++k) {
    put_object(s_.objects[order_[k]], sc_.used[2 * k], sc_.used[2 * k + 1]);
    if (k % kObjectsPerPart == kObjectsPerPart - 1) cut();
  }
  cut();
  char8_t* p = p_;  // (a local: see put8)
  for (int l = 0; l < kNumLists; ++l) {
    const GcList& list = gc.lists[l];
    putv(p, list.size);
    for (ObjId o = list.head; o != kNoObj; o = s_.objects[o].next) putv(p, rename(o));
  }
  putv(p, static_cast<uint32_t>(gc.callbacks.size()));
  for (FuncId f : gc.callbacks) putv(p, f);
  putv(p, static_cast<uint32_t>(gc.garbage.size()));
  for (ObjId o : gc.garbage) putv(p, rename(o));
  putv(p, static_cast<uint32_t>(s_.class_key_count.size()));
  for (size_t t = 0; t < s_.class_key_count.size(); ++t) {
    put8(p, s_.class_key_count[t]);
    for (uint8_t i = 0; i < s_.class_key_count[t]; ++i) put8(p, s_.class_keys[t][i]);
  }
  putv(p, static_cast<uint32_t>(s_.expect_state.size()));
  for (uint8_t b : s_.expect_state) put8(p, b);
  putv(p, static_cast<uint32_t>(s_.warm.size()));
  if (sym_ && sym_->any_sites) {
    // each thread's own call sites written at its place's (Symmetry.h)
    sc_.warm.assign(s_.warm.begin(), s_.warm.end());
    for (const std::vector<ThreadId>& members : sym_->classes)
      for (ThreadId at : members) {
        const std::vector<uint16_t>& to = sym_->sites[at];
        const std::vector<uint16_t>& from = sym_->sites[sc_.thread_order[at]];
        for (size_t j = 0; j < to.size(); ++j) sc_.warm[to[j]] = s_.warm[from[j]];
      }
    for (uint8_t b : sc_.warm) put8(p, b);
  } else {
    for (uint8_t b : s_.warm) put8(p, b);
  }
  putv(p, static_cast<uint32_t>(s_.class_del.size()));
  for (FuncId f : s_.class_del) putv(p, f);
  p_ = p;
  out.assign(reinterpret_cast<const char*>(start), static_cast<size_t>(p_ - start));
}

void Encoder::number_objects() {
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
  // What the objects named from `from` on hold, named in turn (each
  // object's used slots kept for put_object).
  auto name_held = [&](size_t from) {
    for (size_t k = from; k < named_; ++k) {
      const Object& x = s_.objects[order_[k]];
      const uint32_t fields = used_slots(x.fields);
      for (uint32_t i = 0; i < fields; ++i) discover(x.fields[i]);
      const uint32_t items = used_slots(x.items);
      for (uint32_t i = 0; i < items; ++i) discover(x.items[i]);
      sc_.used[2 * k] = static_cast<uint8_t>(fields);
      sc_.used[2 * k + 1] = static_cast<uint8_t>(items);
    }
  };
  sc_.used.resize(2 * s_.objects.size());
  name_held(0);
  // Anything left: objects nothing reaches (a leaked reference). Not in
  // slot order, which a decoded state does not keep: by what they hold,
  // each with what it reaches (ties of equal keys stay in slot order).
  if (named_ < s_.objects.size()) {
    std::vector<ObjId> left;
    for (size_t i = 0; i < s_.objects.size(); ++i)
      if (s_.objects[i].live && ids_[i] == kNoObj) left.push_back(static_cast<ObjId>(i));
    // A root's key: what it holds, and depth first what those hold, with
    // objects named already by their names and the others met again by
    // their place in this walk: the same for every numbering of the slots
    // (a shallow key tied roots that hold different objects).
    auto key = [&](ObjId root) {
      std::vector<uint32_t> k;
      std::vector<ObjId> met;
      auto walk = [&](auto&& self, ObjId o) -> void {
        met.push_back(o);
        const Object& x = s_.objects[o];
        k.insert(k.end(), {x.type, static_cast<uint32_t>(x.rc), x.flags, x.label, x.finalize_count,
                           x.length, static_cast<uint32_t>(x.local), x.ref_state, x.wl_key,
                           x.wl_rank, thread_position(x.owner), thread_position(x.locked_by),
                           thread_position(x.resource_owner), thread_position(x.heap)});
        auto value = [&](Value v) {
          if (!v.points_at_object() || v.obj() >= nobjects_ || !s_.objects[v.obj()].live) {
            k.push_back(v.points_at_object() ? static_cast<uint32_t>(v.kind()) : v.raw());
            return;
          }
          k.push_back(static_cast<uint32_t>(v.kind()));
          const ObjId p = v.obj();
          if (ids_[p] != kNoObj) {
            k.insert(k.end(), {1u, static_cast<uint32_t>(ids_[p])});
          } else if (auto it = std::find(met.begin(), met.end(), p); it != met.end()) {
            k.insert(k.end(), {2u, static_cast<uint32_t>(it - met.begin())});
          } else {
            k.push_back(3u);
            self(self, p);
          }
        };
        for (Value v : x.fields) value(v);
        for (Value v : x.items) value(v);
      };
      walk(walk, root);
      return k;
    };
    std::vector<std::vector<uint32_t>> keys(s_.objects.size());
    for (ObjId o : left) keys[o] = key(o);
    std::stable_sort(left.begin(), left.end(), [&](ObjId a, ObjId b) { return keys[a] < keys[b]; });
    for (ObjId root : left) {
      const size_t from = named_;
      discover(root);
      name_held(from);
    }
  }
}

void Encoder::put_thread(const Thread& th) {
  char8_t* p = p_;
  put8(p, static_cast<uint8_t>(th.status));
  put8(p, static_cast<uint8_t>(th.has_exc | (th.detached << 1)));
  put8(p, th.gc_pending);
  put8(p, th.trash_nesting);
  if (th.has_exc) putv(p, th.exc);
  if (th.has_exc) putv(p, th.exc_func);  // X7
  putv(p, static_cast<uint32_t>(th.trash.size()));
  for (ObjId o : th.trash) putv(p, id_or_none(o));
  putv(p, static_cast<uint32_t>(th.merge_queue.size()));
  for (ObjId o : th.merge_queue) putv(p, id_or_none(o));
  putv(p, static_cast<uint32_t>(th.frames.size()));
  p_ = p;
  for (const Frame& f : th.frames) put_frame(f);
  p = p_;
  putv(p, static_cast<uint32_t>(th.values.size()));
  for (Value v : th.values) put_value(p, v);
  putv(p, static_cast<uint32_t>(th.stack.size()));
  for (Value v : th.stack) put_value(p, v);
  p_ = p;
}

void Encoder::put_frame(const Frame& f) {
  char8_t* p = p_;
  const uint16_t fn = func(f);
  uint32_t mask = (fn ? kFFunc : 0) | (f.pc ? kFPc : 0) | (f.base ? kFBase : 0) |
                  (f.count ? kFCount : 0) | (f.stage ? kFStage : 0) | (f.flags ? kFFlags : 0) |
                  (known(f.obj) ? kFObj : 0) | (known(f.obj2) ? kFObj2 : 0) | (f.aux ? kFAux : 0) |
                  (f.saved_exc ? kFSavedExc : 0) | (f.ref != kNoObj ? kFRef : 0) |
                  (known(f.locked2) ? kFLocked2 : 0) | (f.touched ? kFTouched : 0);
  put8(p, static_cast<uint8_t>(f.kind));
  putv(p, mask);
  if (mask & kFFunc) putv(p, fn);
  if (mask & kFPc) putv(p, f.pc);
  if (mask & kFBase) putv(p, f.base);
  if (mask & kFCount) putv(p, f.count);
  if (mask & kFStage) put8(p, f.stage);
  if (mask & kFFlags) putv(p, f.flags);
  if (mask & kFObj) putv(p, rename(f.obj));
  if (mask & kFObj2) putv(p, rename(f.obj2));
  if (mask & kFAux) putv(p, f.aux);
  if (mask & kFSavedExc) putv(p, f.saved_exc);
  if (mask & kFRef) putv(p, ref_code(f));
  if (mask & kFLocked2) putv(p, rename(f.locked2));
  if (mask & kFTouched) putv(p, f.touched);
  p_ = p;
}

void Encoder::put_object(const Object& x, uint32_t used, uint32_t items) {
  char8_t* p = p_;
  const ThreadId owner = x.resource_owner == kNoThread ? kNoThread : sc_.position[x.resource_owner];
  uint8_t mask = static_cast<uint8_t>(
      (x.finalize_count ? kOFinalizeCount : 0) | (x.length ? kOLength : 0) |
      (owner != kNoThread ? kOResourceOwner : 0) | (x.flags ? kOFlags : 0) |
      (x.label != kNoLabel ? kOLabel : 0) | (x.wl_key ? kOWlKey : 0) | (x.local ? kOLocal : 0) |
      (x.owner != kNoThread || x.ref_state || x.locked_by != kNoThread || x.wl_rank ||
               x.heap != kNoThread
           ? kOFtOwner
           : 0));
  put8(p, x.type);
  put8(p, mask);
  putv(p, zigzag(x.rc));
  if (mask & kOFinalizeCount) put8(p, x.finalize_count);
  if (mask & kOLength) put8(p, x.length);
  if (mask & kOResourceOwner) put8(p, owner);
  if (mask & kOFlags) putv(p, x.flags);
  if (mask & kOLabel) putv(p, x.label);
  if (mask & kOWlKey) putv(p, x.wl_key);
  if (mask & kOLocal) putv(p, zigzag(x.local));
  if (mask & kOFtOwner) {
    put8(p, thread_position(x.owner));
    put8(p, x.ref_state);
    put8(p, thread_position(x.locked_by));
    putv(p, x.wl_rank);
    put8(p, thread_position(x.heap));
  }
  put8(p, static_cast<uint8_t>(used));
  for (uint32_t i = 0; i < used; ++i) put_value(p, x.fields[i]);
  put8(p, static_cast<uint8_t>(items));
  for (uint32_t i = 0; i < items; ++i) put_value(p, x.items[i]);
  p_ = p;
}

}  // namespace canonical

void reorder_threads(State& state, const std::vector<ThreadId>& positions,
                     const ThreadSymmetry* symmetry) {
  const size_t n = state.threads.size();
  size_t t = 0;
  while (t < n && t < positions.size() && positions[t] == t) ++t;
  if (t == n || positions.size() != n) return;  // in order already
  // Each cycle of the permutation moved round in place (a cycle of k
  // threads costs k + 1 moves; threads in place are not touched): place p
  // takes the thread from place from[p].
  SmallVec<ThreadId, 16> from;
  from.resize(n);
  for (size_t u = 0; u < n; ++u) from[positions[u]] = static_cast<ThreadId>(u);
  SmallVec<bool, 16> placed;
  placed.resize(n);
  for (size_t start = t; start < n; ++start) {
    if (placed[start] || from[start] == start) continue;
    Thread first = std::move(state.threads[start]);
    size_t p = start;
    while (from[p] != start) {
      state.threads[p] = std::move(state.threads[from[p]]);
      placed[p] = true;
      p = from[p];
    }
    state.threads[p] = std::move(first);
    placed[p] = true;
  }
  // the thread numbers the encoding writes as positions (put_object, run)
  auto renumber = [&](ThreadId& id) {
    if (id < n) id = positions[id];
  };
  for (Object& x : state.objects) {
    renumber(x.resource_owner);
    renumber(x.owner);
    renumber(x.locked_by);
    renumber(x.heap);
  }
  renumber(state.gc.stopped_by);
  // the warm bytes of each thread's own sites go to its place's
  if (!symmetry || !symmetry->any_sites) return;
  const SmallVec<uint8_t, 8> warm = state.warm;
  for (size_t u = 0; u < n; ++u) {
    const std::vector<uint16_t>& own = symmetry->sites[u];
    const std::vector<uint16_t>& to = symmetry->sites[positions[u]];
    for (size_t j = 0; j < own.size(); ++j) state.warm[to[j]] = warm[own[j]];
  }
}

void encode_state(const Program&, const State& state, std::string& out,
                  const ThreadSymmetry* symmetry, std::vector<uint32_t>* cuts,
                  std::vector<ThreadId>* positions) {
  canonical::Encoder encoder(state, symmetry);
  auto ties = encoder.ambiguous_ties();
  if (ties.empty())
    encoder.run(out, cuts);
  else
    canonical::encode_at_ties(encoder, ties, out, cuts);
  // the order the threads were written in (encode_at_ties leaves the one
  // it chose)
  if (positions)
    positions->assign(canonical::scratch.position.begin(), canonical::scratch.position.end());
}

}  // namespace lifecheck::model
