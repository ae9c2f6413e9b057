// Weak references: the per-object list (W1), dereference (W3),
// PyObject_ClearWeakRefs on the refcount path (W4, W6, W7) and the silent
// clearing used by subtype_dealloc and the collector (W8, G15).
#include <algorithm>

#include "model/Machine.h"

namespace lifecheck::model {

namespace {
// ClearWeakrefs stages
enum : uint8_t {
  kCwStart,
  kCwBuild,         // one weakref per microstep into the "tuple"
  kCwBuildCalled,   // a callback called during the build returned (runtime bug)
  kCwCall,          // call the stored callbacks in order
  kCwCalled,        // a callback returned
  kCwRelease,       // drop the tuple, last item first
  kCwShortcutDone,  // single-weakref shortcut: the callback returned
};
}  // namespace

ObjList Machine::weakref_list(ObjId o) const {
  // W1: the basic ref (no callback) heads the list; then every weakref with
  // a callback, newest first. The runtime mutation appends at the tail.
  // W15: a callback-less proxy comes right after the basic ref
  // (PyWeakref_NewProxy's insert_after(ref), 3.13+ insert_weakref), and
  // weakrefs and proxies with callbacks share the newest-first part.
  ObjList basic, others;
  // (the referent slot compared first: most objects' first slot is not a
  // reference to o, and that needs no look at the type)
  const uint32_t to_o = Value::object(o).raw();
  for (size_t i = 0; i < state_.objects.size(); ++i) {
    const Object& w = state_.objects[i];
    if (w.fields[kWeakrefReferent].raw() != to_o) continue;
    if (!w.live || w.has(kFreed) || program_.types[w.type].kind != TypeKind::Weakref) continue;
    (w.fields[kWeakrefCallback].kind() == ValueKind::None ? basic : others)
        .push_back(static_cast<ObjId>(i));
  }
  bool oldest_first = program_.profile.has(RuntimeBug::CallbacksOldestFirst);
  std::sort(others.begin(), others.end(), [&](ObjId a, ObjId b) {
    uint16_t ka = state_.objects[a].wl_key, kb = state_.objects[b].wl_key;
    return oldest_first ? ka < kb : ka > kb;
  });
  if (basic.size() == 2 && state_.objects[basic[0]].type != kWeakrefType)
    std::swap(basic[0], basic[1]);
  basic.insert(basic.end(), others.begin(), others.end());
  return basic;
}

Value Machine::new_weakref(Value referent, Value callback, LabelId label, ClassId type) {
  if (referent.kind() == ValueKind::Func) {
    // A module-level function: weakrefable, and alive for the whole run
    // (the module holds it), so the weakref is never cleared and its
    // callback never runs. The basic ref is shared, as for objects (W1).
    if (callback.kind() == ValueKind::None)
      for (size_t i = 0; i < state_.objects.size(); ++i) {
        const Object& w = state_.objects[i];
        if (w.live && !w.has(kFreed) && w.type == type && w.fields[kWeakrefReferent] == referent &&
            w.fields[kWeakrefCallback].kind() == ValueKind::None) {
          incref(Value::object(static_cast<ObjId>(i)));
          return Value::object(static_cast<ObjId>(i));
        }
      }
    ObjId w = alloc(type, label);
    obj(w).fields[kWeakrefReferent] = referent;
    incref(callback);
    obj(w).fields[kWeakrefCallback] = callback;
    obj(w).wl_key = 1;
    return Value::object(w);
  }
  if (!referent.is_obj()) raise("TypeError");
  ObjId r = referent.obj();
  if (obj(r).has(kFreed))
    violation({"memory-safety"}, "weakref.ref() of " + name_of(r) + " after it was freed");
  if (!program_.types[obj(r).type].weakrefable) raise("TypeError");
  // Any callback is accepted (weakref___new__ checks nothing); one that is
  // not callable fails only when it is called (call_weakref_callback).
  if (callback.kind() == ValueKind::None) {
    // W1: the basic ref is shared: weakref.ref(o) twice gives one object;
    // so is the basic proxy (W15: weakref.proxy(o) twice, the same proxy).
    for (ObjId w : weakref_list(r))
      if (obj(w).type == type && obj(w).fields[kWeakrefCallback].kind() == ValueKind::None) {
        incref(Value::object(w));
        return Value::object(w);
      }
  }
  uint16_t key = 0;
  for (ObjId w : weakref_list(r)) key = std::max(key, obj(w).wl_key);
  ObjId w = alloc(type, label);
  obj(w).fields[kWeakrefReferent] = referent;  // weak: not counted
  incref(callback);
  obj(w).fields[kWeakrefCallback] = callback;
  obj(w).wl_key = static_cast<uint16_t>(key + 1);
  set_maybe_weakref(r);  // F8: init_weakref marks both
  set_maybe_weakref(w);
  return Value::object(w);
}

Value Machine::deref_weakref(Value wr) {
  // not callable; nor is a proxy (W16: weakref.ProxyType has no tp_call)
  if (!wr.is_obj() || program_.types[obj(wr.obj()).type].kind != TypeKind::Weakref || is_proxy(wr))
    raise("TypeError");
  Value r = obj(wr.obj()).fields[kWeakrefReferent];
  if (r.kind() == ValueKind::Func) return r;  // functions live for the whole run
  if (!r.is_obj()) return Value::none();
  const Object& target = obj(r.obj());
  if (target.has(kFreed))
    violation({"memory-safety"}, "weakref " + name_of(wr.obj()) + " still points at " +
                                     name_of(r.obj()) + ", which was freed");
  // W3: a referent whose refcount is 0 (inside its tp_dealloc) is dead;
  // _PyWeakref_GET_REF takes the reference with _Py_TryIncref (F8: in the
  // free-threaded build also refused to other threads while a finalizer
  // runs from tp_dealloc).
  if (target.rc == 0 || !try_incref(r.obj())) return Value::none();
  if (is_weak_method(wr)) return weak_method_bind(wr, r);  // WM4 (WeakMethod.cpp)
  return r;
}

void Machine::clear_weakref_link(ObjId wr) {
  Event e = event(EventKind::ClearWeakref, wr);
  Value r = obj(wr).fields[kWeakrefReferent];
  if (r.is_obj()) {
    e.obj2 = r.obj();
    e.label2 = obj(r.obj()).label;
    e.serial2 = obj(r.obj()).serial;
  }
  obj(wr).fields[kWeakrefReferent] = Value::none();
  emit(std::move(e));
}

void Machine::clear_weakrefs_no_callbacks(ObjId o) {
  for (ObjId wr : weakref_list(o)) clear_weakref_link(wr);
}

void Machine::call_weakref_callback(ObjId wr, Value callback, ObjId referent, bool gc_path) {
  Frame& caller = top();
  check_callback_begin(wr, referent, gc_path, caller.aux);
  obj(wr).flags |= kCallbackRan;
  // WM5: a WeakMethod's _cb calls the user's callback, if any (WeakMethod.cpp)
  const bool weak_method_cb = callback.is_obj() && program_.weak_method_cb_type != kNoType &&
                              obj(callback.obj()).type == program_.weak_method_cb_type;
  if (weak_method_cb) callback = weak_method_target(wr, callback);
  const bool quiet =
      is_weak_remove(callback) || (weak_method_cb && callback.kind() == ValueKind::None);
  // W7: the callback receives the weakref object (a bound method: its self
  // first).
  // (a function, a bound method, a nested def or a lambda (FN3), a
  // functools.partial of one (PT3))
  ValueList args = {Value::object(wr)};
  const FuncId fn = python_callee(callback, args);
  // W11: a weakref.finalize is the callback of its weakref.
  const bool finalizer = is_finalize(callback);
  const bool fails =  // (a function object's defaults may bind its last parameters: FN7)
      !finalizer && !quiet &&
      (fn == kNoFunc || !accepts(fn, callee_function(callback), args.size()));
  Event e = event(EventKind::CallbackBegin, wr);
  e.path = gc_path ? 1 : 0;
  e.value = fails ? 1 : 0;  // no body runs: the event stands for its first line
  if (referent != kNoObj) {
    e.obj2 = referent;
    e.label2 = obj(referent).label;
    e.serial2 = obj(referent).serial;
  }
  emit(std::move(e));
  // A pending exception is saved around the call (W4 step 3). A callback
  // that cannot be called is a TypeError, reported as unraisable.
  if (is_weak_remove(callback)) {
    weak_remove_call(callback, wr);  // WC5: the entry's removal (WeakContainers.cpp)
  } else if (quiet) {
    save_pending_exception(top());  // WM5: _cb without a callback to call
  } else if (fails) {
    call_fails_from_c(fn != kNoFunc ? fn : not_callable_tag(callback));
  } else if (finalizer) {
    save_pending_exception(top());
    push_finalize_call(callback.obj(), wr, 0);
  } else {
    call_python_from_c(fn, args, callee_function(callback));
  }
}

Machine::CallbackEnd Machine::end_weakref_callback(ObjId wr, bool gc_path) {
  // WM5: _cb's `self` dies as _cb returns
  if (wr != kNoObj && obj(wr).has(kWeakMethodSelf) && weak_method_release_self(wr))
    return CallbackEnd::Pending;
  PyCallResult r = return_from_python(top());
  if (r.raised && !r.reported) {
    // W4 step 4: reported as unraisable; the remaining callbacks still run.
    // The callback's locals die with the traceback, inside handle_callback.
    Event u = event(EventKind::Unraisable, wr);
    u.text = unraisable_text(r.exc, UnraisableSite::WeakrefCallback, r.func);  // X7
    emit(std::move(u));
    if (drop_traceback(top(), true)) return CallbackEnd::Pending;
  }
  Event e = event(EventKind::CallbackEnd, wr);
  e.path = gc_path ? 1 : 0;
  emit(std::move(e));
  return r.raised ? CallbackEnd::Raised : CallbackEnd::Returned;
}

void Machine::step_clear_weakrefs(Frame& f) {
  const ObjId o = f.obj;
  switch (f.stage) {
    case kCwStart: {
      // W4 step 1: only legal at refcount 0. Otherwise PyObject_ClearWeakRefs
      // raises SystemError (PyErr_BadInternalCall) and clears nothing.
      if (obj(o).rc != 0) {
        violation({"P7.24"}, "PyObject_ClearWeakRefs(" + name_of(o) + ") with refcount " +
                                 std::to_string(obj(o).rc) + ": SystemError, weakrefs stay live");
        raise_system_error();
        pop_frame();
        return;
      }
      ObjList list = weakref_list(o);
      // W4 step 2: the callback-less basic refs at the head go first.
      size_t i = 0;
      while (i < list.size() && obj(list[i]).fields[kWeakrefCallback].kind() == ValueKind::None)
        clear_weakref_link(list[i++]);
      list.erase(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(i));
      if (list.empty()) {
        pop_frame();
        return;
      }
      Thread& th = thread();
      f.base = static_cast<uint16_t>(th.values.size());
      if (list.size() == 1) {
        // The single-weakref shortcut (3.11+ default build): detach the
        // callback, clear, call it if the weakref is alive, drop it.
        ObjId wr = list[0];
        Value cb = obj(wr).fields[kWeakrefCallback];
        obj(wr).fields[kWeakrefCallback] = Value::none();
        clear_weakref_link(wr);
        th.values.push_back(cb);
        f.count = 1;
        f.flags |= kPairsShortcut;
        f.stage = kCwShortcutDone;
        f.obj2 = kNoObj;
        if (obj(wr).rc > 0 && cb.kind() != ValueKind::None) {
          // The callback may drop the last reference to its own weakref
          // (handle_callback holds none): whether it was called is kept in
          // pc, and obj2 only names the weakref while it lives
          // (release_slot clears it).
          f.obj2 = wr;
          f.pc = 1;
          call_weakref_callback(wr, cb, o, false);
        }
        return;
      }
      f.count = 0;
      f.stage = kCwBuild;
      return;
    }
    case kCwBuild: {
      ObjList list = weakref_list(o);
      if (list.empty()) {
        f.stage = kCwCall;
        f.pc = 0;
        return;
      }
      ObjId wr = list[0];
      Value cb = obj(wr).fields[kWeakrefCallback];
      obj(wr).fields[kWeakrefCallback] = Value::none();  // W6: can never fire again
      if (obj(wr).rc > 0) {
        incref(Value::object(wr));
        Thread& th = thread();
        th.values.push_back(Value::object(wr));
        th.values.push_back(cb);
        f.count = static_cast<uint16_t>(f.count + 2);
        clear_weakref_link(wr);
        if (program_.profile.has(RuntimeBug::CallbacksWhileClearing) &&
            cb.kind() != ValueKind::None) {
          f.stage = kCwBuildCalled;
          f.obj2 = wr;
          call_weakref_callback(wr, cb, o, false);
        }
        return;
      }
      // A dying weakref: its callback is dropped, not called (P7.22).
      clear_weakref_link(wr);
      release_values({cb});
      return;
    }
    case kCwBuildCalled:
      if (end_weakref_callback(f.obj2, false) == CallbackEnd::Pending) return;
      f.stage = kCwBuild;
      return;
    case kCwCall: {
      // W4 step 3: only now, after every weakref is cleared, the callbacks
      // run in list order: newest registered first.
      const Thread& th = thread();
      while (f.pc < f.count / 2) {
        Value wr = th.values[f.base + 2u * f.pc];
        Value cb = th.values[f.base + 2u * f.pc + 1];
        ++f.pc;
        if (cb.kind() == ValueKind::None || obj(wr.obj()).has(kCallbackRan)) continue;
        f.stage = kCwCalled;
        f.obj2 = wr.obj();
        call_weakref_callback(wr.obj(), cb, o, false);
        return;
      }
      f.stage = kCwRelease;
      return;
    }
    case kCwCalled: {
      CallbackEnd end = end_weakref_callback(f.obj2, false);
      if (end == CallbackEnd::Pending) return;
      const bool raised = end == CallbackEnd::Raised;
      f.stage = kCwCall;
      if (raised && program_.profile.has(RuntimeBug::CallbackErrorStops)) {
        // The mutation gives up on the remaining callbacks.
        const Thread& th = thread();
        for (uint16_t k = f.pc; k < f.count / 2; ++k)
          if (th.values[f.base + 2u * k + 1].kind() != ValueKind::None)
            violation({"P7.21"}, "a callback raised and the callback of " +
                                     name_of(th.values[f.base + 2u * k].obj()) +
                                     " was never called");
        f.pc = static_cast<uint16_t>(f.count / 2);
      }
      return;
    }
    case kCwRelease: {
      // Py_DECREF(tuple): tupledealloc releases items last to first.
      Thread& th = thread();
      std::reverse(th.values.begin() + f.base, th.values.begin() + f.base + f.count);
      f.kind = FrameKind::Release;
      f.pc = 0;
      f.flags = 0;
      return;
    }
    default: {  // kCwShortcutDone
      if (f.pc == 1 && end_weakref_callback(f.obj2, false) == CallbackEnd::Pending) return;
      f.kind = FrameKind::Release;
      f.pc = 0;
      f.flags = 0;
      return;
    }
  }
}

}  // namespace lifecheck::model
