// The refcount-to-zero path: tp_dealloc of each modelled type, and
// PyObject_CallFinalizerFromDealloc. subtype_dealloc follows SEMANTICS.md
// R1.7b/R1.7c step by step (the 3.14 form: no trashcan macros inside); a C
// type's tp_dealloc is its own step list (CTypes.cpp).
#include "model/Limits.h"
#include "model/Machine.h"
#include "model/SwitchPoints.h"

namespace lifecheck::model {

namespace {
// subtype_dealloc stages
enum : uint8_t {
  kSdBegin,
  kSdFinalizer,  // R1.7b step 4: re-track, call the finalizer
  kSdAfterFinalizer,
  kSdWeakrefs,   // step 5
  kSdLegacyDel,  // step 6: tp_del, inherited from a C base
  kSdAfterLegacyDel,
  kSdSilentWeakrefs,  // step 7
  kSdDict,            // steps 8-9
  kSdBaseDealloc,     // steps 10-12
  kSdTypeDecref,      // step 13
};
}  // namespace

bool subtype_dealloc_clears_weakrefs_next(const Frame& f) { return f.stage == kSdWeakrefs; }

void Machine::step_dealloc(Frame& f) {
  switch (program_.types[f.func].kind) {
    case TypeKind::PyClass:
      return step_subtype_dealloc(f);
    case TypeKind::CType:
      return step_c_dealloc(f);
    case TypeKind::Weakref:  // a WeakMethod's subtype_dealloc (WM7, WeakMethod.cpp)
      if (f.func == program_.weak_method_type) return step_weak_method_dealloc(f);
      return step_weakref_dealloc(f);
    case TypeKind::Method:
      return step_method_dealloc(f);
    case TypeKind::List:
    case TypeKind::Tuple:
    case TypeKind::Dict:
    case TypeKind::Set:
    case TypeKind::Deque:
    case TypeKind::Exception:    // BaseException_dealloc (X4)
    case TypeKind::FrameObject:  // frame_dealloc (X5)
      return step_container_dealloc(f);
    case TypeKind::Generator:  // gen_dealloc (Y6)
      return step_generator_dealloc(f);
    case TypeKind::Function:  // func_dealloc (FN4)
    case TypeKind::Cell:      // cell_dealloc (FN4)
    // local_dealloc (TL4)
    case TypeKind::ThreadLocal:
      return step_container_dealloc(f);
    case TypeKind::Lock:  // lock_dealloc, rlock_dealloc (LK6)
      return step_lock_dealloc(f);
    case TypeKind::Partial:  // partial_dealloc (PT6)
      return step_partial_dealloc(f);
  }
}

void Machine::dealloc_destruction_step(ObjId o, const char* step) {
  const Object& x = obj(o);
  if (x.rc == 0) return;
  if (x.has(kResurrected))
    violation({"P7.18"}, std::string("tp_dealloc of ") + name_of(o) + " went on to " + step +
                             " after its finalizer resurrected it (refcount " +
                             std::to_string(x.rc) + ")");
  violation({"P7.9"}, std::string("tp_dealloc of ") + name_of(o) + " reached " + step +
                          " while its refcount is " + std::to_string(x.rc));
}

void Machine::step_subtype_dealloc(Frame& f) {
  const ObjId o = f.obj;
  const TypeInfo& type = program_.types[f.func];
  const TypeInfo* base = type.base == kNoType ? nullptr : &program_.types[type.base];
  // R1.7b: a class introduces the weakref list unless its C base has one.
  const bool introduces_weaklist = type.weakrefable && (!base || !base->weakrefable);
  auto stop_resurrected = [&]() {
    // Resurrected: stop here; the object stays tracked with its weakrefs,
    // dict and type intact (R1.7b steps 4 and 6).
    Event e = event(EventKind::DeallocEnd, o);
    e.value = 1;
    emit(std::move(e));
    obj(o).flags &= ~(kDeallocating | kResurrected);
    Frame done = f;
    pop_frame();
    trashcan_end(done);
  };
  switch (f.stage) {
    case kSdBegin:
      emit(event(EventKind::DeallocBegin, o));
      obj(o).flags |= kDeallocating;
      untrack(o);                     // R1.7b step 1: PyObject_GC_UnTrack
      if (trashcan_begin(f)) return;  // R1.7b step 2: postponed (TC1)
      f.stage = has_finalizer(f.func) ? kSdFinalizer : kSdWeakrefs;  // R1.14
      return;
    case kSdFinalizer: {
      // R1.7b step 4: re-track around the finalizer, then call it.
      track(o);
      f.stage = kSdAfterFinalizer;
      Frame c;
      c.kind = FrameKind::FinalizeFromDealloc;
      c.obj = o;
      push_frame(c);
      return;
    }
    case kSdAfterFinalizer:
      if (f.has(kResult) && !program_.profile.has(RuntimeBug::ResurrectionContinues))
        return stop_resurrected();
      if (!f.has(kResult) && !program_.profile.has(RuntimeBug::DeallocLeavesTracked)) untrack(o);
      f.stage = kSdWeakrefs;
      return;
    case kSdWeakrefs:
      dealloc_destruction_step(o, "PyObject_ClearWeakRefs");
      // R1.7b step 5: weakrefs are cleared, and their callbacks called, by
      // the class that introduced the weakref list.
      f.stage = kSdLegacyDel;
      if (introduces_weaklist) {
        Frame c;
        c.kind = FrameKind::ClearWeakrefs;
        c.obj = o;
        push_frame(c);
      }
      return;
    case kSdLegacyDel: {
      // R1.7b step 6: the class's own legacy tp_del (set on it, as
      // _testcapi.with_tp_del does; never inherited from a C base) runs at
      // every death.
      if (!type.has_legacy_del()) {
        f.stage = kSdSilentWeakrefs;
        return;
      }
      track(o);
      f.stage = kSdAfterLegacyDel;
      Frame c;
      c.kind = FrameKind::FinalizeFromDealloc;
      c.obj = o;
      c.func = type.legacy_del;
      c.flags = kLegacy;
      push_frame(c);
      return;
    }
    case kSdAfterLegacyDel:
      if (f.has(kResult)) return stop_resurrected();
      untrack(o);
      f.stage = kSdSilentWeakrefs;
      return;
    case kSdSilentWeakrefs: {
      // R1.7b step 7: weakrefs created by the callbacks or by tp_del are
      // cleared without calling theirs.
      bool finalizers = has_finalizer(f.func) || type.has_legacy_del();
      if (finalizers && introduces_weaklist) clear_weakrefs_no_callbacks(o);
      f.stage = kSdDict;
      return;
    }
    case kSdDict: {
      dealloc_destruction_step(o, "clearing the instance dict");
      // R1.7b step 8: clear_slots, the members in their (sorted) order,
      // level by level from the class down (R1.15a: TypeInfo::slots);
      // step 9: drop the instance dict, its inline values in the order of
      // the class's shared keys (or the dict object, the last member:
      // R1.15c).
      ValueList values;
      Object& x = obj(o);
      for (FieldId s : type.slots) {
        if (x.fields[s].kind() != ValueKind::Unset) values.push_back(x.fields[s]);
        x.fields[s] = Value::unset();
      }
      const auto& keys = state_.class_keys[x.type];
      for (uint8_t i = 0; i < state_.class_key_count[x.type]; ++i) {
        Value& v = x.fields[keys[i]];
        if (v.kind() != ValueKind::Unset) values.push_back(v);
        detach_instance_dict(keys[i], v);  // R1.15d
        v = Value::unset();
      }
      f.stage = kSdBaseDealloc;
      release_values(values);
      return;
    }
    case kSdBaseDealloc:
      dealloc_destruction_step(o, "tp_free");
      f.stage = kSdTypeDecref;
      if (base && is_container(base->kind)) {
        // R1.7b steps 10-12: list_dealloc or dict_dealloc, a GC base: the
        // object is re-tracked for it; it releases the items and frees.
        if (!obj(o).tracked()) track(o);
        Frame c;
        c.kind = FrameKind::Dealloc;
        c.obj = o;
        c.func = type.base;
        c.flags = kBaseDealloc;
        push_frame(c);
        return;
      }
      if (base) {
        // R1.7b steps 10-12: re-track for a GC base, which expects a tracked
        // object, and run the base's tp_dealloc (it frees the memory).
        if (base->gc && !obj(o).tracked()) track(o);
        Frame c;
        c.kind = FrameKind::CDealloc;
        c.obj = o;
        c.func = type.base;
        c.aux = 1;
        push_frame(c);
        return;
      }
      // R1.7b step 12: object_dealloc -> tp_free (PyObject_GC_Del, R1.11).
      free_object(o);
      return;
    default: {
      if (f.has(kResult)) return stop_resurrected();  // the base's finalizer resurrected it
      // R1.7b step 13 / R1.12: the reference to the heap type is released
      // last, after the memory, unless a heap base's dealloc did it. A
      // static type's instance (a module, FN6: module_dealloc) holds none.
      if ((!base || !base->heap) && type.heap) {
        if (!obj(o).has(kHoldsTypeRef))
          violation({"P7.15"}, "subtype_dealloc of " + name_of(o) +
                                   " releases the heap type a second time: the static base's "
                                   "tp_dealloc already did");
        obj(o).flags &= ~kHoldsTypeRef;
        emit(event(EventKind::TypeDecref, o));
      }
      if (obj(o).has(kHoldsTypeRef))
        violation({"P7.15"},
                  "tp_dealloc of " + name_of(o) + " never releases its reference to its heap type");
      emit(event(EventKind::DeallocEnd, o));
      bool freed = obj(o).has(kFreed);
      Frame done = f;
      pop_frame();
      if (freed) release_slot(o);
      trashcan_end(done);  // R1.7b step 14: Py_TRASHCAN_END
      return;
    }
  }
}

void Machine::trashcan_begin_step(Frame& f) {
  // TC1 (3.11/3.12): _PyTrash_thread_deposit_object links the object through
  // its GC header (_gc_prev), so it must be untracked by then: a tracked one
  // corrupts the collector's list (a debug build asserts). The deposited
  // tp_dealloc is called again from its start by the drain. Later profiles
  // postpone only near C stack exhaustion, deeper than the model goes.
  if (program_.profile.trashcan == Trashcan::NestingCounter &&
      thread().trash_nesting >= kTrashcanDepth && obj(f.obj).tracked())
    violation({"memory-safety"}, "Py_TRASHCAN_BEGIN postpones the tp_dealloc of " + name_of(f.obj) +
                                     " while it is still tracked: the trashcan links it through "
                                     "its GC header, corrupting the collector's list");
  if (trashcan_begin(f)) return;  // f is gone: the rest runs later
}

bool Machine::trashcan_begin(Frame& f) {
  if (program_.profile.trashcan != Trashcan::NestingCounter) return false;
  Thread& th = thread();
  if (th.trash_nesting >= kTrashcanDepth) {
    // TC1: too deep; the rest of tp_dealloc, finalizer included, runs later.
    th.trash.push_back(f.obj);
    emit(event(EventKind::TrashDeposit, f.obj));
    pop_frame();
    return true;
  }
  ++th.trash_nesting;
  f.flags |= kTrashEntered;
  return false;
}

void Machine::trashcan_end(const Frame& f) {
  if (!f.has(kTrashEntered)) return;
  Thread& th = thread();
  --th.trash_nesting;
  if (th.trash_nesting == 0 && !th.trash.empty()) {
    Frame d;
    d.kind = FrameKind::TrashDrain;
    push_frame(d);
  }
}

void Machine::step_trash_drain(Frame& f) {
  // _PyTrash_thread_destroy_chain: LIFO, with the nesting held at 1 so that
  // the drained deallocations do not drain recursively.
  Thread& th = thread();
  if (f.stage == 0) {
    ++th.trash_nesting;
    f.stage = 1;
    return;
  }
  if (th.trash.empty()) {
    --th.trash_nesting;
    pop_frame();
    return;
  }
  ObjId o = th.trash.back();
  require_queued(o);
  th.trash.pop_back();
  emit(event(EventKind::TrashPop, o));
  Frame d;
  d.kind = FrameKind::Dealloc;
  d.obj = o;
  d.func = obj(o).type;
  push_frame(d);
}

void Machine::step_weakref_dealloc(Frame& f) {
  const ObjId o = f.obj;
  switch (f.stage) {
    case 0: {
      // weakref_dealloc: untrack, clear_weakref (unlink, drop the callback), free.
      emit(event(EventKind::DeallocBegin, o));
      obj(o).flags |= kDeallocating;
      untrack(o);
      if (obj(o).fields[kWeakrefReferent].is_obj()) clear_weakref_link(o);
      Value cb = obj(o).fields[kWeakrefCallback];
      obj(o).fields[kWeakrefCallback] = Value::none();
      f.stage = 1;
      release_values({cb});
      return;
    }
    case 1:
      free_object(o);
      f.stage = 2;
      return;
    default:
      return end_dealloc(o);
  }
}

void Machine::end_dealloc(ObjId o) {
  emit(event(EventKind::DeallocEnd, o));
  pop_frame();
  release_slot(o);
}

void Machine::step_method_dealloc(Frame& f) {
  const ObjId o = f.obj;
  switch (f.stage) {
    case 0:
      // method_dealloc: untrack, clear weakrefs (callbacks run), drop
      // im_func (a module function here) and im_self, free.
      return dealloc_untrack_clear_weakrefs(f);
    case 1: {
      Value self = obj(o).fields[kMethodSelf];
      obj(o).fields[kMethodSelf] = Value::none();
      f.stage = 2;
      release_values({self});
      return;
    }
    case 2:
      free_object(o);
      f.stage = 3;
      return;
    default:
      return end_dealloc(o);
  }
}

// The first stage of method_dealloc and gen_dealloc: untrack, then
// PyObject_ClearWeakRefs when it has weakrefs (their callbacks run).
void Machine::dealloc_untrack_clear_weakrefs(Frame& f) {
  const ObjId o = f.obj;
  emit(event(EventKind::DeallocBegin, o));
  obj(o).flags |= kDeallocating;
  untrack(o);
  f.stage = 1;
  if (!weakref_list(o).empty()) {
    Frame c;
    c.kind = FrameKind::ClearWeakrefs;
    c.obj = o;
    push_frame(c);
  }
}

void Machine::step_finalize_from_dealloc(Frame& f) {
  const ObjId o = f.obj;
  const TypeInfo& type = program_.types[obj(o).type];
  const bool legacy = f.has(kLegacy);
  // tp_del: the function the caller names (the C type whose dealloc has the
  // tp_del step, or the class's own slot).
  FuncId body = legacy ? f.func : finalizer_of(obj(o).type);
  // kDirect: the C dealloc calls tp_finalize itself, at refcount 0: no
  // temporary resurrection (the finalizer's Python code takes a reference
  // to self and drops it, which deallocates self again, as in CPython), and
  // the finalized mark is neither read nor set (P7.4, P7.5).
  const bool direct = f.has(kDirect);
  switch (f.stage) {
    case 0: {
      Object& x = obj(o);
      if (x.rc != 0 && !direct)
        violation({"memory-safety"},
                  std::string(legacy ? "tp_del" : "PyObject_CallFinalizerFromDealloc") + " on " +
                      name_of(o) + " whose refcount is " + std::to_string(x.rc));
      // R1.6 step 2: temporary resurrection while the finalizer runs (G19);
      // F7: the finalizing thread becomes the owner. A direct tp_finalize
      // call has none.
      if (!direct) {
        resurrect_start(o);
        f.flags |= kHolds;
      }
      // R1.6 step 3 / R1.9: a GC object is finalized at most once; tp_del
      // has no such mark (R1.8).
      if (body == kNoFunc || (!legacy && !direct && type.gc && x.has(kFinalized))) {
        f.stage = 2;
        return;
      }
      if (legacy) {
        emit(event(EventKind::TpDel, o));
      } else {
        check_finalize_begin(o, false);
        Event e = event(EventKind::FinalizeBegin, o);
        e.path = 0;
        emit(std::move(e));
        if (!direct) x.flags |= kFinalizing;  // P7.1 is about automatic calls
        if (x.finalize_count < 3) ++x.finalize_count;
      }
      f.stage = 1;
      call_python_from_c(body, {Value::object(o)});
      return;
    }
    case 1: {
      PyCallResult r = return_from_python(f);
      if (r.raised && !r.reported) {
        if (!legacy && type.finalizer_is_c)
          violation({"P7.14"}, "tp_finalize of " + name_of(o) + " leaves exception " +
                                   program_.strings[r.exc] + " set");
        // R1.10: slot_tp_finalize reports the exception as unraisable; the
        // finalizer's locals (self among them) die with its traceback
        // before the resurrection check.
        Event e = event(EventKind::Unraisable, o);
        // X7; a C type's Python-level slot is reported with no object
        e.text = legacy || type.finalizer_is_c
                     ? program_.strings[r.exc]
                     : unraisable_text(r.exc, UnraisableSite::Deallocator, body);
        emit(std::move(e));
        if (drop_traceback(f, true)) return;
      }
      if (!legacy) {
        Object& x = obj(o);
        x.flags &= ~kFinalizing;
        emit(event(EventKind::FinalizeEnd, o));
        // R1.6a: on this path the mark is set after tp_finalize returns.
        if (type.gc && !direct && !program_.profile.has(RuntimeBug::NoFinalizedMark))
          x.flags |= kFinalized;
      }
      f.stage = 2;
      return;
    }
    default: {
      if (direct) {  // nothing to undo; the dealloc goes on
        pop_frame();
        return;
      }
      // R1.6 step 5: undo the temporary reference without deallocating.
      Object& x = obj(o);
      f.flags &= ~uint32_t{kHolds};
      bool resurrected = resurrect_end(o);  // F7 in the free-threaded build
      if (resurrected) {
        x.flags |= kResurrected;
        emit(event(EventKind::Resurrect, o));
      }
      // a result the C dealloc ignores: it goes on
      const bool stops = resurrected && !f.has(kUnchecked);
      pop_frame();
      if (stops) thread().frames.back().flags |= kResult;
      return;
    }
  }
}

}  // namespace lifecheck::model
