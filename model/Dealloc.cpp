// The refcount-to-zero path: tp_dealloc of each modelled type, and
// PyObject_CallFinalizerFromDealloc. subtype_dealloc follows SEMANTICS.md
// R1.7b/R1.7c step by step (the 3.14 form: no trashcan macros inside).
#include "model/Machine.h"

namespace lifecheck::model {

void Machine::step_dealloc(Frame& f) {
  switch (program_.types[f.func].kind) {
    case TypeKind::PyClass: return step_subtype_dealloc(f);
    case TypeKind::Weakref: return step_weakref_dealloc(f);
    case TypeKind::Method: return step_method_dealloc(f);
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
  switch (f.stage) {
    case 0:
      emit(event(EventKind::DeallocBegin, o));
      obj(o).flags |= kDeallocating;
      untrack(o);  // R1.7b step 1: PyObject_GC_UnTrack
      f.stage = type.has_finalizer() ? 1 : 3;
      return;
    case 1:
      // R1.7b step 4: re-track around the finalizer, then call it.
      track(o);
      f.stage = 2;
      {
        Frame c;
        c.kind = FrameKind::FinalizeFromDealloc;
        c.obj = o;
        push_frame(c);
      }
      return;
    case 2:
      if (f.has(kResult) && !program_.profile.has(RuntimeBug::ResurrectionContinues)) {
        // Resurrected: stop here; the object stays tracked with its weakrefs,
        // dict and type intact (R1.7b step 4).
        Event e = event(EventKind::DeallocEnd, o);
        e.value = 1;
        emit(std::move(e));
        obj(o).flags &= static_cast<uint16_t>(~(kDeallocating | kResurrected));
        pop_frame();
        return;
      }
      if (!f.has(kResult) && !program_.profile.has(RuntimeBug::DeallocLeavesTracked))
        untrack(o);
      f.stage = 3;
      return;
    case 3:
      dealloc_destruction_step(o, "PyObject_ClearWeakRefs");
      // R1.7b step 5: this class introduced the weakref list (its base is
      // object), so it clears weakrefs and calls their callbacks.
      f.stage = 4;
      if (type.weakrefable) {
        Frame c;
        c.kind = FrameKind::ClearWeakrefs;
        c.obj = o;
        push_frame(c);
      }
      return;
    case 4:
      // R1.7b step 7: weakrefs created by the callbacks are cleared silently.
      if (type.has_finalizer() && type.weakrefable) clear_weakrefs_no_callbacks(o);
      f.stage = 5;
      return;
    case 5: {
      dealloc_destruction_step(o, "clearing the instance dict");
      // R1.7b step 9: drop the instance dict; inline values are released in
      // the order of the class's shared keys.
      std::vector<Value> values;
      Object& x = obj(o);
      const auto& keys = state_.class_keys[x.type];
      for (uint8_t i = 0; i < state_.class_key_count[x.type]; ++i) {
        Value& v = x.fields[keys[i]];
        if (v.kind() != ValueKind::Unset) values.push_back(v);
        v = Value::unset();
      }
      f.stage = 6;
      release_values(values);
      return;
    }
    case 6:
      dealloc_destruction_step(o, "tp_free");
      // R1.7b step 12: object_dealloc -> tp_free (PyObject_GC_Del, R1.11).
      free_object(o);
      f.stage = 7;
      return;
    default:
      // R1.7b step 13 / R1.12: the instance's reference to its heap type is
      // released last, after the memory.
      emit(event(EventKind::TypeDecref, o));
      emit(event(EventKind::DeallocEnd, o));
      pop_frame();
      release_slot(o);
      return;
  }
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
      emit(event(EventKind::DeallocEnd, o));
      pop_frame();
      release_slot(o);
      return;
  }
}

void Machine::step_method_dealloc(Frame& f) {
  const ObjId o = f.obj;
  switch (f.stage) {
    case 0: {
      // method_dealloc: untrack, drop im_func (a module function here), im_self, free.
      emit(event(EventKind::DeallocBegin, o));
      obj(o).flags |= kDeallocating;
      untrack(o);
      Value self = obj(o).fields[kMethodSelf];
      obj(o).fields[kMethodSelf] = Value::none();
      f.stage = 1;
      release_values({self});
      return;
    }
    case 1:
      free_object(o);
      f.stage = 2;
      return;
    default:
      emit(event(EventKind::DeallocEnd, o));
      pop_frame();
      release_slot(o);
      return;
  }
}

void Machine::step_finalize_from_dealloc(Frame& f) {
  const ObjId o = f.obj;
  const TypeInfo& type = program_.types[obj(o).type];
  switch (f.stage) {
    case 0: {
      Object& x = obj(o);
      if (x.rc != 0)
        violation({"memory-safety"}, "PyObject_CallFinalizerFromDealloc on " + name_of(o) +
                                         " whose refcount is " + std::to_string(x.rc));
      // R1.6 step 2: temporary resurrection while the finalizer runs (G19).
      x.rc = 1;
      f.flags |= kHolds;
      // R1.6 step 3 / R1.9: a GC object is finalized at most once.
      if (!type.has_finalizer() || (type.gc && x.has(kFinalized))) {
        f.stage = 2;
        return;
      }
      check_finalize_begin(o, false);
      Event e = event(EventKind::FinalizeBegin, o);
      e.path = 0;
      emit(std::move(e));
      x.flags |= kFinalizing;
      if (x.finalize_count < 3) ++x.finalize_count;
      f.stage = 1;
      call_python(type.finalizer, {Value::object(o)});
      return;
    }
    case 1: {
      Thread& th = thread();
      if (th.has_exc) {
        // R1.10: slot_tp_finalize reports the exception as unraisable.
        Event e = event(EventKind::Unraisable, o);
        e.text = program_.strings[th.exc];
        emit(std::move(e));
        th.has_exc = false;
      }
      Object& x = obj(o);
      x.flags &= static_cast<uint16_t>(~kFinalizing);
      emit(event(EventKind::FinalizeEnd, o));
      // R1.6a: on this path the mark is set after tp_finalize returns.
      if (type.gc && !program_.profile.has(RuntimeBug::NoFinalizedMark)) x.flags |= kFinalized;
      f.stage = 2;
      return;
    }
    default: {
      // R1.6 step 5: undo the temporary reference without deallocating.
      Object& x = obj(o);
      --x.rc;
      f.flags &= static_cast<uint8_t>(~kHolds);
      bool resurrected = x.rc > 0;
      if (resurrected) {
        x.flags |= kResurrected;
        emit(event(EventKind::Resurrect, o));
      }
      pop_frame();
      if (resurrected) thread().frames.back().flags |= kResult;
      return;
    }
  }
}

}  // namespace lifecheck::model
