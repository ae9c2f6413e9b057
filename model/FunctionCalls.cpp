// Functions as objects, second part: scenario code calling functions, the
// values they return, parameter defaults and function attributes. Rules
// (docs/semantics.md):
//   FN7 A nested def's or lambda's defaults are evaluated where it runs and
//       held by the function object (func_defaults: FN7a, a tuple object
//       BUILD_TUPLE made, or a constant); a call without them gets them.
//   FN8 CALL of a Python function moves the arguments (and the reference to
//       the function) into a new frame; its RESUME is the only check.
//       RETURN_VALUE pops the result, _PyFrame_ClearExceptCode releases the
//       locals, then the function, then the caller gets the result. When
//       the runtime called the body (a callback), the runtime releases the
//       result after the frame. An exception leaving the callee keeps its
//       locals and the function with the traceback.
//   FN9 nonlocal (the compiler's: a free variable stored through its cell).
//   FN10 A function's attributes live in its __dict__, a dict made by the
//       first attribute store (PyObject_GenericSetAttr through
//       tp_dictoffset); func_clear releases it after the defaults and before
//       the closure.
//   FN13 A class call with __init__: the arguments are evaluated, tp_new
//       allocates the instance, tp_init runs __init__ with it and the
//       arguments in a new frame; a result other than None is a TypeError;
//       when __init__ fails, type_call drops the instance, so its __del__
//       runs (Objects/typeobject.c type_call, slot_tp_init).
//   FN13a From 3.13 on a class call site CPython has specialized
//       (CALL_ALLOC_AND_ENTER_INIT) moves the arguments into __init__'s
//       frame, and no check follows the call.
// A function object's items: kFunctionClosure, kFunctionDict,
// kFunctionDefaults (State.h), released last to first (func_clear's order:
// defaults, dict, closure; FN4a).
#include <algorithm>

#include "model/CodeGen.h"
#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
constexpr size_t kMaxCallDepth = 48;  // frames on one thread, calls included

// A body frame of `code` whose locals start at the end of th.values and
// whose operand stack starts at the top of th.stack.
Frame body_frame(const Thread& th, FuncId code, uint16_t nlocals) {
  Frame f;
  f.kind = FrameKind::Body;
  f.func = code;
  f.base = static_cast<uint16_t>(th.values.size());
  f.count = nlocals;
  f.aux = static_cast<uint16_t>(th.stack.size());
  return f;
}
}  // namespace

// Whether a call with nargs arguments binds every parameter (FN7).
bool Machine::accepts(FuncId code, ObjId function, size_t nargs) const {
  const FuncInfo& fn = program_.funcs[code];
  const size_t defaults = function == kNoObj ? 0 : fn.ndefaults;
  return nargs <= fn.nparams && nargs + defaults >= fn.nparams;
}

// FN7: the parameters a call left unbound get the function's defaults,
// the items of its defaults tuple (FN7a).
void Machine::fill_defaults(ObjId function, uint16_t base) {
  const FuncInfo& fn = program_.funcs[function_code(Value::object(function))];
  const uint8_t first = static_cast<uint8_t>(fn.nparams - fn.ndefaults);
  ValueList defaults;
  if (!tuple_items(obj(function).items[kFunctionDefaults], defaults)) return;
  for (uint8_t i = first; i < fn.nparams && i - first < static_cast<int>(defaults.size()); ++i) {
    Value& slot = thread().values[base + i];
    if (slot.kind() != ValueKind::Unset) continue;
    Value d = defaults[i - first];
    incref(d);
    thread().values[base + i] = d;
  }
}

// FN8: CALL of a function object or a module-level def with nargs
// arguments above it on the stack. The op runs again once the frame has
// returned (kFinalizeReturned), to take the result. False when the callee
// is not a function (the Deref op's weakref or weakref.finalize call).
bool Machine::call_op(uint16_t at, uint16_t nargs, uint16_t keywords) {
  if (program_.partial_type != kNoType && partial_call_op(at, nargs, keywords)) return true;
  Thread& th = thread();
  Frame& body = top();
  if (body.has(kFinalizeReturned)) {
    const bool raised = th.has_exc;
    const Value callee = th.stack[th.stack.size() - (raised ? 1 : 2)];
    if (!is_function_object(callee) && callee.kind() != ValueKind::Func) return false;
    body.flags &= ~uint32_t{kFinalizeReturned};
    if (raised) {
      // the callee's frame object, kept by the traceback, holds the
      // function (f_funcobj) with the locals it took (Tracebacks.cpp)
      th.stack.pop_back();
      unwound_frame_keeps_function(callee);
      raise_pending_in_body();
    }
    const Value result = pop();
    th.stack.back() = result;
    // PT4: a Python function's call has no check after it; the one a
    // partial's call would have is skipped
    const Op& op = program_.funcs[body.func].code[at];
    if (op.code == OpCode::CallFunction && op.value == Value::boolean(true))
      body.flags |= kSkipCheck;
    decref(callee);
    return true;
  }
  const Value callee = th.stack[th.stack.size() - 1 - nargs];
  ObjId function = kNoObj;
  FuncId code = kNoFunc;
  if (is_function_object(callee)) {
    function = callee.obj();
    code = function_code(callee);
  } else if (callee.kind() == ValueKind::Func) {
    code = callee.func();
  } else if (nargs == 0) {
    return false;
  } else {
    raise("TypeError");  // not callable
  }
  const FuncInfo& fn = program_.funcs[code];
  std::vector<uint8_t> slots;  // FN12: each argument's parameter
  const bool bound = keywords ? bind_keywords(code, function, nargs, keywords, slots)
                              : accepts(code, function, nargs);
  // (a method's function: called with self by CallPyMethod, FN14; R1.16: a
  // class's function read through the class, Base.m or Base.__del__, is a
  // plain function too)
  const bool plain = fn.kind == FuncKind::Function || fn.kind == FuncKind::Method ||
                     (function == kNoObj && fn.kind == FuncKind::Finalizer);
  if (!plain || !bound) raise("TypeError");
  if (fn.generator) throw ModelLimit{"a generator function called through a variable"};
  if (th.frames.size() >= kMaxCallDepth)
    throw ModelLimit{"calls nested more than " + std::to_string(kMaxCallDepth) + " frames deep"};
  body.flags |= kFinalizeReturned;
  body.pc = at;
  ValueList args = pop_n(nargs);  // their references move into the frame
  Frame f = body_frame(th, code, fn.nlocals);
  if (keywords) {
    for (size_t i = 0; i < fn.nlocals; ++i) th.values.push_back(Value::unset());
    for (size_t i = 0; i < args.size(); ++i) th.values[f.base + slots[i]] = args[i];
  } else {
    for (Value a : args) th.values.push_back(a);
    for (size_t i = args.size(); i < fn.nlocals; ++i) th.values.push_back(Value::unset());
  }
  if (function != kNoObj) copy_free_vars(function, f.base);  // FN3, FN7
  push_frame(f);
  return true;
}

// FN13: the class call's instance stays on the caller's stack (the call's
// result) while __init__ runs with its own references to it and to the
// arguments; the caller keeps its references to the arguments until the
// call returns (the generic CALL), then drops them first to last. They lie
// below the instance last to first, so an exception from __init__ unwinds
// the instance first, then the arguments in order, as type_call and CALL
// release them. FN13a: a site that CPython has specialized
// (CALL_ALLOC_AND_ENTER_INIT) moves the arguments into the frame instead,
// and no check follows the call; the caller's stack holds only the
// instance (the shim frame's reference).
void Machine::new_init_op(uint16_t at, const Op& op) {
  Thread& th = thread();
  Frame& body = top();
  if (body.has(kFinalizeReturned)) {
    const bool specialized = body.has(kInitMoved);
    body.flags &= ~uint32_t{kFinalizeReturned | kInitMoved};
    raise_pending_in_body();
    const Value result = pop();
    if (result.kind() != ValueKind::None) {
      decref(result);
      raise("TypeError");  // __init__() should return None
    }
    if (specialized) {
      body.flags |= kSkipCheck;
      return;
    }
    const Value self = pop();
    ValueList args = pop_n(op.b);
    std::reverse(args.begin(), args.end());
    push(self);
    release_values(args);
    return;
  }
  const FuncId code = program_.types[op.a].init;
  const FuncInfo& fn = program_.funcs[code];
  std::vector<uint8_t> slots;  // FN12: each argument's parameter (self is 0)
  if (op.keywords ? !bind_keywords(code, kNoObj, op.b + 1u, op.keywords, slots)
                  : size_t{op.b} + 1 != fn.nparams)
    raise("TypeError");
  if (th.frames.size() >= kMaxCallDepth)
    throw ModelLimit{"calls nested more than " + std::to_string(kMaxCallDepth) + " frames deep"};
  // FN13a: the site specializes once it has run, when the profile and the
  // class allow (a keyword call, CALL_KW, never does), until its class
  // changes (ClassDel.cpp)
  const bool warms =
      op.site != kNoAppendSite && !op.keywords && init_call_specializes(program_, op.a);
  uint8_t* const warm = warms ? &warm_byte(body, at, op.site) : nullptr;
  const uint8_t site = warms ? *warm : 0;
  const bool moved = site == kSiteRanOnce || site == kSiteSpecialized;
  if (warms && site != kSiteDeoptimized) *warm = site == 0 ? kSiteRanOnce : kSiteSpecialized;
  ValueList args = pop_n(op.b);
  if (!moved)
    for (size_t i = args.size(); i-- > 0;) push(args[i]);
  const Value self = Value::object(alloc(static_cast<ClassId>(op.a), op.label));
  push(self);
  body.flags |= kFinalizeReturned | (moved ? kInitMoved : 0u);
  body.pc = at;
  Frame f = body_frame(th, code, fn.nlocals);
  incref(self);
  for (size_t i = 0; i < fn.nlocals; ++i) th.values.push_back(Value::unset());
  th.values[f.base + (op.keywords ? slots[0] : 0)] = self;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!moved) incref(args[i]);
    th.values[f.base + (op.keywords ? slots[i + 1] : i + 1)] = args[i];
  }
  push_frame(f);
}

// A thread body is a code object of its own, which only its thread runs,
// so its call sites are that thread's. With thread symmetry a thread may
// run a class mate's body instead (its class's first member's in a
// decoded state, any member's once the threads are put in canonical
// order: Symmetry.h), the same code but for which sites it names; the
// thread's own body has the site at the same place. Functions the bodies
// call are one code object for every thread, and keep their sites.
uint8_t& Machine::warm_byte(const Frame& f, uint16_t at, uint16_t site) {
  const FuncId own = program_.threads[current_].body;
  if (current_ == 0 || f.func == own || program_.funcs[f.func].kind != FuncKind::Thread)
    return state_.warm[site];
  return state_.warm[warm_site(program_.funcs[own].code[at])];
}

void Machine::warm_call_site(Frame& f, uint16_t at, uint16_t site) {
  uint8_t& warm = warm_byte(f, at, site);
  if (warm)
    f.flags |= kSkipCheck;
  else
    warm = 1;
}

// FN13a: CPython 3.13 specializes a class call only for a class whose
// instances keep their attributes inline (specialize.c,
// get_init_for_simple_managed_python_class: Py_TPFLAGS_INLINE_VALUES, so no
// __slots__ member and an instance dict); 3.14 drops that test.
bool init_call_specializes(const Program& p, uint16_t type) {
  const TypeInfo& t = p.types[type];
  switch (p.profile.init_call_specializes) {
    case InitCallSpecializes::Never:
      return false;
    case InitCallSpecializes::InlineValues:
      return t.kind == TypeKind::PyClass && t.slots.empty() && t.has_dict;
    case InitCallSpecializes::Always:
      return t.kind == TypeKind::PyClass;
  }
  return false;
}

// FN12: CALL_KW (3.13+; KW_NAMES then CALL before): the positional
// arguments bind the first parameters, each keyword the parameter of its
// name (_PyEval_MakeFrameVector / initialize_locals in Python/ceval.c); an
// unknown name, a parameter bound twice, or one left without a value or a
// default is a TypeError before the frame exists. The arguments are still
// evaluated in the order written.
bool Machine::bind_keywords(FuncId code, ObjId function, size_t nargs, uint16_t keywords,
                            std::vector<uint8_t>& slots) const {
  const FuncInfo& fn = program_.funcs[code];
  const std::vector<StrId>& names = program_.call_keywords[keywords - 1u];
  const size_t positional = nargs - names.size();
  if (positional > fn.nparams) return false;
  std::vector<bool> given(fn.nparams, false);
  for (size_t i = 0; i < positional; ++i) {
    slots.push_back(static_cast<uint8_t>(i));
    given[i] = true;
  }
  for (StrId name : names) {
    size_t i = 0;
    while (i < fn.nparams && fn.local_names[i] != program_.strings[name]) ++i;
    if (i == fn.nparams || given[i]) return false;
    given[i] = true;
    slots.push_back(static_cast<uint8_t>(i));
  }
  const size_t defaults = function == kNoObj ? 0 : fn.ndefaults;
  for (size_t i = 0; i + defaults < fn.nparams; ++i)
    if (!given[i]) return false;
  return true;
}

// FN8: RETURN_VALUE: the result stays alone on the frame's stack (what a
// loop left there goes), and the frame ends at its Return op.
void Machine::return_value_op() {
  Frame& f = top();
  Thread& th = thread();
  const Value v = pop();
  ValueList rest(th.stack.begin() + f.aux, th.stack.end());
  th.stack.erase(th.stack.begin() + f.aux, th.stack.end());
  push(v);
  f.pc = static_cast<uint16_t>(program_.funcs[f.func].code.size() - 1);
  release_values(rest);
}

// FN8, at the end of a body that returned (its locals are about to be
// released): a direct caller gets the result on its stack; a runtime
// caller (a callback's, a finalizer's) releases it after the locals.
void Machine::function_frame_returns(Frame& f) {
  if (f.has(kGenFrame)) return;
  Thread& th = thread();
  Value result = Value::none();
  if (th.stack.size() > f.aux) {
    result = th.stack.back();
    th.stack.pop_back();
  }
  const size_t n = th.frames.size();
  const bool direct = n >= 2 && &th.frames[n - 1] == &f &&
                      th.frames[n - 2].kind == FrameKind::Body &&
                      th.frames[n - 2].has(kFinalizeReturned);
  if (direct) {
    th.stack.push_back(result);  // the caller's stack from now on
    return;
  }
  if (!result.is_obj()) return;
  th.values.insert(th.values.begin() + f.base + f.count, result);
  ++f.count;
}

// FN10: an attribute of a function object (LOAD_ATTR, STORE_ATTR,
// DELETE_ATTR with the function on top of the stack): an entry of its
// __dict__, made by the first store.
void Machine::function_attr_op(const Op& op) {
  Thread& th = thread();
  const Value owner = th.stack.back();
  const ObjId fo = owner.obj();
  const uint8_t slot = kFunctionDict;
  const Value key = Value::str(program_.field_strings[op.a]);
  Value dict = obj(fo).items[slot];
  ValueList released;
  switch (op.code) {
    case OpCode::LoadAttr: {
      const int i = dict.is_obj() ? find_key(obj(dict.obj()), TypeKind::Dict, key) : -1;
      if (i < 0) raise("AttributeError");
      const Value v = obj(dict.obj()).items[2u * i + 1];
      incref(v);
      th.stack.back() = v;
      decref(owner);
      return;
    }
    case OpCode::StoreAttr: {
      if (!dict.is_obj()) {
        const ObjId d = alloc(kDictType, op.label, !program_.profile.lazy_dict_tracking);
        dict = Value::object(d);
        obj(fo).items[slot] = dict;
      }
      const Value v = thread().stack[thread().stack.size() - 2];
      dict_store(dict.obj(), key, v, released);
      pop_n(2);
      break;
    }
    default: {  // DelAttr
      const int i = dict.is_obj() ? find_key(obj(dict.obj()), TypeKind::Dict, key) : -1;
      if (i < 0) raise("AttributeError");
      delete_item(dict, key, released);
      pop();
      break;
    }
  }
  released.push_back(owner);
  release_values(released);
}

}  // namespace lifecheck::model
