// The collector's stages that run Python code or C slots one object at a
// time, each in a frame of its own on the collecting thread (Collector.cpp
// runs the phases around them): finalize_garbage's calls of tp_finalize
// (G13), delete_garbage's tp_clear calls (G16, with the base types'
// tp_clear of a subtype) and gc.callbacks (G6). Shared by both builds'
// collectors.
#include "model/Machine.h"

namespace lifecheck::model {

void Machine::step_finalize_gc(Frame& f) {
  const ObjId o = f.obj;
  switch (f.stage) {
    case 0: {
      check_finalize_begin(o, true);
      Event e = event(EventKind::FinalizeBegin, o);
      e.path = 1;
      emit(std::move(e));
      Object& x = obj(o);
      x.flags |= kFinalizing | kGcFinalizing;
      if (x.finalize_count < 3) ++x.finalize_count;
      f.stage = 1;
      call_python_from_c(finalizer_of(x.type), {Value::object(o)});
      return;
    }
    case 1: {
      PyCallResult r = return_from_python(f);
      if (r.raised && !r.reported) {
        // finalize_garbage asserts that tp_finalize left no exception.
        if (program_.types[obj(o).type].finalizer_is_c)
          violation({"P7.14"}, "tp_finalize of " + name_of(o) + " leaves exception " +
                                   program_.strings[r.exc] + " set");
        Event u = event(EventKind::Unraisable, o);
        const TypeInfo& t = program_.types[obj(o).type];
        u.text = t.finalizer_is_c ? program_.strings[r.exc]
                                  : unraisable_text(r.exc, UnraisableSite::Deallocator,
                                                    finalizer_of(obj(o).type));  // X7
        emit(std::move(u));
        if (drop_traceback(f, true)) return;
      }
      obj(o).flags &= ~(kFinalizing | kGcFinalizing);
      Event e = event(EventKind::FinalizeEnd, o);
      e.path = 1;
      emit(std::move(e));
      f.stage = 2;
      // The call is over: the frame no longer names o, which the decref
      // may free (release_slot stops a FinalizeGc frame whose object is
      // freed during the call); the decref may also push a frame.
      f.obj = kNoObj;
      if (f.has(kHolds)) {
        f.flags &= ~uint32_t{kHolds};
        decref(Value::object(o));
      }
      return;
    }
    default:
      pop_frame();
      return;
  }
}

bool Machine::has_tp_clear(ObjId o) const {
  const TypeInfo& t = program_.types[state_.objects[o].type];
  switch (t.kind) {
    case TypeKind::PyClass:
      return true;  // subtype_clear
    case TypeKind::CType:
      return t.has_clear;
    case TypeKind::Weakref:
      return true;  // gc_clear
    case TypeKind::Method:
      return false;  // PyMethod_Type has no tp_clear
    case TypeKind::List:
      return true;  // list_clear
    case TypeKind::Tuple:
      return false;  // tuples have none (G16)
    case TypeKind::Dict:
      return true;  // dict_tp_clear
    case TypeKind::Set:
      return true;  // set_clear_internal
    case TypeKind::Deque:
      return true;               // deque_clear
    case TypeKind::Exception:    // BaseException_clear (X4)
    case TypeKind::FrameObject:  // frame_tp_clear (X5)
      return true;
    case TypeKind::Generator:  // PyGen_Type has no tp_clear (Y6)
      return false;
    case TypeKind::Function:  // func_clear (FN5)
    case TypeKind::Cell:      // cell_clear (FN5)
    // local_clear (TL5)
    case TypeKind::ThreadLocal:
      return true;
    case TypeKind::Lock:  // the lock types have no tp_clear (LK6)
      return false;
    case TypeKind::Partial:  // partial_clear (PT5)
      return true;
  }
  return false;
}

namespace {
enum ClearStage : uint8_t { kBeginClear, kClearDict, kClearEnd, kCSteps };  // step_clear's
}  // namespace

void Machine::step_clear(Frame& f) {
  const ObjId o = f.obj;
  const bool automatic = !f.has(kExplicit);
  switch (f.stage) {
    case kBeginClear: {
      if (automatic && state_.gc.debug_saveall &&
          program_.profile.gc_algorithm == GcAlgorithm::FreeThreaded) {
        // G16a in the free-threaded delete_garbage, whose tp_clear call
        // this is: the member goes to gc.garbage instead.
        save_garbage(o);
        pop_frame();
        return;
      }
      if (automatic) check_clear_begin(o);
      Event e = event(EventKind::ClearBegin, o);
      e.value = automatic ? 0 : 1;
      emit(std::move(e));
      obj(o).flags |= kClearing;
      if (automatic) {
        obj(o).flags |= kCleared | kClearedThisGc;
        check_cleared_neighbours(o, false);
      }
      f.pc = 0;
      const TypeInfo& t = program_.types[obj(o).type];
      f.stage = t.kind == TypeKind::CType ? kCSteps : kClearDict;
      return;
    }
    case kClearDict: {
      if (is_module_dict(o)) {  // SD3 (Shutdown.cpp)
        f.stage = kClearEnd;
        module_dict_clear(o);
        return;
      }
      Object& x = obj(o);
      const TypeInfo& t = program_.types[x.type];
      switch (t.kind) {
        case TypeKind::PyClass: {
          // subtype_clear: Py_CLEAR of each slot (sorted, each level from
          // the class down: R1.15a), then of each inline value in key
          // order, then the base's tp_clear.
          const size_t nslots = t.slots.size();
          while (f.pc < nslots + state_.class_key_count[x.type]) {
            const uint16_t i = f.pc++;
            const FieldId field = i < nslots ? t.slots[i] : state_.class_keys[x.type][i - nslots];
            Value& slot = x.fields[field];
            if (slot.kind() == ValueKind::Unset) continue;
            Value v = slot;
            slot = Value::unset();
            detach_instance_dict(field, v);  // R1.15d
            if (!v.is_obj()) continue;
            decref(v);
            return;
          }
          if (t.base != kNoType && is_container(program_.types[t.base].kind)) {
            f.stage = kClearEnd;  // list_clear, dict_tp_clear or set_clear_internal
            const TypeKind base = program_.types[t.base].kind;
            const ValueList items = take_items(o, base);
            release_in_any_order(items, base == TypeKind::Set ? items.size() : 0);  // C1
            return;
          }
          if (t.base != kNoType && program_.types[t.base].has_clear) {
            f.pc = 0;
            f.stage = kCSteps;
            return;
          }
          break;
        }
        case TypeKind::Weakref: {
          // gc_clear -> clear_weakref: unlink and Py_CLEAR the callback
          // (a WeakMethod's subtype_clear: its _func_ref slot first, WM6).
          if (weak_method_clear_step(o)) return;
          if (x.fields[kWeakrefReferent].is_obj()) clear_weakref_link(o);
          Value cb = obj(o).fields[kWeakrefCallback];
          obj(o).fields[kWeakrefCallback] = Value::none();
          f.stage = kClearEnd;
          decref(cb);
          return;
        }
        case TypeKind::List:
        case TypeKind::Dict:
        case TypeKind::Set:
        case TypeKind::Deque:
        case TypeKind::Exception:    // BaseException_clear: Py_CLEAR(traceback) (X4)
        case TypeKind::FrameObject:  // frame_tp_clear: the locals, in order (X5)
        case TypeKind::Function:     // func_clear: defaults, __dict__, closure (FN4a, FN5)
        case TypeKind::Cell:         // cell_clear: Py_CLEAR(ob_ref) (FN5)
        // local_clear: Py_CLEAR of its threads' dicts (TL5)
        case TypeKind::ThreadLocal:
          // _list_clear, PyDict_Clear, set_clear_internal, deque_clear:
          // emptied first, then the items released in each one's order.
          f.stage = kClearEnd;
          {
            const ValueList items = take_items(o, t.kind);
            release_in_any_order(items, t.kind == TypeKind::Set ? items.size() : 0);  // C1
          }
          return;
        case TypeKind::Partial:  // partial_clear: one Py_CLEAR at a time (PT5)
          if (partial_clear_step(o)) return;
          break;
        default:
          break;
      }
      f.stage = kClearEnd;
      return;
    }
    case kCSteps:
      f.flags &= ~uint32_t{kYielded};
      if (!step_c_clear(f)) f.stage = kClearEnd;
      return;
    default: {
      if (f.has(kBasePart)) {  // a C base's tp_clear: back to the derived type's
        pop_frame();
        return;
      }
      obj(o).flags &= ~kClearing;
      if (automatic && thread().has_exc) {
        // G16: delete_garbage reports an exception tp_clear left set
        // ("Exception ignored in tp_clear of ...", 3.11+)
        Event u = event(EventKind::Unraisable, o);
        u.text = program_.strings[thread().exc];
        emit(std::move(u));
        thread().has_exc = false;
      }
      if (obj(o).has(kSelfStored))
        violation({"P7.17"}, "tp_clear of " + name_of(o) +
                                 " stored a new reference to self: only tp_finalize may "
                                 "resurrect an object");
      emit(event(EventKind::ClearEnd, o));
      if (automatic) check_cleared_neighbours(o, true);
      bool holds = f.has(kHolds);
      pop_frame();
      if (holds) decref(Value::object(o));
      return;
    }
  }
}

void Machine::push_base_clear(ObjId o, ClassId base) {
  Frame c;
  c.kind = FrameKind::Clear;
  c.obj = o;
  c.func = base;
  c.flags = kExplicit | kBasePart;
  c.stage = kCSteps;  // the base's clear: steps only
  push_frame(c);
}

void Machine::step_gc_callbacks(Frame& f) {
  GcState& gc = state_.gc;
  const bool stop = f.has(kStopPhase);
  switch (f.stage) {
    case 0:
      (stop ? gc.stop_called : gc.start_called) = true;
      f.pc = 0;
      f.stage = 1;
      return;
    case 1: {
      // G6: each callback in list order, the list re-read every time.
      // G6a: a list of values, each held while its call runs.
      const bool values = program_.gc_callbacks_objects();
      const ObjId list = values ? gc_callbacks_list_obj(false) : kNoObj;
      const size_t n = values ? (list == kNoObj ? 0 : obj(list).length) : gc.callbacks.size();
      if (f.pc >= n) {
        pop_frame();
        return;
      }
      const Value cb = values ? obj(list).items[f.pc] : Value::func(gc.callbacks[f.pc]);
      ++f.pc;
      f.stage = 2;
      ValueList args = {Value::str(stop ? program_.str_stop : program_.str_start),
                        stop ? Value::gc_info(f.aux, gc.collected, gc.uncollectable)
                             : Value::gc_info(f.aux, 0, 0)};
      const FuncId fn = values ? python_callee(cb, args) : cb.func();
      Event e = event(EventKind::GcCallbackBegin);
      e.text = stop ? "stop" : "start";
      e.value = fn == kNoFunc ? not_callable_tag(cb) : fn;
      emit(std::move(e));
      if (cb.is_obj()) {
        incref(cb);
        f.obj2 = cb.obj();
      }
      if (fn == kNoFunc)
        call_fails_from_c(not_callable_tag(cb));
      else
        call_python_from_c(fn, args, callee_function(cb));
      return;
    }
    default: {
      PyCallResult r = return_from_python(f);
      if (r.raised && !r.reported) {
        Event u = event(EventKind::Unraisable);
        u.text = unraisable_text(r.exc, UnraisableSite::GcCallback, r.func);  // X7
        emit(std::move(u));
        if (drop_traceback(f, true)) return;
      }
      Event e = event(EventKind::GcCallbackEnd);
      e.text = stop ? "stop" : "start";
      emit(std::move(e));
      f.stage = 1;
      if (f.obj2 != kNoObj) {  // G6a: Py_DECREF(cb) after the call
        const Value held = Value::object(f.obj2);
        f.obj2 = kNoObj;
        decref(held);
      }
      return;
    }
  }
}

}  // namespace lifecheck::model
