// The canonical encoding (Canonical.h): the order symmetric threads are
// encoded in, the names of tracked objects it uses, and the search over
// the orders of threads it cannot tell apart.
#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "model/CanonicalEncoder.h"

namespace lifecheck::model::canonical {

std::vector<std::vector<ThreadId>> Encoder::ambiguous_ties() const {
  std::vector<std::vector<ThreadId>> out;
  if (!sym_ || !sym_->any) return out;
  for (const std::vector<ThreadId>& members : sym_->classes) {
    size_t i = 0;
    while (i < members.size()) {
      size_t j = i + 1;
      const Thread& a = s_.threads[sc_.thread_order[members[i]]];
      while (j < members.size() && compare_once(a, s_.threads[sc_.thread_order[members[j]]]) == 0)
        ++j;
      // (any member: the first may hold none while another owns one)
      bool untracked = false;
      for (size_t k = i; j - i > 1 && k < j && !untracked; ++k)
        untracked = holds_untracked(s_.threads[sc_.thread_order[members[k]]]);
      if (untracked)
        out.emplace_back(members.begin() + static_cast<long>(i),
                         members.begin() + static_cast<long>(j));
      i = j;
    }
  }
  return out;
}

void Encoder::reorder(const std::vector<std::vector<ThreadId>>& runs,
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

// The order threads are encoded in: their own, except that within a
// symmetry class they are sorted by what they are doing, ignoring object
// identities (ties keep their order, which is sound, merely less merging).
void Encoder::name_tracked() {
  nobjects_ = s_.objects.size();
  sc_.ids.assign(nobjects_, kNoObj);
  sc_.order.resize(nobjects_);
  ids_ = sc_.ids.data();
  order_ = sc_.order.data();
  named_ = 0;
  // Tracked objects are named by their place in the GC lists first: that
  // needs no thread order, and lets the thread order use those names.
  for (int l = 0; l < kNumLists; ++l)
    for (ObjId o = s_.gc.lists[l].head; o != kNoObj; o = s_.objects[o].next) discover(o);
}

// Whether a thread refers to an untracked object, or owns an object's
// resource that is not tracked: the objects its order names.
bool Encoder::holds_untracked(const Thread& t) const {
  auto untracked = [&](ObjId o) {
    return o < sc_.ids.size() && s_.objects[o].live && sc_.ids[o] == kNoObj;
  };
  for (const Frame& f : t.frames)
    if (untracked(f.obj) || untracked(f.obj2) || untracked(f.locked2) ||
        (ref_alive(f) && untracked(f.ref)))
      return true;
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
        (x.resource_owner == id || x.owner == id || x.locked_by == id || x.heap == id))
      return true;
  }
  return false;
}

void Encoder::order_threads(const ThreadSymmetry* sym) {
  sym_ = sym;
  const size_t n = s_.threads.size();
  sc_.owned.clear();  // found when compare() first needs it (owned())
  sc_.compared.assign(sym && sym->any ? n * n : 0, 0);
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

// A total order on what a thread is doing that does not depend on how
// threads or object slots are numbered: status, then its frames (kind,
// stage, flags, function, position, the objects they work on), then its
// values. Objects compare by their names where they have one already
// (tracked objects: their place in the GC lists), else by type. Ties
// keep their order: sound, merely less merging (and rare).
bool Encoder::before(const Thread& a, const Thread& b) const { return compare_once(a, b) < 0; }

// compare(), each pair of threads compared once per encoding: the sort
// compares most neighbours that ambiguous_ties() compares again. compare()
// is antisymmetric (every step is a comparison of keys), so one call gives
// both orders.
int Encoder::compare_once(const Thread& a, const Thread& b) const {
  const size_t n = s_.threads.size();
  const size_t x = thread_id(a), y = thread_id(b);
  int8_t& memo = sc_.compared[x * n + y];
  if (memo == 0) {
    const int c = compare(a, b);
    memo = static_cast<int8_t>(c + 2);
    sc_.compared[y * n + x] = static_cast<int8_t>(2 - c);
  }
  return memo - 2;
}

// before()'s order as a three-way comparison, each key built once.
int Encoder::compare(const Thread& a, const Thread& b) const {
  auto sign = [](auto c) { return c < 0 ? -1 : c > 0 ? 1 : 0; };
  auto head = [](const Thread& t) {
    return std::tuple(t.status, t.has_exc, t.detached, t.gc_pending, t.trash_nesting,
                      t.frames.size(), t.values.size(), t.stack.size(), t.trash.size(),
                      t.merge_queue.size());
  };
  if (auto c = head(a) <=> head(b); c != 0) return sign(c);
  // how far the calls of each one's own body have warmed up (State::warm,
  // ThreadSymmetry::sites: the bytes that move with the thread)
  if (sym_->any_sites) {
    const std::vector<uint16_t>& x = sym_->sites[thread_id(a)];
    const std::vector<uint16_t>& y = sym_->sites[thread_id(b)];
    for (size_t j = 0; j < x.size() && j < y.size(); ++j)
      if (s_.warm[x[j]] != s_.warm[y[j]]) return s_.warm[x[j]] < s_.warm[y[j]] ? -1 : 1;
  }
  // a frame's key in two parts, the names of its objects (the dearer
  // part) only where the rest is equal; lexicographically the same order
  auto frame_key = [&](const Frame& f) {
    return std::tuple(f.kind, f.stage, f.flags, func(f), f.pc, f.count, f.aux, f.base, f.saved_exc);
  };
  auto frame_objects = [&](const Frame& f) {
    return std::tuple(object_key(f.obj), object_key(f.obj2),
                      ref_alive(f)      ? object_key(f.ref)
                      : f.ref == kNoObj ? 0u
                                        : 1u,
                      object_key(f.locked2), f.touched);
  };
  for (size_t i = 0; i < a.frames.size(); ++i) {
    if (auto c = frame_key(a.frames[i]) <=> frame_key(b.frames[i]); c != 0) return sign(c);
    if (auto c = frame_objects(a.frames[i]) <=> frame_objects(b.frames[i]); c != 0) return sign(c);
  }
  auto value_key = [&](Value v) {
    return std::tuple(v.kind(), v.points_at_object() ? object_key(v.obj()) : v.payload());
  };
  for (size_t i = 0; i < a.values.size(); ++i)
    if (auto c = value_key(a.values[i]) <=> value_key(b.values[i]); c != 0) return sign(c);
  for (size_t i = 0; i < a.stack.size(); ++i)
    if (auto c = value_key(a.stack[i]) <=> value_key(b.stack[i]); c != 0) return sign(c);
  for (size_t i = 0; i < a.trash.size(); ++i)
    if (auto c = object_key(a.trash[i]) <=> object_key(b.trash[i]); c != 0) return sign(c);
  for (size_t i = 0; i < a.merge_queue.size(); ++i)
    if (auto c = object_key(a.merge_queue[i]) <=> object_key(b.merge_queue[i]); c != 0)
      return sign(c);
  const bool a_stops = s_.gc.stopped_by == thread_id(a);
  const bool b_stops = s_.gc.stopped_by == thread_id(b);
  if (a_stops != b_stops) return a_stops ? -1 : 1;
  // the pending exception and the body it escaped, only where one is
  // pending (head() made has_exc equal): the encoding leaves them out
  // otherwise, and a stale name compared here made threads that encode
  // alike tie without reaching owned() below, so that symmetric states
  // encoded differently
  if (a.has_exc) {
    if (a.exc != b.exc) return a.exc < b.exc ? -1 : 1;
    if (a.exc_func != b.exc_func) return a.exc_func < b.exc_func ? -1 : 1;
  }
  if (auto c = owned(thread_id(a)) <=> owned(thread_id(b)); c != 0) return sign(c);
  return 0;
}

// The objects threads own (resource affinity, ob_tid, a critical
// section's lock, the heap that holds them) tell identical threads apart: thread t's smallest
// (tracked name, role). With the role, no two threads have the same key
// unless both own nothing: an object has one thread per role. (The name
// alone tied a thread that owns x with the one that holds x's lock, and
// the encoding, which writes both positions, then depended on their
// order.) Found for every thread the first time compare() gets that far
// (most comparisons end before).
uint32_t Encoder::owned(size_t t) const {
  if (sc_.owned.empty()) {
    const size_t n = s_.threads.size();
    sc_.owned.assign(n, UINT32_MAX);
    for (size_t o = 0; o < s_.objects.size(); ++o) {
      const Object& x = s_.objects[o];
      if (!x.live || sc_.ids[o] == kNoObj) continue;
      const ThreadId roles[] = {x.resource_owner, x.owner, x.locked_by, x.heap};
      for (uint32_t role = 0; role < 4; ++role)
        if (roles[role] < n)
          sc_.owned[roles[role]] =
              std::min<uint32_t>(sc_.owned[roles[role]], uint32_t{sc_.ids[o]} << 2 | role);
    }
  }
  return sc_.owned[t];
}

// An object's name where it has one (tracked), after every untracked
// object, which compare by type.
uint32_t Encoder::object_key(ObjId o) const {
  if (o >= sc_.ids.size() || !s_.objects[o].live) return UINT32_MAX;
  if (sc_.ids[o] != kNoObj) return sc_.ids[o];
  return 0x10000u + s_.objects[o].type;
}

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

}  // namespace lifecheck::model::canonical
