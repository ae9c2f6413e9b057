// The order in which a set releases its members (rule C1 in
// docs/semantics.md). set_dealloc and set_clear_internal
// (Objects/setobject.c) walk the hash table from its first slot, so the
// members go in the order of their hashes modulo the table size, after
// collisions were probed. Every object the model has is hashed by identity
// (object.__hash__, _Py_HashPointer: the address rotated by four bits), and
// addresses follow pymalloc's reuse of freed blocks, which the model does
// not know: any order of the members is possible. A set's release is a
// Release frame whose first `aux` values may go in any order; the thread
// stops before each member whose place matters (kYielded) and its next
// transition chooses the member released next, one alternative each, as
// the free-threaded collector's heap order does (F-G3a). While the choice
// is pending no other thread runs (in CPython it is no scheduling point).
//
// The search branches only where two members' orders can be told apart.
// A member is inert when releasing it can run no code and nothing can see
// it: a value that is no heap object (int, bool, None, str: nothing to
// release), or an object held only by the set whose whole owned subgraph
// is a tree of plain objects (every one with refcount 1, no finalizer, no
// weak reference, no C slot code, no external resource). No code can
// reach such a tree (a reference would raise a count, a weakref is
// excluded), so none can change it or see when it goes; its frees emit
// only dealloc events, which no property may observe here (below). An
// inert member is released where it stands. A member is active when its
// owned subgraph holds an object whose death runs or shows something.
// Branching happens when at least two members are not inert and one of the
// remaining members is active: with no active member no code runs between
// the decrefs and the non-inert members only lose a count each. Programs
// that may observe a count or a death directly (sys.getrefcount, gc
// introspection, an expect line on a dealloc, free or tp_clear) count every
// object member as active.
#include <algorithm>

#include "model/Machine.h"
#include "model/ObjSet.h"
#include "model/Ownership.h"

namespace lifecheck::model {

// Whether x's death may run code or show: a finalizer or legacy tp_del, a
// weakref to it, C slot steps, a weakref (its death cancels a callback), a
// generator (closing it runs its code), a resource, a deferred count.
bool shows_its_death(const Program& program, const Object& x, const ObjSet& has_weakrefs, ObjId o) {
  const TypeInfo& t = program.types[x.type];
  if (has_weakrefs[o] || x.resource_owner != kNoThread || x.has(kDeferredRc)) return true;
  if (x.type == program.finalize_type) return true;
  switch (t.kind) {
    case TypeKind::PyClass:
      if (program.flags.sets_class_del || t.has_finalizer() || t.has_legacy_del() || t.resource)
        return true;
      {
        const TypeKind b = t.base == kNoType ? TypeKind::List : program.types[t.base].kind;
        return b != TypeKind::List && b != TypeKind::Dict && b != TypeKind::Set;
      }
    case TypeKind::List:
    case TypeKind::Tuple:
    case TypeKind::Dict:
    case TypeKind::Set:
    case TypeKind::Deque:
    case TypeKind::Cell:
    case TypeKind::Method:
    case TypeKind::Function:
      return false;
    default:
      return true;
  }
}

// Whether a property or code may observe a count or a death by itself.
bool deaths_observed(const Program& program) {
  if (program.flags.has_gc_introspection || program.has_refcount_query) return true;
  for (const Expectation& e : program.expects)
    for (const EventPattern* p : {&e.a, &e.b})
      if (p->kind == PatternKind::Dealloc || p->kind == PatternKind::Freed ||
          p->kind == PatternKind::Clear)
        return true;
  return false;
}

// Objects that a live weakref points at (the referents' weakref lists).
ObjSet weakref_referents(const Program& program, const State& state) {
  ObjSet out(state.objects.size());
  for (const Object& w : state.objects)
    if (w.live && program.types[w.type].kind == TypeKind::Weakref &&
        w.fields[kWeakrefReferent].is_obj())
      out.insert(w.fields[kWeakrefReferent].obj());
  return out;
}

namespace {

enum class Member : uint8_t { Inert, Passive, Active };

Member classify(const Program& program, const State& state, const ObjSet& has_weakrefs,
                bool observed, Value v) {
  if (!v.is_obj()) return Member::Inert;
  if (observed) return Member::Active;
  // Walk the owned subgraph: a tree of refcount-1 objects stays inert.
  ObjSet seen(state.objects.size());
  ObjList stack;
  stack.push_back(v.obj());
  seen.insert(v.obj());
  bool tree = true, active = false;
  while (!stack.empty()) {
    const ObjId o = stack.back();
    stack.pop_back();
    const Object& x = state.objects[o];
    tree = tree && x.rc == 1;
    active = active || shows_its_death(program, x, has_weakrefs, o);
    for_each_owned(program, x, [&](ObjId c) {
      if (seen[c]) {
        tree = false;  // a shared or cyclic part: its death is not ours alone
        return;
      }
      seen.insert(c);
      stack.push_back(c);
    });
  }
  if (active) return Member::Active;
  return tree ? Member::Inert : Member::Passive;
}

// The positions (from f.base) of the members thread t may release next,
// when their order matters: every member left in the any-order region that
// is not inert, provided the front one is not inert either (an inert front
// member goes first, where it stands). Empty when no choice is needed.
void order_candidates(const Program& program, const State& state, const Thread& th, const Frame& f,
                      SmallVec<uint16_t, 8>& out) {
  out.clear();
  if (f.kind != FrameKind::Release || !f.has(kAnyOrder) || f.aux <= f.pc) return;
  const ObjSet has_weakrefs = weakref_referents(program, state);
  const bool observed = deaths_observed(program);
  bool active = false;
  for (uint16_t i = f.pc; i < f.aux; ++i) {
    const Member m = classify(program, state, has_weakrefs, observed, th.values[f.base + i]);
    if (m == Member::Inert) {
      if (i == f.pc) break;  // released at once
      continue;
    }
    active = active || m == Member::Active;
    out.push_back(i);
  }
  if (out.size() < 2 || !active) out.clear();
}

// A Release frame's stage: its front member was chosen and is decref'd
// next (the choice's transition may stop first at a switch point, F14).
constexpr uint8_t kMemberPlaced = 1;

}  // namespace

int set_order_choices(const Program& program, const State& state, ThreadId t) {
  if (!program.flags.may_make_set || !order_choice_pending(state, t)) return 0;
  const Thread& th = state.threads[t];
  SmallVec<uint16_t, 8> next;
  order_candidates(program, state, th, th.frames.back(), next);
  return static_cast<int>(next.size());
}

int order_choices(const Program& program, const State& state, ThreadId t) {
  const int heap = heap_order_choices(program, state, t);
  return heap > 0 ? heap : set_order_choices(program, state, t);
}

void Machine::release_in_any_order(const ValueList& values, size_t any_order) {
  release_values(values);
  size_t objects = 0;
  for (size_t i = 0; i < any_order && i < values.size(); ++i) objects += values[i].is_obj();
  if (objects < 2) return;
  top().aux = static_cast<uint16_t>(objects);
  top().flags |= kAnyOrder;
}

bool Machine::step_release_order(Frame& f) {
  if (!f.has(kAnyOrder) || f.aux <= f.pc) return false;
  if (f.stage == kMemberPlaced) {
    f.stage = 0;
    return false;
  }
  Thread& th = thread();
  SmallVec<uint16_t, 8> next;
  order_candidates(program_, state_, th, f, next);
  if (next.empty()) return false;
  if (!f.has(kYielded)) {
    f.flags |= kYielded;  // the next transition chooses
    return true;
  }
  f.flags &= ~uint32_t{kYielded};
  const uint16_t chosen = next[std::min<size_t>(choice_, next.size() - 1)];
  choice_ = 0;
  auto first = th.values.begin() + f.base + f.pc;
  std::rotate(first, th.values.begin() + f.base + chosen, th.values.begin() + f.base + chosen + 1);
  f.stage = kMemberPlaced;
  return true;
}

}  // namespace lifecheck::model
