// Allocation, reference counts and the GC's intrusive lists.
#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

ObjId Machine::alloc(ClassId type, LabelId label, bool track_now) {
  require_attached("an allocation");
  ObjId id = kNoObj;
  for (size_t i = 0; i < state_.objects.size(); ++i)
    if (!state_.objects[i].live) {
      id = static_cast<ObjId>(i);
      break;
    }
  if (id == kNoObj) {
    if (state_.objects.size() >= static_cast<size_t>(kMaxObjects))
      throw ModelLimit{"more than " + std::to_string(kMaxObjects) + " live objects"};
    state_.objects.emplace_back();
    id = static_cast<ObjId>(state_.objects.size() - 1);
  }
  Object& o = obj(id);
  o = Object{};
  o.live = true;
  o.type = type;
  o.rc = 1;
  if (program_.profile.refcounting == Refcounting::Biased) {
    o.owner = current_;  // F1: the allocating thread owns it
    o.local = 1;
  }
  if (program_.profile.heap_sections) o.heap = heap_of_new(type);
  o.label = label;
  o.serial = state_.next_serial++;
  if (program_.types[type].kind == TypeKind::Weakref) {
    o.fields[kWeakrefReferent] = Value::none();
    o.fields[kWeakrefCallback] = Value::none();
  }
  // R1.12: an instance of a heap type owns a reference to its type.
  if (program_.types[type].heap) o.flags |= kHoldsTypeRef;
  emit(event(EventKind::Alloc, id));
  // PyType_GenericAlloc tracks a GC object as soon as it exists (G1, G7:
  // appended to the young generation); PyObject_GC_New does not.
  bool track_it = track_now && is_gc_type(type);
  count_allocation(id, track_it);
  if (track_it) track(id);
  return id;
}

void Machine::free_object(ObjId o) {
  require_attached("tp_free");
  check_free(o);
  // Non-owning pointers left at o (Py_DECREF without NULL) now dangle.
  // (A stale pointer at o is the one value Value::stale(o).)
  const uint32_t stale = Value::stale(o).raw();
  for (Object& y : state_.objects)
    if (y.live)
      for (Value& v : y.fields)
        if (v.raw() == stale) v = Value::dangling();
  // R1.11: PyObject_GC_Del unlinks an object that is still tracked.
  if (obj(o).tracked()) untrack(o);
  obj(o).flags |= kFreed;
  emit(event(EventKind::Free, o));
}

namespace {
// Frames whose `obj` is the object their slot function works on.
bool works_on_subject(FrameKind k) {
  return k == FrameKind::Dealloc || k == FrameKind::CDealloc ||
         k == FrameKind::FinalizeFromDealloc || k == FrameKind::ClearWeakrefs ||
         k == FrameKind::Clear || k == FrameKind::Construct || k == FrameKind::FinalizeGc;
}
}  // namespace

void Machine::release_slot(ObjId o) {
  // A pointer kept past tp_free (a type that breaks P7.17, searched on
  // with the property ignored) now points at freed memory: it dangles,
  // whatever slot is reused for later objects.
  // (a pointer at o, owning or not, is Value::object(o) or Value::stale(o))
  const uint32_t owning = Value::object(o).raw(), stale = Value::stale(o).raw();
  auto dangle = [=](Value& v) {
    if (v.raw() == owning || v.raw() == stale) v = Value::dangling();
  };
  for (Value& v : state_.globals) dangle(v);
  for (Thread& t : state_.threads) {
    for (Value& v : t.values) dangle(v);
    for (Value& v : t.stack) dangle(v);
  }
  for (Object& y : state_.objects)
    if (y.live)
      for (Value& v : y.fields) dangle(v);
  // A slot frame still working on o (the first tp_dealloc, when a
  // collection run from its weakref callback deallocated o again, P7.9;
  // the collector's tp_finalize call on a member a racing tp_dealloc
  // freed) now works on freed memory: it stops at its next step
  // (step_top).
  for (Thread& t : state_.threads)
    for (Frame& f : t.frames) {
      if (f.obj == o && works_on_subject(f.kind)) {
        f.obj = kNoObj;
        f.flags |= kSubjectFreed;
      }
      // A frame's second object (the called-back weakref of the
      // ClearWeakrefs shortcut) and second locked object (a section's
      // self->F, freed inside it) name nothing once freed: the canonical
      // form writes them as none, and a number kept here would name
      // whatever takes the slot next.
      if (f.obj2 == o) f.obj2 = kNoObj;
      if (f.locked2 == o) f.locked2 = kNoObj;
      // Likewise the collector's current weakref or member (its check
      // stages compare it with a list's head, which may be "none").
      if (f.kind == FrameKind::Collect && f.obj == o) f.obj = kNoObj;
    }
  // Likewise a biased-refcount queue's or the trashcan's entry: whoever
  // pops it stops the run (require_queued).
  for (Thread& t : state_.threads) {
    for (ObjId& q : t.merge_queue)
      if (q == o) q = kNoObj;
    for (ObjId& q : t.trash)
      if (q == o) q = kNoObj;
  }
  state_.objects[o] = Object{};
  while (!state_.objects.empty() && !state_.objects.back().live) state_.objects.pop_back();
}

void Machine::require_queued(ObjId o) {
  // A queue holds a reference (F5, TC1): an entry freed before it is
  // popped was freed by a reference dropped twice, past an ignored
  // violation, and popping it would touch freed memory.
  if (o == kNoObj)
    throw ModelLimit{
        "an object queued for a later merge or deallocation was freed while queued (after an "
        "ignored violation): the run cannot go on meaningfully"};
}

void Machine::incref(Value v) {
  if (!v.is_obj()) return;
  require_attached("Py_INCREF");
  Object& o = obj(v.obj());
  if (!o.live || o.has(kFreed))
    violation({"memory-safety"}, "Py_INCREF of " + name_of(v.obj()) + " after it was freed");
  // Dispatch: biased counts in the free-threaded build (F2).
  if (program_.profile.refcounting == Refcounting::Biased)
    incref_biased(v.obj());
  else
    ++o.rc;
  emit_refcount(EventKind::Incref, v.obj());
}

void Machine::emit_refcount(EventKind kind, ObjId o) {
  if (kinds_) *kinds_ |= event_bit(kind);
  if (!trace_) return;
  Event e = event(kind, o);
  e.value = obj(o).rc;
  emit(std::move(e));
}

bool Machine::push_dealloc(ObjId id) {
  // R1.1: _Py_Dealloc runs tp_dealloc right here, on this thread, before
  // Py_DECREF returns.
  check_dealloc_begin(id);
  Frame f;
  f.kind = FrameKind::Dealloc;
  f.obj = id;
  f.func = obj(id).type;
  if (program_.types[f.func].kind == TypeKind::CType) f.kind = FrameKind::CDealloc;
  push_frame(f);
  return true;
}

bool Machine::decref(Value v) {
  if (!v.is_obj()) return false;
  require_attached("Py_DECREF");
  ObjId id = v.obj();
  Object& o = obj(id);
  if (!o.live || o.has(kFreed))
    violation({"memory-safety"}, "Py_DECREF of " + name_of(id) + " after it was freed");
  if (o.rc <= 0)
    violation({"memory-safety"},
              "refcount underflow: Py_DECREF of " + name_of(id) + " whose refcount is already 0");
  // Dispatch: biased counts in the free-threaded build (F3-F5).
  if (program_.profile.refcounting == Refcounting::Biased) return decref_biased(id);
  --o.rc;
  emit_refcount(EventKind::Decref, id);
  if (o.rc > 0) return false;
  return push_dealloc(id);  // R1.1
}

void Machine::track(ObjId o) {
  require_attached("PyObject_GC_Track");
  // Tracking a tracked object breaks P7.30, which the caller reports; where
  // P7.30 is ignored (a scenario's ignore line, check --ignore or --all) the
  // object stays where it is, as relinking it would corrupt its list.
  if (obj(o).tracked()) return;
  // Tracking freed memory links it into a GC list (a second tp_dealloc
  // racing the first, P7.9, with memory-safety ignored): the object stays
  // off every list, so that no list names a released slot.
  if (obj(o).has(kFreed)) {
    violation({"memory-safety"}, "PyObject_GC_Track of " + name_of(o) + " after it was freed");
    return;
  }
  if (obj(o).has(kOnWorklist) && obj(o).wl_rank != 0)
    relink_worklist_member(o);  // F-G2: still on the free-threaded worklist
  else
    list_append(kGen0, o);
  emit(event(EventKind::Track, o));
}

void Machine::untrack(ObjId o) {
  if (!obj(o).tracked()) return;  // PyObject_GC_UnTrack tolerates it (P7.30)
  list_remove(o);
  Object& x = obj(o);
  x.flags &= ~(kCollecting | kUnreachableMask);
  // Runtime mutation: an untrack that wipes all of _gc_prev, finalized bit
  // included (SEMANTICS.md P7.5 rt example).
  if (program_.profile.has(RuntimeBug::UntrackClearsFinalized)) x.flags &= ~kFinalized;
  emit(event(EventKind::Untrack, o));
}

void Machine::list_append(uint8_t list, ObjId o) {
  GcList& l = state_.gc.lists[list];
  Object& x = obj(o);
  x.list = list;
  x.prev = l.tail;
  x.next = kNoObj;
  if (l.tail == kNoObj)
    l.head = o;
  else
    obj(l.tail).next = o;
  l.tail = o;
  ++l.size;
}

void Machine::list_remove(ObjId o) {
  Object& x = obj(o);
  GcList& l = state_.gc.lists[x.list];
  if (x.prev == kNoObj)
    l.head = x.next;
  else
    obj(x.prev).next = x.next;
  if (x.next == kNoObj)
    l.tail = x.prev;
  else
    obj(x.next).prev = x.prev;
  --l.size;
  x.list = kNoList;
  x.next = x.prev = kNoObj;
}

void Machine::list_move(ObjId o, uint8_t list) {
  list_remove(o);
  list_append(list, o);
}

void Machine::list_merge(uint8_t from, uint8_t to) {
  if (from == to) {  // (as moving each head to the tail would)
    while (state_.gc.lists[from].head != kNoObj) list_move(state_.gc.lists[from].head, to);
    return;
  }
  // `from` spliced onto the tail of `to` at once: the links, sizes and
  // order that moving its members one by one would leave.
  GcList& src = state_.gc.lists[from];
  GcList& dst = state_.gc.lists[to];
  if (src.head == kNoObj) return;
  for (ObjId o = src.head; o != kNoObj; o = obj(o).next) obj(o).list = to;
  obj(src.head).prev = dst.tail;
  if (dst.tail == kNoObj)
    dst.head = src.head;
  else
    obj(dst.tail).next = src.head;
  dst.tail = src.tail;
  dst.size = static_cast<uint16_t>(dst.size + src.size);
  src = GcList{};
}

ObjList Machine::list_items(uint8_t list) const {
  ObjList out;
  for (ObjId o = state_.gc.lists[list].head; o != kNoObj; o = state_.objects[o].next)
    out.push_back(o);
  return out;
}

void Machine::release_values(const ValueList& values) {
  bool any = false;
  for (Value v : values) any = any || v.is_obj();
  if (!any) return;
  Thread& th = thread();
  Frame f;
  f.kind = FrameKind::Release;
  f.base = static_cast<uint16_t>(th.values.size());
  for (Value v : values)
    if (v.is_obj()) th.values.push_back(v);
  f.count = static_cast<uint16_t>(th.values.size() - f.base);
  push_frame(f);
}

}  // namespace lifecheck::model
