// weakref.WeakMethod (Lib/weakref.py: pure Python, the same code in 3.11-3.14),
// rules WM1-WM8 of docs/semantics.md. The model keeps the objects CPython
// makes:
//  * the WeakMethod W: an instance of a weakref.ref subclass with
//    __slots__ = "_func_ref", "_meth_type", "_alive", "__weakref__" (no
//    __dict__): a weakref to meth.__self__ whose callback is _cb, with
//    _func_ref in fields[kWeakMethodFuncRef] (_meth_type is the method type,
//    a static type, and _alive a bool: no objects);
//  * _cb, the function __new__ defines (a function object: weak_method_cb_type,
//    TypeKind::Function without code of its own), with its closure tuple
//    (cell `callback`, cell `self_wr`, co_freevars' sorted order);
//  * the cell `callback` holding the user's callback (or None), and the
//    cell `self_wr` holding ref(W), W's basic weakref (W1);
//  * _func_ref: ref(meth.__func__, _cb), a weakref to a class's function,
//    which the class keeps for the whole run (so this callback never runs).
// _cb and WeakMethod.__call__ are Python code; the model runs each as one
// step, as weakref.finalize.__call__ (W11) and the weak containers' `remove`
// (WC8).
#include "model/WeakMethod.h"

#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
constexpr int kCellCallback = 0;  // the closure's items (co_freevars: callback, self_wr)
constexpr int kCellSelfRef = 1;

// "method NAME", the label every bound method of NAME has (the front end's
// BoundMethod): `obj.NAME` made the method the WeakMethod was made of.
LabelId method_label(const Program& program, Value func) {
  if (func.kind() != ValueKind::Func) return kNoLabel;
  const std::string& qualified = program.funcs[func.func()].name;
  const std::string want = "method " + qualified.substr(qualified.rfind('.') + 1);
  for (size_t i = 0; i < program.labels.size(); ++i)
    if (program.labels[i] == want) return static_cast<LabelId>(i);
  return kNoLabel;
}
}  // namespace

bool Machine::is_weak_method(Value v) const {
  return v.is_obj() && program_.weak_method_type != kNoType &&
         state_.objects[v.obj()].type == program_.weak_method_type;
}

// WM1, WM2: WeakMethod(meth, callback) is WeakMethod.__new__. TypeError for
// what has no __self__ / __func__ (anything but a bound method) and for a
// __self__ that cannot be weakly referenced.
Value Machine::weak_method_new(Value meth, Value callback, LabelId label) {
  if (!meth.is_obj() || obj(meth.obj()).type != kMethodType) raise("TypeError");
  const Value self = obj(meth.obj()).fields[kMethodSelf];
  const Value func = obj(meth.obj()).fields[kMethodFunc];
  // (ref.__new__ raises it after _cb is made; those objects die at once)
  if (!self.is_obj() || !program_.types[obj(self.obj()).type].weakrefable) raise("TypeError");
  // MAKE_CELL at the frame's start: the argument `callback` moves into its
  // cell (the frame's reference), self_wr's cell is empty.
  incref(callback);
  const ObjId cell_callback = new_cell(callback);
  const ObjId cell_self = new_cell(Value::unset());
  // BUILD_TUPLE of the two cells, MAKE_FUNCTION _cb (FN2, FN2a)
  const ObjId closure = alloc(kTupleType, program_.weak_method_cb_label, true);
  obj(closure).items[kCellCallback] = Value::object(cell_callback);
  obj(closure).items[kCellSelfRef] = Value::object(cell_self);
  obj(closure).length = 2;
  const ObjId cb = alloc(program_.weak_method_cb_type, program_.weak_method_cb_label, true);
  Object& f = obj(cb);
  f.fields[kFunctionCode] = Value::none();  // (called only through call_weakref_callback)
  f.items[kFunctionClosure] = Value::object(closure);
  f.items[kFunctionDict] = Value::none();
  f.items[kFunctionDefaults] = Value::none();
  f.length = kFunctionDefaults + 1;
  // self = ref.__new__(cls, obj, _cb): a new weakref with a callback,
  // tracked at once (tp_alloc), newest of obj's callback weakrefs (W1)
  const Value w = new_weakref(self, Value::object(cb), label, program_.weak_method_type);
  // self._func_ref = ref(func, _cb)
  obj(w.obj()).fields[kWeakMethodFuncRef] =
      new_weakref(func, Value::object(cb), program_.weak_method_func_ref_label);
  // self_wr = ref(self): W's basic weakref, into its cell (STORE_DEREF)
  const Value selfref = new_weakref(w, Value::none(), program_.weak_method_cb_label);
  obj(cell_self).items[0] = selfref;
  obj(cell_self).length = 1;
  // return self: the frame's locals die; its reference to _cb goes (the
  // two weakrefs keep it), the one to self is returned
  decref(Value::object(cb));
  return w;
}

// WM4: W() is WeakMethod.__call__: `obj = super().__call__()` (referent,
// a new reference, W3), `func = self._func_ref()`; None if either is dead,
// else `self._meth_type(func, obj)`, a new bound method (PyMethod_New,
// tracked), which takes obj's reference as the frame's local dies.
Value Machine::weak_method_bind(Value wm, Value referent) {
  const Value func_ref = obj(wm.obj()).fields[kWeakMethodFuncRef];
  if (!func_ref.is_obj()) {  // cleared by subtype_clear: no attribute _func_ref
    decref(referent);
    raise("AttributeError");
  }
  const Value func = obj(func_ref.obj()).fields[kWeakrefReferent];  // a class's: never dead
  const ObjId m = alloc(kMethodType, method_label(program_, func));
  obj(m).fields[kMethodSelf] = referent;
  obj(m).fields[kMethodFunc] = func;
  return Value::object(m);
}

// WM5: _cb(arg), W's callback (and _func_ref's): `self = self_wr()`; if
// self._alive: _alive = False and, when the user gave one, callback(self).
// Returns what is called (None: nothing); while it runs, _cb's local `self`
// holds W (kWeakMethodSelf), released when it returns
// (weak_method_release_self).
Value Machine::weak_method_target(ObjId wr, Value cb) {
  const Value closure = obj(cb.obj()).items[kFunctionClosure];
  if (!closure.is_obj()) return Value::none();  // (cleared by func_clear)
  const Value cell_self = obj(closure.obj()).items[kCellSelfRef];
  const Value cell_callback = obj(closure.obj()).items[kCellCallback];
  if (!cell_self.is_obj() || obj(cell_self.obj()).length == 0) return Value::none();
  const Value selfref = obj(cell_self.obj()).items[0];
  const Value self = obj(selfref.obj()).fields[kWeakrefReferent];
  // W runs its callback only while alive (W4), so self_wr() is W: never
  // None here, as _func_ref's referent never dies. _alive is True the
  // first time, and there is no second time.
  if (!self.is_obj() || obj(self.obj()).rc == 0 || self.obj() != wr) return Value::none();
  if (!cell_callback.is_obj() || obj(cell_callback.obj()).length == 0) return Value::none();
  const Value user = obj(cell_callback.obj()).items[0];
  if (user.kind() == ValueKind::None) return Value::none();
  incref(self);
  obj(wr).flags |= kWeakMethodSelf;
  return user;
}

// WM5: the user's callback returned: _cb returns and its local `self` dies
// (W may die there: the single-weakref path holds no reference to it). True:
// released, the caller comes back when that is done. A callback that
// raised leaves _cb's frame, and `self`, to the traceback; the model drops
// `self` before the report (the same unless it was W's last reference).
bool Machine::weak_method_release_self(ObjId wr) {
  obj(wr).flags &= ~uint32_t{kWeakMethodSelf};
  if (!thread().has_exc && !top().has(kTracebackDropped)) {
    release_values({Value::object(wr)});
    return true;
  }
  if (obj(wr).rc <= 1)
    throw ModelLimit{
        "a WeakMethod callback that raises after dropping the last reference to its "
        "WeakMethod"};
  decref(Value::object(wr));
  thread().exc_func = kWeakMethodCb;  // the exception leaves _cb last (X7)
  return false;
}

// WM6: subtype_clear of a WeakMethod clears its slots first (_func_ref),
// then the base's gc_clear unlinks it and drops _cb. True: one step done.
bool Machine::weak_method_clear_step(ObjId o) {
  const Value fr = obj(o).fields[kWeakMethodFuncRef];
  if (!fr.is_obj()) return false;
  obj(o).fields[kWeakMethodFuncRef] = Value::unset();
  decref(fr);
  return true;
}

// WM7: subtype_dealloc of a WeakMethod: untrack, PyObject_ClearWeakRefs
// (self_wr among them, no callback), clear_slots in the slots' sorted
// order (_alive, _func_ref, _meth_type: only _func_ref is an object), then
// weakref_dealloc: unlink from the referent's list, release _cb, free.
void Machine::step_weak_method_dealloc(Frame& f) {
  const ObjId o = f.obj;
  enum : uint8_t { kStart, kSlots, kBase, kFree, kEnd };
  switch (f.stage) {
    case kStart:
      static_assert(kSlots == 1);  // the stage dealloc_untrack_clear_weakrefs goes on to
      return dealloc_untrack_clear_weakrefs(f);
    case kSlots: {
      f.stage = kBase;
      const Value fr = obj(o).fields[kWeakMethodFuncRef];
      obj(o).fields[kWeakMethodFuncRef] = Value::unset();
      release_values({fr});
      return;
    }
    case kBase: {
      if (obj(o).fields[kWeakrefReferent].is_obj()) clear_weakref_link(o);
      const Value cb = obj(o).fields[kWeakrefCallback];
      obj(o).fields[kWeakrefCallback] = Value::none();
      f.stage = kFree;
      release_values({cb});
      return;
    }
    case kFree:
      free_object(o);
      f.stage = kEnd;
      return;
    default:
      return end_dealloc(o);
  }
}

}  // namespace lifecheck::model
