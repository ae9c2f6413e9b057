// weakref.finalize (Lib/weakref.py, pure Python, the same in 3.11-3.14):
// a finalizer object whose registry entry keeps it, its function and
// arguments alive until the referent dies, it is called or detached, or
// the interpreter exits. The model keeps the pieces CPython has:
//  * the finalizer: an instance of the class weakref.finalize
//    (__slots__ = (): no dict, no weakrefs; tracked by the collector, as
//    gc.is_tracked shows on 3.11-3.13);
//  * finalize._registry: a dict in a hidden global, {finalizer: info};
//  * info, an _Info instance, as a tuple whose items are its slots in the
//    order subtype_dealloc clears them (sorted by name: args, atexit,
//    func, index, kwargs, weakref), stored last to first because
//    tupledealloc releases last to first;
//  * info.weakref: weakref.ref(obj, finalizer), labelled as the finalizer,
//    so that `expect callback f` names the call at the referent's death.
// Because the weakref's callback is the finalizer, its call at the
// referent's death follows the weakref callback rules (W4, G12, W6, P7.22):
// after __del__ on the refcount path, before any __del__ of the collection
// on the collector's. Rules W9-W14: docs/semantics.md.
#include <algorithm>

#include "model/Machine.h"
#include "model/Ownership.h"

namespace lifecheck::model {

namespace {
enum : uint8_t {
  kInfoWeakref,
  kInfoKwargs,
  kInfoIndex,
  kInfoFunc,
  kInfoAtexit,
  kInfoArgs,
  kInfoSize,
};
// FinalizeCall stages
enum : uint8_t { kFcStart, kFcReturned };
// FinalizeExit stages
enum : uint8_t { kFeStart, kFeSelect, kFeCalled };
constexpr uint16_t kNoIndex = 0xFFFF;

StrId string_id(const Program& p, const char* s) {
  return static_cast<StrId>(std::find(p.strings.begin(), p.strings.end(), s) - p.strings.begin());
}
}  // namespace

bool Machine::is_finalize(Value v) const {
  return v.is_obj() && program_.finalize_type != kNoType &&
         state_.objects[v.obj()].type == program_.finalize_type;
}

int Machine::finalize_entry(ObjId fin) const {
  if (program_.finalize_registry == 0xFFFF) return -1;
  const Value reg = state_.globals[program_.finalize_registry];
  if (!reg.is_obj()) return -1;
  const Object& d = state_.objects[reg.obj()];
  for (uint8_t i = 0; i < d.length; ++i)
    if (d.items[2u * i] == Value::object(fin)) return i;
  return -1;
}

// W10: finalize.__init__: info.weakref = ref(obj, self) (TypeError for an
// object that cannot be weakly referenced, before anything is kept),
// info.func, info.args, info.kwargs = None, info.atexit = True, info.index
// = next(_index_iter); _registry[self] = info.
Value Machine::new_finalize(Value referent, Value func, Value args, LabelId label) {
  if (program_.uses_atexit()) atexit_register_finalize_exit();  // AX1
  if (referent.kind() != ValueKind::Func) {
    if (!referent.is_obj()) raise("TypeError");
    const Object& r = obj(referent.obj());
    if (!r.has(kFreed) && !program_.types[r.type].weakrefable) raise("TypeError");
  }
  const ObjId fin = alloc(program_.finalize_type, label);
  const Value w = new_weakref(referent, Value::object(fin), label);
  if (!state_.globals[program_.finalize_registry].is_obj()) {
    // The class attribute exists from the import on; made at first use here.
    const ObjId d =
        alloc(kDictType, program_.finalize_registry_label, !program_.profile.lazy_dict_tracking);
    state_.globals[program_.finalize_registry] = Value::object(d);
  }
  const ObjId reg = state_.globals[program_.finalize_registry].obj();
  // _index_iter counts up; only the order among live entries matters
  // (_select_for_exit sorts by it), so one more than the newest entry.
  int32_t index = 0;
  for (uint8_t i = 0; i < obj(reg).length; ++i) {
    const Value info = obj(reg).items[2u * i + 1];
    index = std::max(index, obj(info.obj()).items[kInfoIndex].integer() + 1);
  }
  const ObjId info = alloc(kTupleType, program_.finalize_info_label);
  incref(func);
  incref(args);
  Object& x = obj(info);
  x.items[kInfoWeakref] = w;  // the weakref's only reference
  x.items[kInfoKwargs] = Value::none();
  x.items[kInfoIndex] = Value::integer(index);
  x.items[kInfoFunc] = func;
  x.items[kInfoAtexit] = Value::boolean(true);
  x.items[kInfoArgs] = args;
  x.length = kInfoSize;
  incref(Value::object(fin));
  ValueList released;  // a new key: nothing is replaced
  dict_store(reg, Value::object(fin), Value::object(info), released);
  return Value::object(fin);
}

void Machine::push_finalize_call(ObjId fin, ObjId wr, uint32_t flags) {
  Frame f;
  f.kind = FrameKind::FinalizeCall;
  f.obj = fin;
  f.obj2 = wr;
  f.flags = flags;
  f.base = static_cast<uint16_t>(thread().values.size());
  push_frame(f);
}

// W11: __call__(self, _=None): info = self._registry.pop(self, None); if
// info and not self._shutdown: return info.func(*info.args). Its locals
// (self, _, info) die when it returns; info's death releases the args, the
// function and the weakref. An exception from func leaves __call__ with
// them kept by its traceback (X1). The checks of __call__'s own code
// (its RESUME, after the pop) are not switch points here.
void Machine::step_finalize_call(Frame& f) {
  switch (f.stage) {
    case kFcStart: {
      const Value self = Value::object(f.obj);
      const Value wr = f.obj2 != kNoObj ? Value::object(f.obj2) : Value::none();
      incref(self);
      incref(wr);
      Value info = Value::none();
      const int e = finalize_entry(f.obj);
      if (e >= 0) {
        Value out[2];
        remove_item(obj(state_.globals[program_.finalize_registry].obj()), TypeKind::Dict,
                    static_cast<uint8_t>(e), out);
        info = out[1];   // its reference moves to the local
        decref(out[0]);  // the registry's reference to self; self is held here
      }
      Thread& th = thread();
      th.values.push_back(self);
      th.values.push_back(wr);
      th.values.push_back(info);
      f.count = 3;
      f.stage = kFcReturned;
      // _shutdown is set when the exit function has run (W14).
      if (!info.is_obj() || state_.main_stage >= MainStage::Final) return;
      const Object& x = obj(info.obj());
      const Value func = x.items[kInfoFunc];
      ValueList argv;
      tuple_items(x.items[kInfoArgs], argv);
      const FuncId fn = python_callee(func, argv);
      if (fn == kNoFunc ||  // (FN7: a function object's defaults)
          !accepts(fn, callee_function(func), argv.size())) {
        // not callable, or the wrong number of arguments: TypeError in __call__
        th.has_exc = true;
        th.exc = string_id(program_, "TypeError");
        return;
      }
      call_python(fn, argv, callee_function(func));
      return;
    }
    default: {  // kFcReturned
      Thread& th = thread();
      const auto first = th.values.begin() + f.base;
      if (program_.profile.locals_last_to_first) std::reverse(first, first + f.count);
      if (th.has_exc) {
        // The traceback keeps the frame: its locals go after the callee's.
        std::rotate(first, first + f.count, th.values.end());
        mark_unwound_frame(f.base, f.count, false);
        // The exception escaped the finalizer's __call__: at a death the
        // runtime called the finalizer object, named by its type (X7).
        th.exc_func = not_callable_tag(Value::object(f.obj));
        pop_frame();
        return;
      }
      // The functions of the language return None.
      if (f.has(kPushResult)) push(Value::none());
      f.kind = FrameKind::Release;
      f.pc = 0;
      f.flags = 0;
      return;
    }
  }
}

// The code a call of func(*argv) runs: a module-level function, a bound
// method (self goes first in argv), a nested def or lambda (FN3), a
// functools.partial of one of these (its stored arguments first, PT3);
// kNoFunc for anything else.
FuncId Machine::python_callee(Value func, ValueList& argv) const {
  if (is_partial(func)) {
    ValueList stored;
    tuple_items(state_.objects[func.obj()].fields[kPartialArgs], stored);
    argv.insert(argv.begin(), stored.begin(), stored.end());
    func = state_.objects[func.obj()].fields[kPartialFunc];
  }
  if (func.kind() == ValueKind::Func) return func.func();
  if (func.is_obj() && program_.types[state_.objects[func.obj()].type].kind == TypeKind::Method) {
    const Object& m = state_.objects[func.obj()];
    argv.insert(argv.begin(), m.fields[kMethodSelf]);
    return m.fields[kMethodFunc].func();
  }
  return is_function_object(func) ? function_code(func) : kNoFunc;
}

// f() in a body (OpCode::Deref on a finalizer): CALL keeps the callable on
// the stack while __call__ runs; the op runs again once it returned.
bool Machine::finalize_call_op(uint16_t at) {
  Frame& body = top();
  if (body.has(kFinalizeReturned)) {
    body.flags &= ~uint32_t{kFinalizeReturned};
    Thread& th = thread();
    if (th.has_exc) {
      th.has_exc = false;
      throw PyRaise{th.exc};  // raised by the call: unwinds this body
    }
    const Value result = pop();
    const Value callee = thread().stack.back();
    thread().stack.back() = result;
    decref(callee);
    return true;
  }
  const Value callee = thread().stack.back();
  if (!is_finalize(callee)) return false;
  body.flags |= kFinalizeReturned;
  body.pc = at;
  push_finalize_call(callee.obj(), kNoObj, kPushResult);
  return true;
}

void Machine::finalize_new_op(const Op& op) {
  // CALL of weakref.finalize: the arguments stay on the stack until it
  // returns, then are released in order.
  const ValueList& st = thread().stack;
  const Value referent = st[st.size() - 3], func = st[st.size() - 2], args = st.back();
  const Value fin = new_finalize(referent, func, args, op.label);
  ValueList operands = pop_n(3);
  push(fin);
  release_values(operands);
}

// W12: alive is `self in self._registry`; atexit reads info.atexit of a
// registered finalizer (False otherwise) and sets it to bool(value), only
// while registered. Any other attribute: AttributeError (__slots__ = ()).
bool Machine::finalize_attr(Value base, FieldId field, Value& out) {
  if (!is_finalize(base)) return false;
  const std::string& name = program_.field_names[field];
  const int e = finalize_entry(base.obj());
  if (name == "alive") {
    out = Value::boolean(e >= 0);
    return true;
  }
  if (name != "atexit") raise("AttributeError");
  out = Value::boolean(false);
  if (e >= 0) {
    const Object& reg = obj(state_.globals[program_.finalize_registry].obj());
    out = obj(reg.items[2u * e + 1].obj()).items[kInfoAtexit];
  }
  return true;
}

void Machine::finalize_set_attr(ObjId fin, FieldId field, Value v) {
  if (program_.field_names[field] != "atexit") raise("AttributeError");
  const int e = finalize_entry(fin);
  if (e >= 0) {
    const Object& reg = obj(state_.globals[program_.finalize_registry].obj());
    obj(reg.items[2u * e + 1].obj()).items[kInfoAtexit] = Value::boolean(truth(v));
  }
}

// W13: detach() and peek(): info = self._registry.get(self); obj = info and
// info.weakref(); if obj is not None (detach: and the entry is popped):
// return (obj, info.func, info.args, info.kwargs or {}); else None. A
// detached finalizer's info dies with the call: its weakref dies uncalled.
Value Machine::finalize_method(ObjId fin, const std::string& name, size_t nargs,
                               ValueList& released) {
  if (name != "detach" && name != "peek") raise("AttributeError");
  if (nargs != 0) raise("TypeError");
  const int e = finalize_entry(fin);
  if (e < 0) return Value::none();
  const ObjId reg = state_.globals[program_.finalize_registry].obj();
  const ObjId info = obj(reg).items[2u * e + 1].obj();
  const Value referent = deref_weakref(obj(info).items[kInfoWeakref]);  // a new reference
  if (referent.kind() == ValueKind::None) return Value::none();
  const ObjId kwargs = alloc(kDictType, kNoLabel, !program_.profile.lazy_dict_tracking);
  const Value func = obj(info).items[kInfoFunc], args = obj(info).items[kInfoArgs];
  const bool track = !program_.profile.atomic_tuples_untracked_at_creation ||
                     may_be_tracked(referent) || may_be_tracked(func) || may_be_tracked(args) ||
                     may_be_tracked(Value::object(kwargs));
  const ObjId t = alloc(kTupleType, kNoLabel, track);
  incref(func);
  incref(args);
  Object& x = obj(t);
  x.items[0] = referent;
  x.items[1] = func;
  x.items[2] = args;
  x.items[3] = Value::object(kwargs);
  x.length = 4;
  if (name == "detach") {
    Value out[2];
    remove_item(obj(reg), TypeKind::Dict, static_cast<uint8_t>(e), out);
    released.push_back(out[0]);  // the registry's reference to self
    released.push_back(out[1]);  // the local info, when detach returns
  }
  return Value::object(t);
}

// finalize-keeps-referent, judged when the threads have ended (before the
// exit function): a registered finalizer whose function or arguments reach
// its referent by strong references keeps it alive, so the finalizer is
// never called while the program runs (W10, W11).
void Machine::check_finalize_referents() {
  const Value reg = state_.globals[program_.finalize_registry];
  if (!reg.is_obj()) return;
  for (uint8_t i = 0; i < obj(reg.obj()).length; ++i) {
    const Object& info = obj(obj(reg.obj()).items[2u * i + 1].obj());
    const Value w = info.items[kInfoWeakref];
    const Value referent = obj(w.obj()).fields[kWeakrefReferent];
    if (!referent.is_obj()) continue;
    std::vector<bool> seen(state_.objects.size(), false);
    ObjList work;
    for (Value v : {info.items[kInfoFunc], info.items[kInfoArgs]})
      if (v.is_obj()) work.push_back(v.obj());
    while (!work.empty()) {
      const ObjId o = work.back();
      work.pop_back();
      if (seen[o]) continue;
      seen[o] = true;
      if (o == referent.obj())
        violation({"finalize-keeps-referent"}, "the function or arguments of finalizer " +
                                                   name_of(obj(reg.obj()).items[2u * i].obj()) +
                                                   " keep its object " + name_of(o) +
                                                   " alive: it is called only at exit");
      for_each_owned(program_, obj(o), [&](ObjId x) { work.push_back(x); });
    }
  }
}

// W14: _exitfunc, registered with atexit by the first finalizer, runs after
// the threads are joined: if the registry is not empty it disables
// automatic collection, then calls the live finalizers whose atexit is
// true, newest first (pending.pop() of the list _select_for_exit sorts by
// index), selecting again when a call created a finalizer (_dirty); an
// exception goes to sys.excepthook and the next one runs. Then _shutdown:
// finalizers called later (in the final collections) call nothing.
// f.aux: the index just called (the next is below it); f.pc: the newest
// index when the list was selected.
void Machine::step_finalize_exit(Frame& f) {
  if (f.stage >= kAtexitStages) return step_atexit_run(f);  // Atexit.cpp
  const Value reg = state_.globals[program_.finalize_registry];
  auto info_of = [&](uint8_t i) -> const Object& {
    return obj(obj(reg.obj()).items[2u * i + 1].obj());
  };
  const uint8_t entries = reg.is_obj() ? obj(reg.obj()).length : 0;
  auto newest = [&]() {
    uint16_t top = 0;
    for (uint8_t i = 0; i < entries; ++i)
      top = std::max<uint16_t>(top, static_cast<uint16_t>(info_of(i).items[kInfoIndex].integer()));
    return top;
  };
  switch (f.stage) {
    case kFeStart:
      if (entries == 0) {
        pop_frame();
        return;
      }
      if (state_.gc.auto_enabled) {
        state_.gc.auto_enabled = false;
        f.flags |= kGcReenable;
      }
      f.aux = kNoIndex;
      f.pc = newest();
      f.stage = kFeSelect;
      return;
    case kFeSelect: {
      if (entries > 0 && newest() > f.pc) {  // _dirty: select again
        f.aux = kNoIndex;
        f.pc = newest();
      }
      int pick = -1;
      uint16_t best = 0;
      for (uint8_t i = 0; i < entries; ++i) {
        const Object& info = info_of(i);
        const auto index = static_cast<uint16_t>(info.items[kInfoIndex].integer());
        if (!truth(info.items[kInfoAtexit]) || index >= f.aux) continue;
        if (pick < 0 || index >= best) {
          pick = i;
          best = index;
        }
      }
      if (pick < 0) {
        if (f.has(kGcReenable)) state_.gc.auto_enabled = true;
        pop_frame();
        return;
      }
      f.aux = best;
      f.stage = kFeCalled;
      push_finalize_call(obj(reg.obj()).items[2u * pick].obj(), kNoObj, kFinal);
      return;
    }
    default: {  // kFeCalled
      Thread& th = thread();
      if (th.has_exc) {
        // except Exception: sys.excepthook(*sys.exc_info()); leaving the
        // except clause drops the traceback and the locals it kept.
        Event e = event(EventKind::ExceptHook);
        e.text = program_.strings[th.exc];
        emit(std::move(e));
        th.has_exc = false;
        if (drop_traceback(f, false, false)) return;
      }
      f.stage = kFeSelect;
      return;
    }
  }
}

}  // namespace lifecheck::model
