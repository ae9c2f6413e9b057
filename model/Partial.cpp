// functools.partial, the C type of Modules/_functoolsmodule.c (Lib/functools.py
// imports it from _functools), rules PT1-PT6 of docs/semantics.md:
//   PT1 partial_new: PyCallable_Check(func); a partial of a partial (no
//       __dict__) takes the inner one's fn and arguments; tp_alloc makes
//       the object, tracked at once (PyType_GenericAlloc); then
//       pto->fn = Py_NewRef(func); pto->args = PyTuple_GetSlice(args, 1,
//       ...) (a new tracked tuple, the empty-tuple singleton when there
//       are none), concatenated after the inner one's; pto->kw =
//       PyDict_New() (empty: untracked while dicts are tracked lazily,
//       3.11-3.13; tracked in 3.14, GH-127010).
//   PT2 the call of the type: the arguments stay on the caller's stack
//       until partial_new returned, then are released in order; a check
//       follows (a call of C code).
//   PT3 partial_vectorcall: fn is called with the stored arguments first
//       (borrowed: the partial holds them), then the call's own; the
//       frame of a Python fn takes new references as any frame does.
//   PT4 CALL of a partial from Python code: a call of C code; the caller
//       keeps the partial and its arguments until it returned, then
//       releases the partial, then the arguments in order; a check
//       follows.
//   PT5 partial_clear: Py_CLEAR of fn, args, kw (and __dict__), one after
//       the other: each is released before the next member is cleared.
//   PT6 partial_dealloc: untrack, clear the weakrefs (callbacks run), then
//       partial_clear, then free; no trashcan of its own.
// Not modelled: keyword arguments (the front end refuses them), the
// instance __dict__, the temporary argument tuple of the type call
// (_PyObject_MakeTpCall: it dies inside the call and holds only what the
// caller's stack holds), the type's reference (a heap type the module
// keeps), and a partial of a weakref or weakref.finalize (refused).
#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
constexpr int kPartialMembers[] = {kPartialFunc, kPartialArgs, kPartialKeywords};
}  // namespace

bool Machine::is_partial(Value v) const {
  return v.is_obj() && program_.types[state_.objects[v.obj()].type].kind == TypeKind::Partial;
}

ObjId Machine::callee_function(Value func) const {
  if (is_partial(func)) func = state_.objects[func.obj()].fields[kPartialFunc];
  return is_function_object(func) ? func.obj() : kNoObj;
}

// PT1, PT2: stack: func, the arguments to store (op.a of them); op.value:
// the empty-tuple constant.
void Machine::partial_new_op(const Op& op) {
  ValueList& st = thread().stack;
  Value func = st[st.size() - 1u - op.a];
  ValueList stored;  // PyTuple_GetSlice(args, 1, ...)
  for (size_t i = st.size() - op.a; i < st.size(); ++i) stored.push_back(st[i]);
  Value inner_args = Value::unset();
  if (is_partial(func)) {  // its fn and arguments, used directly
    inner_args = obj(func.obj()).fields[kPartialArgs];
    func = obj(func.obj()).fields[kPartialFunc];
  }
  const bool callable =
      func.kind() == ValueKind::Func ||
      (func.is_obj() &&
       (is_function_object(func) || is_partial(func) || obj(func.obj()).type == kMethodType ||
        program_.types[obj(func.obj()).type].kind == TypeKind::Weakref || is_finalize(func)));
  if (!callable) raise("TypeError");  // "the first argument must be callable"
  if (func.is_obj() && obj(func.obj()).type != kMethodType && !is_function_object(func))
    throw ModelLimit{"a functools.partial of a weakref or a weakref.finalize"};
  ValueList inner;
  if (inner_args.kind() != ValueKind::Unset) tuple_items(inner_args, inner);
  if (inner.size() + stored.size() > static_cast<size_t>(kMaxItems))
    throw ModelLimit{"a functools.partial storing more than " + std::to_string(kMaxItems) +
                     " arguments"};
  const ObjId p = alloc(program_.partial_type, op.label, true);  // tp_alloc: tracked
  incref(func);
  obj(p).fields[kPartialFunc] = func;
  // the slice: a new tuple of the stored arguments (_PyTuple_FromArray
  // tracks it), or the empty-tuple singleton
  Value slice = op.value;
  if (!stored.empty()) {
    const ObjId t = alloc(kTupleType, program_.partial_args_label, true);
    for (size_t i = 0; i < stored.size(); ++i) {
      incref(stored[i]);
      obj(t).items[i] = stored[i];
    }
    obj(t).length = static_cast<uint8_t>(stored.size());
    slice = Value::object(t);
  }
  ValueList released;
  if (inner.empty() || stored.empty()) {
    // PySequence_Concat -> tuple_concat returns the non-empty one itself
    const Value args = inner.empty() ? slice : inner_args;
    if (!inner.empty()) incref(inner_args);
    obj(p).fields[kPartialArgs] = args;
  } else {
    const ObjId t = alloc(kTupleType, program_.partial_args_label, true);
    size_t n = 0;
    for (Value v : inner) {
      incref(v);
      obj(t).items[n++] = v;
    }
    for (Value v : stored) {
      incref(v);
      obj(t).items[n++] = v;
    }
    obj(t).length = static_cast<uint8_t>(n);
    obj(p).fields[kPartialArgs] = Value::object(t);
    released.push_back(slice);  // Py_DECREF(nargs)
  }
  // PyDict_New(): empty, so untracked while dicts are tracked lazily
  const ObjId kw =
      alloc(kDictType, program_.partial_keywords_label, !program_.profile.lazy_dict_tracking);
  obj(p).fields[kPartialKeywords] = Value::object(kw);
  ValueList operands = pop_n(op.a + 1u);  // released in order after the call (PT2)
  push(Value::object(p));
  for (Value v : operands) released.push_back(v);
  release_values(released);
}

// PT3, PT4: CALL of a partial with nargs arguments above it. The op runs
// again once the callee's frame returned (kFinalizeReturned with
// kPartialCall). False when the callee is no partial.
bool Machine::partial_call_op(uint16_t at, uint16_t nargs, uint16_t keywords) {
  Thread& th = thread();
  Frame& body = top();
  if (body.has(kFinalizeReturned)) {
    if (!body.has(kPartialCall)) return false;
    body.flags &= ~uint32_t{kFinalizeReturned | kPartialCall};
    // an exception propagates from the CALL: the unwinding releases the
    // partial and the arguments
    raise_pending_in_body();
    nargs = program_.funcs[body.func].code[at].a;  // (CallPyMethod's re-entry passes 0)
    const Value result = pop();
    ValueList operands = pop_n(nargs + 1u);  // the partial, then the arguments (PT4)
    push(result);
    release_values(operands);  // (the check after the call is CodeGen's)
    return true;
  }
  const Value callee = th.stack[th.stack.size() - 1u - nargs];
  if (!is_partial(callee)) return false;
  if (keywords) throw ModelLimit{"keyword arguments in a call of a functools.partial"};
  ValueList argv;  // borrowed: the caller's stack and the partial hold them
  for (size_t i = th.stack.size() - nargs; i < th.stack.size(); ++i) argv.push_back(th.stack[i]);
  const FuncId fn = python_callee(callee, argv);
  const ObjId function = callee_function(callee);
  if (fn == kNoFunc || !accepts(fn, function, argv.size())) raise("TypeError");
  if (program_.funcs[fn].generator)
    throw ModelLimit{"a generator function called through a functools.partial"};
  if (th.frames.size() >= 48) throw ModelLimit{"calls nested more than 48 frames deep"};
  body.flags |= kFinalizeReturned | kPartialCall;
  body.pc = at;
  call_python(fn, argv, function);
  return true;
}

// partial_memberlist: func, args, keywords (read-only).
bool Machine::partial_attr(Value base, FieldId field, Value& out) {
  if (!is_partial(base)) return false;
  const std::string& name = program_.field_names[field];
  const int m = name == "func"       ? kPartialFunc
                : name == "args"     ? kPartialArgs
                : name == "keywords" ? kPartialKeywords
                                     : -1;
  if (m < 0) raise("AttributeError");
  out = obj(base.obj()).fields[m];
  return true;
}

// PT5: one Py_CLEAR of partial_clear: the next member still set is
// cleared, then released (its deallocation runs before the next one).
bool Machine::partial_clear_step(ObjId o) {
  for (int m : kPartialMembers) {
    Value& slot = obj(o).fields[m];
    if (slot.kind() == ValueKind::Unset) continue;
    const Value v = slot;
    slot = Value::unset();
    decref(v);
    return true;
  }
  return false;
}

// PT6: partial_dealloc.
void Machine::step_partial_dealloc(Frame& f) {
  const ObjId o = f.obj;
  enum : uint8_t { kStart, kMembers, kEnd };
  switch (f.stage) {
    case kStart:
      emit(event(EventKind::DeallocBegin, o));
      obj(o).flags |= kDeallocating;
      untrack(o);  // bpo-31095: before any callback runs
      f.stage = kMembers;
      if (!weakref_list(o).empty()) {  // (the weakref list is not NULL)
        Frame c;
        c.kind = FrameKind::ClearWeakrefs;
        c.obj = o;
        push_frame(c);
      }
      return;
    case kMembers:
      if (partial_clear_step(o)) return;
      free_object(o);  // tp_free
      f.stage = kEnd;
      return;
    default: {
      pop_frame();
      emit(event(EventKind::DeallocEnd, o));
      release_slot(o);
      return;
    }
  }
}

}  // namespace lifecheck::model
