// C extension types, described by their slots' step lists: construction
// (tp_alloc, field initialisation, PyObject_GC_Track), tp_dealloc, tp_clear
// and tp_traverse. Each step does what its C counterpart does, and the
// type-contract properties of SEMANTICS.md §7 (P7.10-P7.17, P7.24,
// P7.26-P7.28, P7.30) and resource affinity are checked where they apply.
#include <algorithm>

#include "model/CFieldCall.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
enum : uint8_t { kCdInit, kCdSteps, kCdAfterCall, kCdFinish };

// A runtime frame that a C step pushes for o.
Frame child(FrameKind kind, ObjId o, uint16_t func = 0, uint32_t flags = 0) {
  Frame c;
  c.kind = kind;
  c.obj = o;
  c.func = func;
  c.flags = flags;
  return c;
}

bool visits_field(const TypeInfo& t, FieldId f) {
  for (const SlotStep& s : t.traverse_steps)
    if (s.op == SlotOp::Visit && s.field == f) return true;
  return false;
}
}  // namespace

void Machine::c_step_begin(ObjId o, const SlotStep& st) {
  origin_ = st.origin;
  if (st.origin == 0) return;
  Event e = event(EventKind::CStep, o);
  e.text = program_.origins[st.origin] + ": " + slot_step_text(program_, st);
  emit(std::move(e));
}

void Machine::raise_system_error() {
  // a C API call failed: its exception is set on the thread (the compiler
  // interns "SystemError" in every program)
  thread().has_exc = true;
  thread().exc = static_cast<StrId>(
      std::find(program_.strings.begin(), program_.strings.end(), "SystemError") -
      program_.strings.begin());
}

const TypeInfo& Machine::c_type_of(ObjId o) const {
  const TypeInfo& t = program_.types[state_.objects[o].type];
  if (!program_.derives_from_c_type(t)) return t;
  return program_.types[t.base];
}

void Machine::require_attached(const char* what) {
  if (thread().detached)
    violation({"P7.27"}, std::string(what) + " on thread " + program_.threads[current_].name +
                             " without an attached thread state: the GIL was released by "
                             "Py_BEGIN_ALLOW_THREADS and not taken back");
}

void Machine::require_not_freed(ObjId o, const char* what) {
  if (obj(o).has(kFreed))
    violation({"memory-safety"},
              std::string(what) + " on " + name_of(o) + " after tp_free released its memory");
}

Value Machine::read_c_field(ObjId o, FieldId field) {
  // Python-level member access is atomic (PyMember_GetOne: lock-free with
  // _Py_TryIncrefCompare, else the object's critical section); it races
  // only with C code that touches the field outside a critical section.
  check_data_race(o, field, false, true);
  Value v = obj(o).fields[field];
  const std::string where = name_of(o) + "->" + program_.field_names[field];
  switch (v.kind()) {
    case ValueKind::Unset:
      return Value::none();  // a NULL T_OBJECT member reads as None
    case ValueKind::Garbage:
      violation({"memory-safety"}, "read of " + where + ", which was never initialised");
      return Value::none();
    case ValueKind::Dangling:
      violation({"memory-safety"}, "read of " + where + ", which points to freed memory");
      return Value::none();
    case ValueKind::Stale:
      return Value::object(v.obj());  // a borrowed pointer to a live object
    default:
      return v;
  }
}

void Machine::write_c_field(ObjId o, FieldId field, Value v, ValueList& released) {
  // Py_XSETREF(self->field, v): the old pointer is decref'd, whether or not
  // this object still owns a reference through it.
  check_data_race(o, field, true, true);  // PyMember_SetOne: a critical section
  Value old = obj(o).fields[field];
  const std::string where = name_of(o) + "->" + program_.field_names[field];
  if (old.kind() == ValueKind::Garbage)
    violation({"memory-safety"}, "Py_XSETREF of " + where + ", which was never initialised");
  if (old.kind() == ValueKind::Dangling)
    violation({"memory-safety"}, "Py_XSETREF of " + where + ", which points to freed memory");
  obj(o).fields[field] = v;
  if (old.kind() == ValueKind::Stale) old = Value::object(old.obj());
  released.push_back(old);
}

void Machine::store_self(ObjId o, uint16_t global) {
  incref(Value::object(o));
  Value old = state_.globals[global];
  state_.globals[global] = Value::object(o);
  obj(o).flags |= kSelfStored;
  release_values({old});
}

void Machine::release_resource(ObjId o, bool if_held) {
  Object& x = obj(o);
  if (if_held && x.has(kResourceReleased)) return;  // `if (self->handle) ...` in C
  if (x.has(kResourceReleased))
    violation({"resource-affinity"}, "the resource of " + name_of(o) + " is released twice");
  if (x.resource_owner != current_)
    violation({"resource-affinity"}, "the resource of " + name_of(o) + " is released on thread " +
                                         program_.threads[current_].name +
                                         ", but it was created on thread " +
                                         program_.threads[x.resource_owner].name);
  x.flags |= kResourceReleased;
  Event e = event(EventKind::ResourceRelease, o);
  e.value = x.resource_owner;
  emit(std::move(e));
}

void Machine::field_step(Frame& f, const SlotStep& st, bool in_dealloc) {
  const ObjId o = f.obj;
  require_not_freed(o, slot_op_name(st.op));
  const std::string where = name_of(o) + "->" + program_.field_names[st.field];
  c_field_access(f, st.field, true);
  Value v = obj(o).fields[st.field];
  // Py_XDECREF and Py_XSETREF skip a NULL field: nothing is released
  const bool x_null =
      v.kind() == ValueKind::Unset &&
      (st.op == SlotOp::XDecrefField || (st.op == SlotOp::SetRefField && (st.arg & 1)));
  if (in_dealloc && st.op != SlotOp::NullField && !x_null && obj(o).tracked() &&
      visits_field(c_type_of(o), st.field))
    violation({"P7.10"}, "tp_dealloc releases " + where + ", which tp_traverse visits, while " +
                             name_of(o) +
                             " is still tracked: a collection started from here "
                             "would see it");
  if (st.op != SlotOp::NullField && !x_null) {
    if (v.kind() == ValueKind::Garbage)
      violation({"memory-safety"}, std::string(slot_op_name(st.op)) + " of " + where +
                                       ", which was never initialised");
    if (v.kind() == ValueKind::Dangling)
      violation({"memory-safety"}, std::string(slot_op_name(st.op)) + " of " + where +
                                       ", which points to freed memory (a second release)");
  }
  switch (st.op) {
    case SlotOp::ClearField:  // Py_CLEAR: NULL first, then Py_DECREF
      obj(o).fields[st.field] = Value::unset();
      if (v.points_at_object()) decref(Value::object(v.obj()));
      return;
    case SlotOp::DecrefField:  // Py_DECREF, the pointer stays behind
      if (v.kind() == ValueKind::Unset)
        violation({"memory-safety"}, "Py_DECREF of " + where + ", which is NULL");
      if (v.points_at_object()) {
        obj(o).fields[st.field] = Value::stale(v.obj());
        decref(Value::object(v.obj()));
      }
      return;
    case SlotOp::NullField:  // an owned reference, if any, is leaked
      obj(o).fields[st.field] = Value::unset();
      return;
    case SlotOp::XDecrefField:  // Py_XDECREF: NULL is skipped, the pointer stays
      if (v.points_at_object()) {
        obj(o).fields[st.field] = Value::stale(v.obj());
        decref(Value::object(v.obj()));
      }
      return;
    case SlotOp::SetRefField: {  // Py_(X)SETREF: the new value first, then the old released
      if (v.kind() == ValueKind::Unset && !(st.arg & 1))
        violation({"memory-safety"}, "Py_SETREF of " + where + ", which is NULL: Py_DECREF(NULL)");
      Value nv = st.arg & 2 ? Value::none() : Value::unset();
      if (st.arg & 4) {  // in new: Py_NewRef of the constructor argument
        nv = constructor_arg(f, st.field);
        incref(nv);
      }
      obj(o).fields[st.field] = nv;
      if (v.points_at_object()) decref(Value::object(v.obj()));
      return;
    }
    default:
      return;
  }
}

// ------------------------------------------------------------ construction

const TypeInfo& Machine::constructed_type(const Frame& f) const {
  const TypeInfo& instance_type = program_.types[f.func];
  return instance_type.kind == TypeKind::CType ? instance_type : program_.types[instance_type.base];
}

Value Machine::constructor_arg(const Frame& f, FieldId field) const {
  // the argument in the field's position on the `fields:` line, else None
  const TypeInfo& ct = constructed_type(f);
  size_t index = static_cast<size_t>(std::find(ct.c_fields.begin(), ct.c_fields.end(), field) -
                                     ct.c_fields.begin());
  return index < f.count ? state_.threads[current_].values[f.base + index] : Value::none();
}

void Machine::step_construct(Frame& f) {
  f.flags &= ~uint32_t{kYielded};
  const TypeInfo& instance_type = program_.types[f.func];
  const TypeInfo& ct = constructed_type(f);
  // stage 0: tp_new's steps; 1: tp_init's (TI1, CTypeInit.cpp)
  const std::vector<SlotStep>& steps = f.stage == 1 ? ct.init_steps : ct.new_steps;
  if (f.stage <= 1 && f.pc < steps.size()) {
    const SlotStep& st = steps[f.pc++];
    OriginScope scope{*this};
    c_step_begin(f.obj, st);
    before_c_step(f, st);
    if (step_capi(f, st)) return;
    switch (st.op) {
      case SlotOp::Alloc: {
        // arg 1: PyType_GenericAlloc zeroes the memory and tracks a GC
        // object at once; arg 0: PyObject_GC_New leaves the fields
        // uninitialised and the object untracked (P7.11).
        // A class deriving from the C type allocates through its own
        // tp_alloc, PyType_GenericAlloc.
        bool generic = st.arg == 1 || &instance_type != &ct;
        ObjId o = alloc(static_cast<ClassId>(f.func), static_cast<LabelId>(f.aux), generic);
        for (FieldId field : ct.c_fields)
          obj(o).fields[field] = generic ? Value::unset() : Value::garbage();
        if (ct.resource) obj(o).resource_owner = current_;
        f.obj = o;
        f.flags |= kHolds;
        return;
      }
      case SlotOp::Init: {
        if (st.arg == 1) {  // self->field = NULL
          obj(f.obj).fields[st.field] = Value::unset();
          return;
        }
        Value arg = constructor_arg(f, st.field);
        incref(arg);
        c_field_access(f, st.field, true);
        obj(f.obj).fields[st.field] = arg;  // plain assignment: an earlier value leaks
        return;
      }
      case SlotOp::SetRefField:  // tp_init replacing a field: the old value released
      case SlotOp::ClearField:   // (TI2: in init:)
      case SlotOp::XDecrefField:
        field_step(f, st, false);
        return;
      case SlotOp::RaiseError:  // TI2: tp_init sets an exception and returns -1
        raise_system_error();
        f.pc = static_cast<uint16_t>(steps.size());
        return;
      case SlotOp::Track: {
        if (obj(f.obj).tracked())
          violation({"P7.30"},
                    "PyObject_GC_Track of " + name_of(f.obj) + ", which is already tracked");
        for (FieldId field : ct.c_fields)
          if (visits_field(ct, field) && obj(f.obj).fields[field].kind() == ValueKind::Garbage)
            violation({"P7.11"}, "PyObject_GC_Track of " + name_of(f.obj) + " before " +
                                     name_of(f.obj) + "->" + program_.field_names[field] +
                                     ", which tp_traverse visits, is initialised");
        track(f.obj);
        return;
      }
      case SlotOp::Untrack:
        untrack(f.obj);
        return;
      case SlotOp::ReleaseGil:
        thread().detached = true;
        f.flags |= kYielded;
        return;
      case SlotOp::AcquireGil:
        thread().detached = false;
        return;
      case SlotOp::Call:  // an opaque call into Python: a scheduling point
        f.flags |= kYielded;
        return;
      default:
        return;
    }
  }
  if (!construct_ends(f)) return;  // tp_init runs next (TI1)
  // Done: the new reference is the call's result, on the body's stack; the
  // arguments are released.
  Thread& th = thread();
  ValueList args(th.values.begin() + f.base, th.values.begin() + f.base + f.count);
  th.values.erase(th.values.begin() + f.base, th.values.begin() + f.base + f.count);
  Value result = Value::object(f.obj);
  pop_frame();
  push(result);
  release_values(args);
}

// --------------------------------------------------------------- tp_dealloc

void Machine::step_c_dealloc(Frame& f) {
  f.flags &= ~uint32_t{kYielded};
  const ObjId o = f.obj;
  const TypeInfo& ct = program_.types[f.func];
  const bool as_base = f.aux != 0;  // the base part of subtype_dealloc
  switch (f.stage) {
    case kCdInit:
      if (!as_base) {
        emit(event(EventKind::DeallocBegin, o));
        obj(o).flags |= kDeallocating;
      }
      if (thread().has_exc) f.flags |= kErrAtBegin;
      f.stage = kCdSteps;
      return;
    case kCdAfterCall: {
      PyCallResult r = return_from_python(f);
      if (r.raised) {  // the C call returned NULL with the exception set
        thread().has_exc = true;
        thread().exc = r.exc;
      }
      f.stage = kCdSteps;
      return;
    }
    case kCdSteps: {
      if (f.has(kResult)) {
        // PyObject_CallFinalizerFromDealloc (or tp_del) resurrected it: the
        // deallocator returns (through its cleanup: a saved exception is
        // restored, as the documented template's "goto done" does).
        if (f.has(kLocalError)) {
          thread().has_exc = true;
          thread().exc = f.saved_exc;
          f.flags &= ~uint32_t{kLocalError};
        }
        if (as_base) {
          pop_frame();
          top().flags |= kResult;
          return;
        }
        Event e = event(EventKind::DeallocEnd, o);
        e.value = 1;
        emit(std::move(e));
        obj(o).flags &= ~(kDeallocating | kResurrected);
        pop_frame();
        return;
      }
      if (f.pc >= ct.dealloc_steps.size()) {
        f.stage = kCdFinish;
        return;
      }
      const SlotStep& st = ct.dealloc_steps[f.pc++];
      OriginScope scope{*this};
      c_step_begin(o, st);
      before_c_step(f, st);
      if (step_capi(f, st)) return;
      auto destroying = [&]() { f.flags |= kDestroyed; };
      switch (st.op) {
        case SlotOp::FinalizerFromDealloc: {
          require_not_freed(o, "PyObject_CallFinalizerFromDealloc");
          if (f.has(kDestroyed))
            violation({"P7.28"}, "tp_dealloc of " + name_of(o) +
                                     " calls PyObject_CallFinalizerFromDealloc after it began "
                                     "destroying the object: the finalizer sees it half-cleared");
          // unchecked: a resurrection does not stop this dealloc
          push_frame(
              child(FrameKind::FinalizeFromDealloc, o, 0, st.arg == 1 ? uint32_t{kUnchecked} : 0u));
          return;
        }
        case SlotOp::CallFinalize: {
          // tp_finalize(self) called directly, at refcount 0: no temporary
          // resurrection and no finalized mark (R1.6 bypassed)
          require_not_freed(o, "tp_finalize");
          push_frame(child(FrameKind::FinalizeFromDealloc, o, 0, kDirect));
          return;
        }
        case SlotOp::BaseDealloc: {
          // the base's tp_dealloc on this object, as subtype_dealloc runs a
          // C base's (it untracks, frees, and releases a heap type)
          Frame c = child(FrameKind::CDealloc, o, ct.base);
          c.aux = 1;  // the base part
          push_frame(c);
          return;
        }
        case SlotOp::BaseClear:
          destroying();
          require_not_freed(o, "the base's tp_clear");
          push_base_clear(o, ct.base);
          return;
        case SlotOp::TrashcanBegin:
          trashcan_begin_step(f);
          return;
        case SlotOp::TrashcanEnd: {
          // Py_TRASHCAN_END: may drain the postponed deallocations (TC1)
          Frame entered = f;
          f.flags &= ~uint32_t{kTrashEntered};
          trashcan_end(entered);
          return;
        }
        case SlotOp::TpDel: {
          // the C type calls its own tp_del function
          push_frame(child(FrameKind::FinalizeFromDealloc, o, ct.legacy_del, kLegacy));
          return;
        }
        case SlotOp::Untrack:
          require_not_freed(o, "PyObject_GC_UnTrack");
          untrack(o);
          return;
        case SlotOp::Track:
          require_not_freed(o, "PyObject_GC_Track");
          if (obj(o).tracked())
            violation({"P7.30"},
                      "PyObject_GC_Track of " + name_of(o) + ", which is already tracked");
          track(o);
          return;
        case SlotOp::ClearWeakrefs: {
          destroying();
          require_not_freed(o, "PyObject_ClearWeakRefs");
          Frame c;
          c.kind = FrameKind::ClearWeakrefs;
          c.obj = o;
          push_frame(c);
          return;
        }
        case SlotOp::ClearWeakrefsNoCallbacks:
          destroying();
          require_not_freed(o, "PyUnstable_Object_ClearWeakRefsNoCallbacks");
          clear_weakrefs_no_callbacks(o);
          return;
        case SlotOp::CallClear: {
          destroying();
          require_not_freed(o, "tp_clear");
          if (obj(o).tracked() && !ct.traverse_steps.empty())
            violation({"P7.10"},
                      "tp_dealloc calls tp_clear on " + name_of(o) + " while it is still tracked");
          Frame c;
          c.kind = FrameKind::Clear;
          c.obj = o;
          c.func = obj(o).type;
          c.flags = kExplicit;
          push_frame(c);
          return;
        }
        case SlotOp::ClearField:
        case SlotOp::DecrefField:
        case SlotOp::NullField:
        case SlotOp::XDecrefField:
        case SlotOp::SetRefField:
          destroying();
          field_step(f, st, true);
          return;
        case SlotOp::Free: {
          destroying();
          if (st.arg == 1)
            violation({"P7.16"}, std::string("tp_free of ") + name_of(o) + " with " +
                                     (ct.gc ? "PyObject_Free on a GC object: it frees the wrong "
                                              "pointer (the GC header comes first)"
                                            : "PyObject_GC_Del on an object allocated by "
                                              "PyObject_New"));
          if (obj(o).rc > 0 && obj(o).has(kSelfStored))
            violation({"P7.17"}, "tp_dealloc of " + name_of(o) +
                                     " stored a new reference to self, which outlives the "
                                     "object: use after free");
          free_object(o);
          return;
        }
        case SlotOp::DecrefType:
          if (!obj(o).has(kFreed))
            violation({"P7.15"},
                      "tp_dealloc of " + name_of(o) + " releases its heap type before tp_free");
          if (!obj(o).has(kHoldsTypeRef))
            violation({"P7.15"}, "tp_dealloc of " + name_of(o) +
                                     " releases its type a second time (or a static type)");
          obj(o).flags &= ~kHoldsTypeRef;
          emit(event(EventKind::TypeDecref, o));
          return;
        case SlotOp::ReadType:
          if (program_.types[obj(o).type].heap && !obj(o).has(kHoldsTypeRef))
            violation({"P7.15"}, "tp_dealloc of " + name_of(o) +
                                     " reads its type after releasing it: the type may be "
                                     "gone (bpo-44184)");
          return;
        case SlotOp::Call:
          if (st.arg & kCallField) {  // CB1, CB2: the callable in a field
            require_not_freed(o, "reading the callable in a field");
            c_field_access(f, st.field, false);
            const Value v = obj(o).fields[st.field];
            const std::string where = name_of(o) + "->" + program_.field_names[st.field];
            const std::string api = st.arg & kCallObjArgs ? "PyObject_CallFunctionObjArgs"
                                    : st.arg & kCallSelf  ? "PyObject_CallOneArg"
                                                          : "PyObject_CallNoArgs";
            if (v.kind() == ValueKind::Garbage || v.kind() == ValueKind::Dangling) {
              violation({"memory-safety"},
                        api + " of " + where +
                            (v.kind() == ValueKind::Garbage ? ", which was never initialised"
                                                            : ", which points to freed memory"));
              return;
            }
            if (v.kind() == ValueKind::Unset) {
              // CB2: `if (self->F)` skips it; object_vacall checks for NULL
              // (null_error: SystemError); the others read Py_TYPE(NULL)
              if (st.arg & kCallIfSet) return;
              if (!(st.arg & kCallObjArgs)) {
                violation({"memory-safety"},
                          api + "(" + where +
                              "), which is NULL: the call reads the type of a NULL pointer "
                              "(a tp_clear may have cleared the field)");
                return;
              }
              if (!thread().has_exc) raise_system_error();
              return;
            }
            if (thread().has_exc)
              violation({"P7.14"}, "tp_dealloc of " + name_of(o) +
                                       " calls into Python with an exception set (" + api + " of " +
                                       where + ")");
            // a stale field still points at a live object: the call borrows it
            const Value callable = v.kind() == ValueKind::Stale ? Value::object(v.obj()) : v;
            ValueList args;
            if (st.arg & kCallSelf) {
              require_not_freed(o, "passing self to Python code");
              args.push_back(Value::object(o));
            }
            const bool weakref =
                callable.is_obj() &&
                program_.types[obj(callable.obj()).type].kind == TypeKind::Weakref &&
                !is_proxy(callable);
            // W3: calling a weakref runs nothing; the referent (or None) is
            // the result, which the C code releases again. No arguments.
            if (weakref && args.empty()) return;
            f.stage = kCdAfterCall;       // the outcome: return_from_python
            if (is_finalize(callable)) {  // W11: finalize.__call__(self, _=None)
              save_pending_exception(f);
              push_finalize_call(callable.obj(), kNoObj, 0);
              return;
            }
            const FuncId fn = weakref ? kNoFunc : python_callee(callable, args);
            if (fn == kNoFunc)  // None, an instance, a number: TypeError, nothing runs
              call_fails_from_c(not_callable_tag(callable));
            else
              call_python_from_c(fn, args, is_function_object(callable) ? callable.obj() : kNoObj);
            return;
          }
          if (st.func == kNoFunc) {
            f.flags |= kYielded;  // may run finalizers or switch threads
            return;
          }
          if (thread().has_exc)
            violation({"P7.14"},
                      "tp_dealloc of " + name_of(o) + " calls into Python with an exception set");
          if (st.arg == 1) require_not_freed(o, "passing self to Python code");
          f.stage = kCdAfterCall;
          call_python_from_c(st.func, st.arg == 1 ? ValueList{Value::object(o)} : ValueList{});
          return;
        case SlotOp::StoreSelf:
          require_not_freed(o, "storing self");
          store_self(o, st.global);
          return;
        case SlotOp::ReleaseResource:
          require_not_freed(o, "releasing the resource");
          release_resource(o, st.arg == 1);
          return;
        case SlotOp::SaveError:
          if (thread().has_exc) {
            f.saved_exc = thread().exc;
            f.flags |= kLocalError;
            thread().has_exc = false;
          }
          return;
        case SlotOp::RestoreError: {
          // CB3: PyErr_SetRaisedException(exc) replaces the current
          // exception; with nothing saved (exc NULL) it clears it. A
          // replaced exception is dropped with its traceback.
          const bool replaced = thread().has_exc;
          thread().has_exc = f.has(kLocalError);
          if (f.has(kLocalError)) {
            thread().exc = f.saved_exc;
            f.flags &= ~uint32_t{kLocalError};
          }
          if (replaced) drop_traceback(f, false);
          return;
        }

        case SlotOp::RaiseError:
          raise_system_error();
          return;
        case SlotOp::WriteUnraisable:
          if (thread().has_exc && st.arg == kClearErrorOnly) {  // CB3: PyErr_Clear
            thread().has_exc = false;
            drop_traceback(f, false);
          } else if (thread().has_exc) {
            Event e = event(EventKind::Unraisable, o);
            e.text = program_.strings[thread().exc];
            emit(std::move(e));
            thread().has_exc = false;
            drop_traceback(f, false);  // the next step runs after the release
          }
          return;
        case SlotOp::ReleaseGil:
          thread().detached = true;
          f.flags |= kYielded;
          return;
        case SlotOp::AcquireGil:
          thread().detached = false;
          return;
        default:
          return;
      }
    }
    default: {  // kCdFinish
      if (thread().detached)
        violation({"P7.27"}, "tp_dealloc of " + name_of(o) +
                                 " returns without taking the GIL back (Py_BEGIN_ALLOW_THREADS "
                                 "with no Py_END_ALLOW_THREADS)");
      if (thread().has_exc != f.has(kErrAtBegin))
        violation({"P7.14"}, "tp_dealloc of " + name_of(o) +
                                 (thread().has_exc ? " returns with an exception set"
                                                   : " swallowed the caller's exception"));
      if (as_base) {
        pop_frame();
        return;
      }
      if (program_.types[obj(o).type].heap && obj(o).has(kHoldsTypeRef) && obj(o).has(kFreed))
        violation({"P7.15"}, "tp_dealloc of " + name_of(o) +
                                 " never releases its reference to its heap type (the type "
                                 "leaks)");
      emit(event(EventKind::DeallocEnd, o));
      bool freed = obj(o).has(kFreed);
      obj(o).flags &= ~kDeallocating;
      pop_frame();
      if (freed) release_slot(o);
      return;
    }
  }
}

// ----------------------------------------------------------------- tp_clear

bool Machine::step_c_clear(Frame& f) {
  const ObjId o = f.obj;
  // the C type whose tp_clear this is: the frame's (a C base's tp_clear
  // called by the derived type's), else the object's own C type
  const TypeInfo& ct =
      program_.types[f.func].kind == TypeKind::CType ? program_.types[f.func] : c_type_of(o);
  if (f.pc >= ct.clear_steps.size()) return false;
  const SlotStep& st = ct.clear_steps[f.pc++];
  OriginScope scope{*this};
  c_step_begin(o, st);
  before_c_step(f, st);
  if (step_capi(f, st)) return true;
  switch (st.op) {
    case SlotOp::ClearField:
    case SlotOp::DecrefField:
    case SlotOp::NullField:
    case SlotOp::XDecrefField:
    case SlotOp::SetRefField:
      field_step(f, st, false);
      break;
    case SlotOp::BaseClear:
      push_base_clear(o, ct.base);
      break;
    case SlotOp::ClearWeakrefs: {
      Frame c;
      c.kind = FrameKind::ClearWeakrefs;
      c.obj = o;
      push_frame(c);
      break;
    }
    case SlotOp::Free:
      violation({"P7.2", "memory-safety"},
                "tp_clear of " + name_of(o) + " frees the object while the collector holds it");
      break;
    case SlotOp::Call:
      f.flags |= kYielded;
      break;
    case SlotOp::StoreSelf:
      store_self(o, st.global);
      break;
    case SlotOp::ReleaseResource:
      release_resource(o, st.arg == 1);
      break;
    default:
      break;
  }
  return true;
}

// ------------------------------------------------------------- tp_traverse

void Machine::c_traverse(ObjId o, ClassId ctype, ObjList& out) {
  const TypeInfo& ct = program_.types[ctype];
  if (obj(o).has(kFreed))
    violation({"memory-safety"},
              "the collector traverses " + name_of(o) + ", which has been freed");
  bool visited_type = c_traverse_steps(o, ctype, out);
  if (ct.heap && !visited_type)
    violation({"P7.13"}, "tp_traverse of " + name_of(o) +
                             ", an instance of a heap type, does not visit its type");
}

bool Machine::c_traverse_steps(ObjId o, ClassId ctype, ObjList& out) {
  const TypeInfo& ct = program_.types[ctype];
  const Object& x = obj(o);
  bool visited_type = false;
  OriginScope scope{*this};
  for (const SlotStep& st : ct.traverse_steps) {
    origin_ = st.origin;  // no C_STEP event: traversals are not steps of a run
    switch (st.op) {
      case SlotOp::Visit: {
        Value v = x.fields[st.field];
        const std::string where = name_of(o) + "->" + program_.field_names[st.field];
        if (v.kind() == ValueKind::Garbage)
          violation({"memory-safety", "P7.11"},
                    "tp_traverse visits " + where + ", which was never initialised");
        if (v.kind() == ValueKind::Dangling)
          violation({"memory-safety"},
                    "tp_traverse visits " + where + ", which points to freed memory");
        if (v.points_at_object()) out.push_back(v.obj());
        break;
      }
      case SlotOp::VisitType:
        visited_type = true;  // the type object is outside the modelled heap
        break;
      case SlotOp::VisitWeakrefs:
        violation({"P7.13"}, "tp_traverse of " + name_of(o) +
                                 " visits its weakref list: weakrefs are not owned references");
        break;
      case SlotOp::Incref:
      case SlotOp::Decref:
      case SlotOp::Alloc:
        violation({"P7.12"}, "tp_traverse of " + name_of(o) + " has a side effect (" +
                                 slot_op_name(st.op) + ")");
        break;
      case SlotOp::BaseTraverse:  // the base's tp_traverse(self, visit, arg)
        visited_type = c_traverse_steps(o, ct.base, out) || visited_type;
        origin_ = 0;
        break;
      default:
        break;
    }
  }
  return visited_type;
}

}  // namespace lifecheck::model
