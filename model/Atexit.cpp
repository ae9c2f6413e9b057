// The atexit module (Modules/atexitmodule.c) and its call at interpreter
// exit (Python/pylifecycle.c Py_FinalizeEx -> _PyAtExit_Call), rules
// AX1-AX4 of docs/semantics.md. The registered functions live in a hidden
// global, `atexit._callbacks`: an untracked list (the interpreter state's
// own array or list, which no collection sees) of (func, args) pairs,
// oldest first. weakref.finalize registers its exit function there when
// its first finalizer is made (Lib/weakref.py finalize.__init__:
// `_registered_with_atexit`), a Str standing for the bound classmethod.
//  * 3.11-3.13: a C array of structs; unregister leaves a hole (None,
//    None); at exit the array is walked from its last entry down, then
//    every entry is released, oldest first: func, then args.
//  * 3.14: a list of (func, args, kwargs) tuples, newest first; unregister
//    removes the tuple; at exit a copy of the list is walked, so what the
//    copy holds is called even if unregistered meanwhile; the copy is
//    dropped, then the list cleared, each tuple releasing args, then func.
#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
// The atexit stages of a FinalizeExit frame (its own stages are below).
enum : uint8_t {
  kAxStart = kAtexitStages,
  kAxNext,
  kAxCalledPython,  // a Python function returned (return_from_python)
  kAxCalledOther,   // weakref.finalize's exit function or a finalizer returned
  kAxCleanup,
  kAxDone,
};
constexpr size_t kMaxAtexitEntries = kMaxItems / 2;
}  // namespace

// AX1: what PyCallable_Check accepts among the model's values.
static bool callable(const Program& p, const State& s, Value v) {
  if (v.kind() == ValueKind::Func) return true;
  if (!v.is_obj()) return false;
  const ClassId t = s.objects[v.obj()].type;
  const TypeKind k = p.types[t].kind;
  return k == TypeKind::Method || k == TypeKind::Function || k == TypeKind::Weakref ||
         k == TypeKind::Partial || t == p.finalize_type;
}

// AX2: PyObject_RichCompareBool(func, other, Py_EQ): identity, or two bound
// methods of the same function on the same object (meth_richcompare).
static bool same_callable(const Program& p, const State& s, Value a, Value b) {
  if (a == b) return true;
  if (!a.is_obj() || !b.is_obj()) return false;
  const Object& x = s.objects[a.obj()];
  const Object& y = s.objects[b.obj()];
  return p.types[x.type].kind == TypeKind::Method && p.types[y.type].kind == TypeKind::Method &&
         x.fields[kMethodSelf] == y.fields[kMethodSelf] &&
         x.fields[kMethodFunc] == y.fields[kMethodFunc];
}

static Value finalize_exit_marker(const Program& p) { return Value::str(p.str_finalize_exitfunc); }

// The list, made at the first registration (untracked: C-level storage).
ObjId Machine::atexit_list_obj(bool make) {
  const Value l = state_.globals[program_.atexit_list];
  if (l.is_obj()) return l.obj();
  if (!make) return kNoObj;
  const ObjId id = alloc(kListType, program_.atexit_list_label, false);
  state_.globals[program_.atexit_list] = Value::object(id);
  return id;
}

// register(func, *args): the entry takes a reference to each. It goes at
// the end (the model keeps them oldest first).
void Machine::atexit_append(Value func, Value args) {
  const ObjId l = atexit_list_obj(true);
  if (obj(l).length + 2u > kMaxItems)
    throw ModelLimit{"more than " + std::to_string(kMaxAtexitEntries) +
                     " atexit functions registered at once (the model's atexit holds " +
                     std::to_string(kMaxAtexitEntries) + ")"};
  incref(func);
  incref(args);
  Object& x = obj(l);
  x.items[x.length++] = func;
  x.items[x.length++] = args;
}

void Machine::atexit_register_op() {
  const ValueList& st = thread().stack;
  const Value func = st[st.size() - 2], args = st.back();
  if (!callable(program_, state_, func)) raise("TypeError");  // "must be callable"
  atexit_append(func, args);
  ValueList operands = pop_n(2);
  incref(func);
  push(func);  // register returns func
  release_values(operands);
}

// weakref.finalize.__init__: `if not self._registered_with_atexit:
// atexit.register(self._exitfunc)`, before anything else it does.
void Machine::atexit_register_finalize_exit() {
  const ObjId l = atexit_list_obj(false);
  if (l != kNoObj)
    for (uint8_t i = 0; i < obj(l).length; i += 2)
      if (obj(l).items[i] == finalize_exit_marker(program_)) return;
  atexit_append(finalize_exit_marker(program_), Value::none());
}

// AX2: unregister(func) removes every entry whose function equals func,
// releasing what it held at once: 3.11-3.13 atexit_delete_cb (func, then
// args; the slot becomes a hole), 3.14 PyList_SetSlice (the tuple dies:
// args, then func).
void Machine::atexit_unregister_op() {
  const Value func = thread().stack.back();
  ValueList released;
  const ObjId l = atexit_list_obj(false);
  if (l != kNoObj) {
    Object& x = obj(l);
    for (uint8_t i = 0; i < x.length;) {
      if (x.items[i].kind() == ValueKind::None ||
          !same_callable(program_, state_, x.items[i], func)) {
        i += 2;
        continue;
      }
      const Value f = x.items[i], a = x.items[i + 1];
      if (program_.profile.atexit_entries_are_tuples) {
        released.push_back(a);
        released.push_back(f);
        for (uint8_t j = i; j + 2u < x.length; ++j) x.items[j] = x.items[j + 2];
        x.length = static_cast<uint8_t>(x.length - 2);
        x.items[x.length] = Value::unset();
        x.items[x.length + 1] = Value::unset();
      } else {
        released.push_back(f);
        released.push_back(a);
        x.items[i] = Value::none();
        x.items[i + 1] = Value::none();
        i += 2;
      }
    }
  }
  thread().stack.back() = Value::none();
  released.push_back(func);  // the argument, once the call has returned
  release_values(released);
}

void Machine::push_atexit_run() {
  Frame x;
  x.kind = FrameKind::FinalizeExit;
  x.stage = kAxStart;
  push_frame(x);
}

// AX3: atexit_callfuncs. f.aux: how many entries remain to be walked (the
// next is entry aux-1); f.ref: the function being called (3.11-3.13 hold
// it, bpo-46025); 3.14: the frame's values [base, base+count) are the copy
// (args, func per entry, oldest first).
void Machine::step_atexit_run(Frame& f) {
  const bool tuples = program_.profile.atexit_entries_are_tuples;
  const ObjId l = atexit_list_obj(false);
  switch (f.stage) {
    case kAxStart: {
      const uint8_t n = l == kNoObj ? 0 : obj(l).length / 2;
      f.aux = n;
      f.stage = kAxNext;
      if (tuples) {  // PyList_GetSlice: the copy
        Thread& th = thread();
        f.base = static_cast<uint16_t>(th.values.size());
        for (uint8_t i = 0; i < n; ++i)
          for (Value v : {obj(l).items[2 * i + 1], obj(l).items[2 * i]}) {
            incref(v);
            th.values.push_back(v);
          }
        f.count = static_cast<uint16_t>(2 * n);
      }
      return;
    }
    case kAxNext: {
      if (f.aux == 0) {
        f.stage = kAxCleanup;
        return;
      }
      const uint16_t i = --f.aux;
      Value func, args;
      if (tuples) {
        func = thread().values[f.base + 2 * i + 1];
        args = thread().values[f.base + 2 * i];
      } else {
        func = obj(l).items[2 * i];
        args = obj(l).items[2 * i + 1];
        if (func.kind() == ValueKind::None) return;  // an unregistered entry's hole
        if (func.is_obj()) {                         // the_func = Py_NewRef(cb->func)
          incref(func);
          f.ref = func.obj();
          f.ref_serial = obj(f.ref).serial;  // alive while held (held_ref)
        }
      }
      if (func == finalize_exit_marker(program_)) {
        f.stage = kAxCalledOther;
        Frame x;
        x.kind = FrameKind::FinalizeExit;  // weakref.finalize._exitfunc (W14)
        push_frame(x);
        return;
      }
      if (is_finalize(func)) {
        f.stage = kAxCalledOther;
        push_finalize_call(func.obj(), kNoObj, 0);
        return;
      }
      ValueList argv;
      tuple_items(args, argv);
      const FuncId fn = python_callee(func, argv);
      if (fn == kNoFunc) {  // a weakref: calling it returns its referent, nothing runs
        f.stage = kAxCalledOther;
        return;
      }
      f.stage = kAxCalledPython;
      if (!accepts(fn, callee_function(func), argv.size())) {  // FN7
        call_fails_from_c(fn);
        return;
      }
      call_python_from_c(fn, argv, callee_function(func));
      return;
    }
    case kAxCalledPython:
    case kAxCalledOther: {
      // AX3: an exception goes to the unraisable hook ("Exception ignored
      // in atexit callback"), and the next function still runs.
      bool raised = false;
      StrId exc = 0;
      if (f.stage == kAxCalledPython) {
        PyCallResult r = return_from_python(f);
        raised = r.raised && !r.reported;
        exc = r.exc;
      } else if (thread().has_exc) {
        raised = true;
        exc = thread().exc;
        thread().has_exc = false;
      }
      if (raised) {
        Event u = event(EventKind::Unraisable);
        u.text = program_.strings[exc];
        emit(std::move(u));
        if (drop_traceback(f, true)) return;
      }
      f.stage = kAxNext;
      if (f.ref != kNoObj) {  // Py_DECREF(the_func)
        const ObjId held = f.ref;
        f.ref = kNoObj;
        decref(Value::object(held));
      }
      return;
    }
    case kAxCleanup: {
      // AX4: 3.14 drops the copy, then clears the list (each tuple: args,
      // func); 3.11-3.13 atexit_cleanup deletes each entry (func, args).
      // Entries registered while the functions ran are released too.
      ValueList released;
      Thread& th = thread();
      if (tuples) {
        for (uint16_t i = 0; i < f.count; ++i) released.push_back(th.values[f.base + i]);
        th.values.erase(th.values.begin() + f.base, th.values.begin() + f.base + f.count);
        f.count = 0;
        f.base = 0;
      }
      if (l != kNoObj) {
        Object& x = obj(l);
        for (uint8_t i = 0; i < x.length; i += 2) {
          const Value a = x.items[i + 1], fn = x.items[i];
          if (tuples) {
            released.push_back(a);
            released.push_back(fn);
          } else {
            released.push_back(fn);
            released.push_back(a);
          }
          x.items[i] = x.items[i + 1] = Value::unset();
        }
        x.length = 0;
      }
      f.stage = kAxDone;
      release_values(released);
      return;
    }
    default:
      pop_frame();
      return;
  }
}

}  // namespace lifecheck::model
