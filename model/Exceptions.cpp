// Exceptions caught by scenario code (issue 12 point 3): the exception
// table of a body, matching an `except` clause against CPython's built-in
// hierarchy, exception objects and the frame objects their tracebacks keep,
// and what sys.unraisablehook receives per profile. Rules X2-X7
// (docs/semantics.md).
#include <algorithm>

#include "model/Limits.h"
#include "model/Machine.h"
#include "model/WeakMethod.h"

namespace lifecheck::model {

namespace {

// The base class of a built-in exception (Objects/exceptions.c); a name
// not listed is a scenario's own class, an Exception subclass.
const char* base_exception_of(const std::string& name) {
  static const std::pair<const char*, const char*> kBases[] = {
      {"Exception", "BaseException"},
      {"GeneratorExit", "BaseException"},
      {"KeyboardInterrupt", "BaseException"},
      {"SystemExit", "BaseException"},
      {"ArithmeticError", "Exception"},
      {"ZeroDivisionError", "ArithmeticError"},
      {"OverflowError", "ArithmeticError"},
      {"LookupError", "Exception"},
      {"IndexError", "LookupError"},
      {"KeyError", "LookupError"},
      {"NameError", "Exception"},
      {"UnboundLocalError", "NameError"},
      {"RuntimeError", "Exception"},
      {"RecursionError", "RuntimeError"},
      {"NotImplementedError", "RuntimeError"},
  };
  if (name == "BaseException") return nullptr;
  for (auto [n, base] : kBases)
    if (name == n) return base;
  return "Exception";
}

}  // namespace

// X3: PyErr_GivenExceptionMatches: the raised class or one of its bases.
bool exception_matches(const std::string& raised, const std::string& clause) {
  std::string at = raised;
  for (int guard = 0; guard < 8; ++guard) {
    if (at == clause) return true;
    const char* base = base_exception_of(at);
    if (!base) return false;
    at = base;
  }
  return false;
}

bool Machine::clause_matches(StrId raised, Value names) const {
  const std::string& r = program_.strings[raised];
  if (names.kind() == ValueKind::Str) return exception_matches(r, program_.strings[names.str()]);
  if (names.kind() != ValueKind::ConstTuple) return true;  // a bare except
  for (Value n : program_.const_tuples[names.const_tuple()])
    if (exception_matches(r, program_.strings[n.str()])) return true;
  return false;
}

// X2: exception_unwind looks the raising instruction up in the exception
// table; a handler gets the operand stack cut to its depth (the rest
// released, top first) and the exception pushed. False: no handler here,
// the frame unwinds.
bool Machine::catch_in_body(uint16_t at, StrId name) {
  Frame& body = top_body();
  const FuncInfo& fn = program_.funcs[body.func];
  const ExceptionHandler* handler = nullptr;
  for (const ExceptionHandler& h : fn.handlers)
    if (at >= h.start && at < h.end) {
      handler = &h;
      break;
    }
  Thread& th = thread();
  const size_t keep = body.aux + (handler ? handler->depth : 0u);
  ValueList drop(th.stack.begin() + static_cast<std::ptrdiff_t>(keep), th.stack.end());
  th.stack.erase(th.stack.begin() + static_cast<std::ptrdiff_t>(keep), th.stack.end());
  std::reverse(drop.begin(), drop.end());
  if (handler) {
    body.pc = handler->target;
    th.stack.push_back(Value::str(name));
    // PUSH_EXC_INFO: it is the handled exception now (X8). (An op that
    // raised with frames of its own on top would leave the area unsealed:
    // its clause's end then drops what lies above the last seal.)
    if (&th.frames.back() == &body)
      seal_handled(static_cast<size_t>(body.base) + body.count, handler->depth);
  } else {
    body.pc = at;
    th.has_exc = true;
    th.exc = name;
    body.flags |= kUnwinding;
  }
  release_values(drop);  // may push frames: `body` is not used after this
  return handler != nullptr;
}

// X4: `except E as e` binds the exception object. Its traceback names the
// frame it passed through, whose frame object (PyFrame_GetFrame /
// _PyFrame_MakeAndSetFrameObject) the running frame keeps in a hidden
// local; the frame object is not tracked until its frame returns.
Value Machine::handler_frame_object(Frame& f) {
  const FuncInfo& fn = program_.funcs[f.func];
  const uint16_t slot = static_cast<uint16_t>(f.base + fn.frame_slot);
  if (thread().values[slot].kind() != ValueKind::Obj) {
    ObjId fo = alloc(kFrameType, kNoLabel, false);
    thread().values[slot] = Value::object(fo);
  }
  return thread().values[slot];
}

Value Machine::new_exception_object(Frame& f, StrId name) {
  const Value fo = handler_frame_object(f);
  incref(fo);
  return new_exception(Value::str(name), {fo});
}

Value Machine::new_exception(Value name, const ValueList& items) {
  if (items.size() > static_cast<size_t>(kMaxItems))
    throw ModelLimit{"an exception object keeping more than " + std::to_string(kMaxItems) +
                     " frame objects and exceptions (its traceback and __context__)"};
  // BaseException_new: tracked from creation (PyType_GenericAlloc)
  const ObjId e = alloc(kExceptionType, kNoLabel, true);
  Object& x = obj(e);
  x.fields[0] = name;
  std::copy(items.begin(), items.end(), x.items.begin());
  x.length = static_cast<uint8_t>(items.size());
  return Value::object(e);
}

// X5: a returning (or unwinding) frame whose frame object exists hands its
// locals over to it (take_ownership), which is tracked from then on; the
// frame's own reference to the frame object is what it releases then. The
// locals are already in their release order.
void Machine::frame_object_takes_locals(Frame& f) {
  const FuncInfo& fn = program_.funcs[f.func];
  if (fn.frame_slot == kNoFrameSlot) return;
  Thread& th = thread();
  const auto first = th.values.begin() + f.base;
  const auto last = first + f.count;
  const uint16_t slot = program_.profile.locals_last_to_first
                            ? static_cast<uint16_t>(f.count - 1 - fn.frame_slot)
                            : fn.frame_slot;
  Value fo = th.values[f.base + slot];
  if (fo.kind() != ValueKind::Obj) return;
  th.values[f.base + slot] = Value::unset();
  Object& x = obj(fo.obj());
  for (auto it = first; it != last; ++it) {
    if (it->kind() == ValueKind::Unset) continue;
    if (x.length >= kMaxItems)
      throw ModelLimit{"a frame object keeping more than " + std::to_string(kMaxItems) + " locals"};
    x.items[x.length++] = *it;
    *it = Value::unset();
  }
  *first = fo;
  if (!f.has(kUnwinding)) frame_object_takes_function(f, fo);
  link_f_back(f, fo);
  if (!obj(fo.obj()).tracked()) track(fo.obj());
}

// X5: take_ownership (Python/frame.c) links the frame object to its
// caller's (f_back), making that one if needed, when something besides the
// frame holds it (_PyFrame_ClearExceptCode takes ownership only when
// Py_REFCNT(f) > 1; otherwise the frame object dies with the frame and
// nothing is linked). The caller is the nearest body below:
// _PyFrame_GetFirstComplete skips the C code between, so a __del__ or a
// callback links to the body whose decref or collection ran it. A thread's
// first body links to nothing here (the frames of threading and of the
// harness that called it hold none of the scenario's objects).
// frame_dealloc releases f_back after the locals: it is the last item.
void Machine::link_f_back(const Frame& f, Value fo) {
  if (obj(fo.obj()).rc <= 1) return;
  Thread& th = thread();
  size_t at = th.frames.size();
  while (at > 0 && &th.frames[at - 1] != &f) --at;
  while (at > 1 && th.frames[at - 2].kind != FrameKind::Body) --at;
  if (at <= 1) return;
  const size_t caller = at - 2;
  if (f.has(kGenFrame) || th.frames[caller].has(kGenFrame) ||
      program_.funcs[th.frames[caller].func].frame_slot == kNoFrameSlot)
    throw ModelLimit{
        "a frame object kept past its frame's end whose frame or caller is a generator's "
        "(f_back)"};
  const Value back = handler_frame_object(thread().frames[caller]);
  Object& x = obj(fo.obj());
  if (x.length >= kMaxItems)
    throw ModelLimit{"a frame object keeping more than " + std::to_string(kMaxItems) +
                     " values (its locals and f_back)"};
  incref(back);
  x.items[x.length++] = back;
}

// X5, FN8: take_ownership copies f_funcobj with the locals, so a frame
// object that outlives its frame holds the function it ran, released first
// by frame_dealloc. The model's CALL keeps a function object on the
// caller's stack until the result is taken; it moves to the frame object
// here, and the code it ran (no reference) takes its place. (An unwinding
// frame's function joins its block: unwound_frame_keeps_function.)
void Machine::frame_object_takes_function(const Frame& f, Value fo) {
  if (obj(fo.obj()).rc <= 1) return;
  Thread& th = thread();
  const size_t n = th.frames.size();
  if (n < 2 || &th.frames[n - 1] != &f || f.aux == 0) return;
  const Frame& caller = th.frames[n - 2];
  if (caller.kind != FrameKind::Body || !caller.has(kFinalizeReturned)) return;
  const OpCode call = program_.funcs[caller.func].code[caller.pc].code;
  if (call != OpCode::CallFunction && call != OpCode::Deref && call != OpCode::CallPyMethod)
    return;  // f() is a Deref; obj.f() of a function object a CallPyMethod (FN15)
  Value& callee = th.stack[f.aux - 1u];
  if (!is_function_object(callee) || function_code(callee) != f.func) return;
  Object& x = obj(fo.obj());
  if (x.length >= kMaxItems)
    throw ModelLimit{"a frame object keeping more than " + std::to_string(kMaxItems) +
                     " values (its function and locals)"};
  std::copy_backward(x.items.begin(), x.items.begin() + x.length, x.items.begin() + x.length + 1);
  x.items[0] = callee;
  ++x.length;
  callee = Value::func(f.func);
}

bool Machine::has_f_back(Value fo) const {
  const Object& x = state_.objects[fo.obj()];
  return x.length != 0 && x.items[x.length - 1].is_obj() &&
         program_.types[state_.objects[x.items[x.length - 1].obj()].type].kind ==
             TypeKind::FrameObject;
}

namespace {
// Thread::exc_func for a call that failed before any body ran: the kind of
// thing that was not callable (the hook names its type).
constexpr FuncId kNotCallableValue = 0xFD00;   // + ValueKind
constexpr FuncId kNotCallableObject = 0xFE00;  // + ClassId
}  // namespace

FuncId Machine::not_callable_tag(Value v) const {
  if (v.is_obj()) return static_cast<FuncId>(kNotCallableObject + state_.objects[v.obj()].type);
  return static_cast<FuncId>(kNotCallableValue + static_cast<unsigned>(v.kind()));
}

// X7: what sys.unraisablehook receives for an exception escaping Python
// code the runtime called (or a call that failed). Up to 3.13,
// PyErr_WriteUnraisable(callable): the hook's `object` is the callable and
// err_msg is None ("Exception ignored in"); 3.14, PyErr_FormatUnraisable(
// "Exception ignored while calling deallocator %R" / "weakref callback %R" /
// "GC callback %R"): `object` is None and the message names the callable.
// The observable text: "EXC in NAME" or "EXC while calling WHAT NAME"; a
// function by its qualified name, anything else by its type's name.
std::string Machine::unraisable_text(StrId exc, UnraisableSite site, FuncId callable) const {
  if (callable == kNoFunc) return program_.strings[exc];
  // Y6: _PyGen_Finalize reports with PyErr_WriteUnraisable(self) in every
  // release: the object is the generator
  if (callable == kGeneratorFinalize) return program_.strings[exc] + " in generator";
  std::string name;
  if (callable == kWeakMethodCb) {  // WM5: its __qualname__
    name = "WeakMethod.__new__.<locals>._cb";
  } else if (callable >= kNotCallableObject) {
    // the type's __name__: "weakref.finalize" is `finalize`
    name = program_.types[callable - kNotCallableObject].name;
    if (size_t dot = name.rfind('.'); dot != std::string::npos) name.erase(0, dot + 1);
  } else if (callable >= kNotCallableValue) {
    switch (static_cast<ValueKind>(callable - kNotCallableValue)) {
      case ValueKind::None:
        name = "NoneType";
        break;
      case ValueKind::Int:
        name = "int";
        break;
      case ValueKind::Bool:
        name = "bool";
        break;
      case ValueKind::Str:
        name = "str";
        break;
      case ValueKind::ConstTuple:
        name = "tuple";
        break;
      default:
        name = "object";
        break;
    }
  } else {
    name = program_.funcs[callable].name;
  }
  if (!program_.profile.unraisable_names_call) return program_.strings[exc] + " in " + name;
  const char* what = site == UnraisableSite::Deallocator       ? "deallocator"
                     : site == UnraisableSite::WeakrefCallback ? "weakref callback"
                                                               : "GC callback";
  return program_.strings[exc] + " while calling " + what + " " + name;
}

}  // namespace lifecheck::model
