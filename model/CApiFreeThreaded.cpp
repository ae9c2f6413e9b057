// The C API around a C slot's local `ref` (weakref lookups, with or
// without the GIL) and the one free-threaded extension code uses (SEMANTICS.md
// §4.2; Doc/howto/free-threading-extensions.rst), and the data-race
// property. The steps on `ref`, one per C API call:
//   weakref_getobject F   ref = PyWeakref_GetObject(self->F): borrowed.
//                         Using it once its object is freed, or after
//                         anything that may run other threads' code (without
//                         the GIL: any later step, since other threads run
//                         in between), is a memory-safety violation.
//   weakref_getref F      PyWeakref_GetRef(self->F, &ref): a strong
//                         reference or NULL (_Py_TryIncref, W3, F8).
//   tryincref_ref         PyUnstable_TryIncRef on ref: strong unless dying.
//   incref_ref            Py_INCREF(ref).
//   use_ref               a use of *ref (a call with it, Py_TYPE(ref)).
//   drop_ref              Py_XDECREF(ref): of a borrowed ref, one release
//                         too many.
// A lookup overwrites ref: a strong reference still held there leaks, as
// `ref = ...` does in C. The steps after a lookup are the branch where it
// found an object: on NULL (or Py_None, a dead weakref) they do nothing.
// Critical sections lock an object's mutex (one object, or self and
// self->F); a thread waits while another holds it. Without the GIL two
// threads touching one C field outside a critical section, one writing,
// violate `data-race`.
#include "model/Machine.h"

namespace lifecheck::model {

namespace {

// The step a C slot frame runs next, if it is in its step list.
const SlotStep* next_step(const Program& program, const Frame& f) {
  // Only C slot frames name a type in `func` (a Body frame names a function).
  if (f.kind != FrameKind::Construct && f.kind != FrameKind::CDealloc && f.kind != FrameKind::Clear)
    return nullptr;
  if (f.func >= program.types.size()) return nullptr;
  const TypeInfo& t = program.types[f.func];
  const TypeInfo& ct = t.kind == TypeKind::CType || t.base == kNoType ? t : program.types[t.base];
  const std::vector<SlotStep>* steps = nullptr;
  switch (f.kind) {
    case FrameKind::Construct:  // stage 1: tp_init's steps (TI1, CTypeInit.cpp)
      steps = f.stage == 0 ? &ct.new_steps : f.stage == 1 ? &ct.init_steps : nullptr;
      break;
    case FrameKind::CDealloc:
      steps = f.stage == 1 ? &ct.dealloc_steps : nullptr;  // kCdSteps
      break;
    case FrameKind::Clear:
      steps = f.stage == 3 ? &ct.clear_steps : nullptr;  // kCSteps
      break;
    default:
      break;
  }
  if (!steps || f.pc >= steps->size()) return nullptr;
  return &(*steps)[f.pc];
}

bool may_run_other_code(SlotOp op) {
  // With the GIL, other threads run only where a step calls Python code,
  // releases the GIL or drops a reference (a finalizer may run).
  switch (op) {
    case SlotOp::Call:
    case SlotOp::ReleaseGil:
    case SlotOp::ClearField:
    case SlotOp::DecrefField:
    case SlotOp::CallClear:
    case SlotOp::ClearWeakrefs:
    case SlotOp::FinalizerFromDealloc:
    case SlotOp::TpDel:
    case SlotOp::DropRef:
    case SlotOp::Publish:
    case SlotOp::XDecrefField:
    case SlotOp::SetRefField:
    case SlotOp::CallFinalize:
    case SlotOp::BaseDealloc:
    case SlotOp::BaseClear:
    case SlotOp::TrashcanEnd:  // runs the deallocations it postponed
      return true;
    default:
      return false;
  }
}

}  // namespace

ObjId Machine::critical_section_target(const Frame& f, const SlotStep& st) const {
  if (st.arg != 1) return f.obj;
  Value v = state_.objects[f.obj].fields[st.field];
  return v.is_obj() ? v.obj() : kNoObj;
}

bool blocked_on_critical_section(const Program& program, const State& state, ThreadId t) {
  const Thread& th = state.threads[t];
  if (th.frames.empty()) return false;
  const Frame& f = th.frames.back();
  const SlotStep* st = next_step(program, f);
  if (!st || st->op != SlotOp::CriticalSectionBegin || f.obj == kNoObj) return false;
  auto held_elsewhere = [&](ObjId o) {
    if (o == kNoObj || o >= state.objects.size()) return false;
    ThreadId holder = state.objects[o].locked_by;
    return holder != kNoThread && holder != t;
  };
  if (held_elsewhere(f.obj)) return true;
  if (st->arg == 1) {
    Value v = state.objects[f.obj].fields[st->field];
    if (v.is_obj() && held_elsewhere(v.obj())) return true;
  }
  return false;
}

void Machine::check_data_race(ObjId o, FieldId field, bool write, bool in_critical_section) {
  if (program_.profile.gil) return;  // the GIL orders every C step
  const uint16_t read_bit = static_cast<uint16_t>(1u << field);
  const uint16_t write_bit = static_cast<uint16_t>(1u << (8 + field));
  for (size_t u = 0; u < state_.threads.size(); ++u) {
    if (u == current_) continue;
    for (const Frame& g : state_.threads[u].frames) {
      if (g.obj != o || !(g.touched & (read_bit | write_bit))) continue;
      if (!write && !(g.touched & write_bit)) continue;
      const bool other_wrote = (g.touched & write_bit) != 0;
      violation({"data-race"}, "thread " + program_.threads[current_].name +
                                   (write ? " writes " : " reads ") + name_of(o) + "->" +
                                   program_.field_names[field] + " while thread " +
                                   program_.threads[u].name + ", outside a critical section, " +
                                   (other_wrote ? "has written" : "has read") +
                                   " it in a C slot that is still running");
    }
  }
  if (!in_critical_section && !thread().frames.empty()) {
    Frame& f = top();
    if (f.obj == o) f.touched |= write ? write_bit : read_bit;
  }
}

void Machine::c_field_access(const Frame& f, FieldId field, bool write) {
  const bool locked = f.obj != kNoObj && obj(f.obj).locked_by == current_;
  check_data_race(f.obj, field, write, locked);
}

void Machine::release_critical_sections(Frame& f) {
  if (f.has(kCritical) && f.obj != kNoObj && obj(f.obj).locked_by == current_)
    obj(f.obj).locked_by = kNoThread;
  if (f.has(kCritical2) && f.locked2 != kNoObj && obj(f.locked2).locked_by == current_)
    obj(f.locked2).locked_by = kNoThread;
  f.flags &= ~uint32_t{kCritical | kCritical2};
  f.locked2 = kNoObj;
}

bool Machine::ref_alive(const Frame& f) const { return ref_alive_id(f.ref, f.ref_serial); }

void Machine::before_c_step(Frame& f, const SlotStep& st) {
  // A borrowed reference goes stale where other threads may have run: with
  // the GIL at a step that may run other code, without it at any later
  // step (each is a switch point).
  if (f.has(kRefBorrowed) && !f.has(kRefStale) &&
      (!program_.profile.gil || may_run_other_code(st.op)))
    f.flags |= kRefStale;
}

bool Machine::step_capi(Frame& f, const SlotStep& st) {
  const ObjId o = f.obj;
  auto set_ref = [&](ObjId r, bool borrowed) {
    f.ref = r;
    f.ref_serial = r == kNoObj ? 0 : obj(r).serial;
    f.flags &= ~uint32_t{kRefBorrowed | kRefStale};
    if (borrowed && r != kNoObj) f.flags |= kRefBorrowed;
  };
  // The referent of the weakref in self->F (Objects/weakrefobject.c), or
  // kNoObj. A NULL or None field is the branch the C code's `if (self->wr)`
  // skips; anything else makes the call fail with SystemError set
  // (PyErr_BadInternalCall). A referent at refcount 0 reads as dead (W3).
  auto referent_of_field = [&](const char* api) -> ObjId {
    require_not_freed(o, api);
    c_field_access(f, st.field, false);
    Value w = read_c_field(o, st.field);
    if (w.kind() == ValueKind::None) return kNoObj;
    if (!w.is_obj() || program_.types[obj(w.obj()).type].kind != TypeKind::Weakref) {
      raise_system_error();
      return kNoObj;
    }
    Value r = obj(w.obj()).fields[kWeakrefReferent];
    if (!r.is_obj() || obj(r.obj()).rc <= 0 || obj(r.obj()).has(kFreed)) return kNoObj;
    return r.obj();
  };
  // `verb` (uses, increfs, releases) the object behind ref: it must still
  // exist, and a borrowed one must not have gone stale. False when it is
  // gone (the violation ignored).
  auto require_ref = [&](const char* verb) -> bool {
    const char* slot = f.kind == FrameKind::Construct ? (f.stage == 1 ? "tp_init" : "tp_new")
                       : f.kind == FrameKind::Clear   ? "tp_clear"
                                                      : "tp_dealloc";
    const std::string who = std::string(slot) + " of " + name_of(o) + " " + verb;
    if (!ref_alive(f) && f.has(kRefBorrowed))
      violation({"memory-safety"},
                who +
                    " the object PyWeakref_GetObject returned, which has been freed since: a "
                    "borrowed reference does not keep it alive (PyWeakref_GetRef returns a "
                    "strong one)");
    else if (!ref_alive(f))
      violation({"memory-safety"}, who + " the object it looked up, after it was freed");
    else if (f.has(kRefBorrowed) && f.has(kRefStale))
      violation({"memory-safety"},
                who + " " + name_of(f.ref) +
                    ", a borrowed reference from PyWeakref_GetObject, after code that may run "
                    "other threads (" +
                    (program_.profile.gil ? "a call or a decref" : "no GIL: any later step") +
                    "): another thread may have dropped the last reference; use "
                    "PyWeakref_GetRef");
    return ref_alive(f);
  };
  switch (st.op) {
    case SlotOp::Publish: {
      incref(Value::object(o));
      Value old = state_.globals[st.global];
      state_.globals[st.global] = Value::object(o);
      release_values({old});
      return true;
    }
    case SlotOp::CriticalSectionBegin: {
      // Py_BEGIN_CRITICAL_SECTION(self) / ..._SECTION2(self, self->F):
      // enabled only when free (blocked_on_critical_section); no-ops with
      // the GIL.
      if (program_.profile.gil) return true;
      require_not_freed(o, "Py_BEGIN_CRITICAL_SECTION");
      obj(o).locked_by = current_;
      f.flags |= kCritical;
      if (st.arg == 1) {
        c_field_access(f, st.field, false);
        ObjId other = critical_section_target(f, st);
        if (other != kNoObj && other != o) {
          require_not_freed(other, "Py_BEGIN_CRITICAL_SECTION2");
          obj(other).locked_by = current_;
          f.locked2 = other;
          f.flags |= kCritical2;
        }
      }
      return true;
    }
    case SlotOp::CriticalSectionEnd:
      if (program_.profile.gil) return true;
      if (obj(o).has(kFreed))
        violation({"memory-safety"}, "Py_END_CRITICAL_SECTION unlocks the mutex of " + name_of(o) +
                                         " after tp_free released it (no critical section "
                                         "around one's own tp_dealloc)");
      release_critical_sections(f);
      return true;
    case SlotOp::WeakrefGetObject:
      set_ref(referent_of_field("PyWeakref_GetObject"), true);
      return true;
    case SlotOp::WeakrefGetRef: {
      ObjId r = referent_of_field("PyWeakref_GetRef");
      set_ref(r != kNoObj && try_incref(r) ? r : kNoObj, false);
      return true;
    }
    case SlotOp::TryIncrefRef: {
      // PyUnstable_TryIncRef: succeeds unless the object is dying; freed
      // memory is kept by QSBR, so the attempt itself is safe (F13).
      if (f.ref == kNoObj) return true;
      if (!ref_alive(f) || obj(f.ref).rc == 0 || !try_incref(f.ref)) {
        f.ref = kNoObj;
        f.flags &= ~uint32_t{kRefBorrowed | kRefStale};
        return true;
      }
      f.flags &= ~uint32_t{kRefBorrowed | kRefStale};
      return true;
    }
    case SlotOp::IncrefRef:
      if (f.ref == kNoObj) return true;
      if (require_ref("increfs")) incref(Value::object(f.ref));
      f.flags &= ~uint32_t{kRefBorrowed | kRefStale};
      return true;
    case SlotOp::UseRef:
      if (f.ref == kNoObj) return true;
      require_ref("uses");
      return true;
    case SlotOp::DropRef:
      if (f.ref != kNoObj && f.has(kRefBorrowed)) {
        // Py_XDECREF of a borrowed reference: its owner's reference goes
        ObjId r = f.ref;
        const bool alive = require_ref("releases");
        set_ref(kNoObj, false);
        if (alive) decref(Value::object(r));
        return true;
      }
      drop_ref_if_strong(f);
      set_ref(kNoObj, false);
      return true;
    case SlotOp::EnableDeferredRefcount: {
      // F9 (3.14t): a tracked GC object gets the deferred bias and then
      // dies only in a collection; elsewhere a no-op returning 0.
      if (!program_.profile.deferred_refcount_api || !obj(o).tracked() || obj(o).has(kDeferredRc))
        return true;
      obj(o).flags |= kDeferredRc;
      ++obj(o).rc;  // _Py_REF_DEFERRED, in the shared count
      return true;
    }
    default:
      return false;
  }
}

void Machine::drop_ref_if_strong(Frame& f) {
  if (f.ref == kNoObj || f.has(kRefBorrowed)) return;
  ObjId r = f.ref;
  f.ref = kNoObj;
  if (ref_alive_id(r, f.ref_serial)) decref(Value::object(r));
}

bool Machine::ref_alive_id(ObjId r, uint16_t serial) const {
  if (r >= state_.objects.size()) return false;
  const Object& x = state_.objects[r];
  return x.live && !x.has(kFreed) && x.serial == serial;
}

}  // namespace lifecheck::model
