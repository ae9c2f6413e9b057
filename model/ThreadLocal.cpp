// threading.local (rules TL1-TL6; Modules/_threadmodule.c). A local object
// (_thread._local) keeps one dict per thread that has used it: attribute
// loads, stores and deletes go to the calling thread's dict, made on first
// use (_ldict). The local owns those dicts (3.11-3.12: the `dummies` dict
// {weakref to the thread's localdummy: dict}; 3.13+: `localdicts`
// {thread key dummy: dict}); the model folds that inner dict into the
// local's own items, one (key, dict) pair per thread, in the order the
// threads first used it. The key encodes the thread and a stamp giving the
// order in which that thread first used each of its locals, which is the
// order the thread's end releases them in (TL3). The local dies as a dict
// does: its weakrefs cleared first, then every thread's dict released in
// entry order (TL4); the collector traverses and clears it the same way
// (TL5).
#include <algorithm>

#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
ThreadId entry_thread(Value key) {
  return static_cast<ThreadId>(key.integer() % kThreadLocalStamp);
}
int entry_stamp(Value key) { return key.integer() / kThreadLocalStamp; }
}  // namespace

bool Machine::is_thread_local(Value v) const {
  return v.is_obj() && program_.thread_local_type != kNoType &&
         state_.objects[v.obj()].type == program_.thread_local_type;
}

// TL1: local_new allocates the local and, at once, the creating thread's
// dict (_local_create_dummy in 3.11-3.12, create_localsdict in 3.13+).
Value Machine::thread_local_new(LabelId label) {
  const ObjId o = alloc(program_.thread_local_type, label);
  thread_local_dict(o, true);
  return Value::object(o);
}

// TL2: _ldict: the calling thread's dict of the local, made (empty, a dict
// like any: lazily tracked up to 3.13) when this thread has none yet.
ObjId Machine::thread_local_dict(ObjId local, bool create) {
  {
    const Object& x = obj(local);
    for (uint8_t i = 0; i < x.length; ++i)
      if (entry_thread(x.items[2u * i]) == current_) return x.items[2u * i + 1].obj();
    if (!create) return kNoObj;
    if (x.length >= kMaxDictEntries)
      throw ModelLimit{"a threading.local used by more than " + std::to_string(kMaxDictEntries) +
                       " threads"};
  }
  // The thread's order of first use across its locals: one past the
  // newest of its entries in any live local.
  int stamp = 0;
  for (const Object& y : state_.objects) {
    if (!y.live || y.has(kFreed) || y.type != program_.thread_local_type) continue;
    for (uint8_t i = 0; i < y.length; ++i)
      if (entry_thread(y.items[2u * i]) == current_)
        stamp = std::max(stamp, entry_stamp(y.items[2u * i]) + 1);
  }
  const LabelId label = obj(local).label < program_.ldict_label.size()
                            ? program_.ldict_label[obj(local).label]
                            : obj(local).label;
  const ObjId d = alloc(kDictType, label, !program_.profile.lazy_dict_tracking);
  Object& x = obj(local);  // alloc may move the objects
  x.items[2u * x.length] = Value::integer(current_ + kThreadLocalStamp * stamp);
  x.items[2u * x.length + 1] = Value::object(d);  // the local owns the new dict's reference
  ++x.length;
  return d;
}

ObjId Machine::thread_local_checked(Value base) {
  const ObjId o = base.obj();
  if (obj(o).has(kFreed))
    violation({"memory-safety"}, "attribute access on " + name_of(o) + " after it was freed");
  return o;
}

// TL2: local_getattro: the value from this thread's dict (borrowed), or
// AttributeError; the dict is made even when the name is missing.
Value Machine::thread_local_load(Value base, FieldId field) {
  const ObjId d = thread_local_dict(thread_local_checked(base), true);
  const int i = find_key(obj(d), TypeKind::Dict, Value::str(program_.field_strings[field]));
  if (i < 0) raise("AttributeError");
  return obj(d).items[2u * static_cast<unsigned>(i) + 1];
}

// TL2: local_setattro -> _PyObject_GenericSetAttrWithDict(self, name, v,
// ldict): PyDict_SetItem on this thread's dict (the old value released in
// it), which takes its own reference to v; STORE_ATTR then drops the one
// it had (released after the old value).
void Machine::thread_local_store(Value base, FieldId field, Value v, ValueList& released) {
  const ObjId d = thread_local_dict(thread_local_checked(base), true);
  store_item(Value::object(d), Value::str(program_.field_strings[field]), v, released);
  released.push_back(v);
}

// TL2: del tl.x: PyDict_DelItem on this thread's dict; a missing name is
// AttributeError.
void Machine::thread_local_delete(Value base, FieldId field, ValueList& released) {
  const ObjId d = thread_local_dict(thread_local_checked(base), true);
  const Value key = Value::str(program_.field_strings[field]);
  if (find_key(obj(d), TypeKind::Dict, key) < 0) raise("AttributeError");
  delete_item(Value::object(d), key, released);
}

// TL3: PyThreadState_Clear of a finishing thread (not main, whose state
// lives to the interpreter's shutdown) releases its dict of every local
// still alive, one local at a time: 3.11-3.12 in the order the thread first
// used them (tstate->dict frees its localdummies in insertion order, each
// one's weakref callback _localdummy_destroyed deletes the thread's entry
// from the local's `dummies`); 3.13+ newest first (the thread's sentinel
// dies and its weakref callbacks, clear_locals, run newest first, W1). A
// local being deallocated or in a collection's garbage has had its weakrefs
// cleared (TL4, G12): the callback finds it gone and leaves its dict to the
// local. Returns true when it pushed the release of one dict (a Release
// frame of the thread, so that it is a decref like a frame local's).
bool Machine::release_thread_locals() {
  if (program_.thread_local_type == kNoType || current_ == 0) return false;
  const bool newest_first = program_.profile.thread_locals_newest_first;
  ObjId best = kNoObj;
  uint8_t best_entry = 0;
  int best_stamp = 0;
  for (size_t o = 0; o < state_.objects.size(); ++o) {
    const Object& y = state_.objects[o];
    if (!y.live || y.type != program_.thread_local_type || y.rc == 0 ||
        y.has(kFreed | kDeallocating | kInGarbageSet))
      continue;
    for (uint8_t i = 0; i < y.length; ++i) {
      if (entry_thread(y.items[2u * i]) != current_) continue;
      const int stamp = entry_stamp(y.items[2u * i]);
      if (best == kNoObj || (newest_first ? stamp > best_stamp : stamp < best_stamp)) {
        best = static_cast<ObjId>(o);
        best_entry = i;
        best_stamp = stamp;
      }
    }
  }
  if (best == kNoObj) return false;
  Value entry[2];
  remove_item(obj(best), TypeKind::Dict, best_entry, entry);
  Thread& th = thread();
  Frame r;
  r.kind = FrameKind::Release;
  r.base = static_cast<uint16_t>(th.values.size());
  r.count = 1;
  th.values.push_back(entry[1]);
  push_frame(r);
  return true;
}

}  // namespace lifecheck::model
