// The bytecode interpreter of scenario bodies (model/CodeGen.cpp writes the
// code). Values on a body's operand stack are owned references, as in
// CPython's frames; an op releases what it consumes right away, as the
// corresponding CPython instruction does (deallocations it triggers run
// before the next op, in Dealloc frames). A thread runs from one
// eval-breaker check to the next (T1); a check also runs an automatic
// collection that an allocation scheduled (G3).
#include <algorithm>

#include "model/CodeGen.h"
#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

void Machine::push(Value v) { thread().stack.push_back(v); }

Value Machine::pop() {
  Value v = thread().stack.back();
  thread().stack.pop_back();
  return v;
}

ValueList Machine::pop_n(size_t n) {
  ValueList& st = thread().stack;
  const auto first = st.end() - static_cast<std::ptrdiff_t>(n);
  ValueList out(first, st.end());
  st.erase(first, st.end());
  return out;
}

void Machine::step_body(Frame& f) {
  const FuncInfo& fn = program_.funcs[f.func];
  if (f.has(kUnwinding) || fn.code[f.pc].code == OpCode::Return) {
    // Return (or unwind): _PyFrame_ClearLocals releases the locals, first to
    // last up to 3.13 and last to first from 3.14 (a profile switch); then
    // the caller resumes. frame_dealloc, for a frame kept by a traceback,
    // clears them in the same order.
    Thread& th = thread();
    if (program_.profile.locals_last_to_first)
      std::reverse(th.values.begin() + f.base, th.values.begin() + f.base + f.count);
    frame_object_takes_locals(f);                       // X5
    if (f.has(kGenFrame) && gen_frame_ends(f)) return;  // Y5
    if (f.has(kUnwinding)) {
      th.exc_func = f.func;  // X7: the body the exception escaped
      // An exception leaves the frame: PyTraceBack_Here gave the frame a
      // frame object and the traceback holds it, so its locals live on
      // until the exception is dropped (drop_traceback). Dropping frees the
      // traceback innermost entry first (tb_dealloc releases tb_next before
      // tb_frame), so these locals go after those of frames already unwound.
      // The exceptions it handled are no longer handled (X8).
      end_handling(static_cast<size_t>(f.base) + f.count, 0);
      std::rotate(th.values.begin() + f.base, th.values.begin() + f.base + f.count,
                  th.values.end());
      mark_unwound_frame(f.base, f.count, f.has(kGenFrame));  // Tracebacks.cpp
      pop_frame();
      return;
    }
    function_frame_returns(f);  // FN8: the result (FunctionCalls.cpp)
    f.kind = FrameKind::Release;
    f.pc = 0;
    f.flags = 0;
    // A release reads no function: keeping the body's would tell identical
    // threads' releases apart in the canonical form (Canonical.h symmetry).
    f.func = 0;
    return;
  }
  const uint16_t at = f.pc;
  const Op& op = fn.code[at];
  if (statements_)
    statements_->op_begins(current_, static_cast<size_t>(&f - thread().frames.data()), f, at);
  ++f.pc;
  try {
    execute(op, at);
  } catch (const PyRaise& r) {
    // exception_unwind: to this body's handler (X2), or the frame unwinds.
    catch_in_body(at, r.name);
  }
}

Frame& Machine::top_body() {
  Thread& th = thread();
  for (auto it = th.frames.rbegin(); it != th.frames.rend(); ++it)
    if (it->kind == FrameKind::Body) return *it;
  return th.frames.back();
}

bool Machine::collection_due(bool consume) {
  const GcState& gc = state_.gc;
  uint8_t* pending = nullptr;
  switch (program_.profile.auto_gc_point) {
    case AutoGcPoint::EvalBreakerAnyThread:
      pending = &state_.gc.scheduled;
      break;
    case AutoGcPoint::EvalBreakerAllocatingThread:
      pending = &thread().gc_pending;
      break;
    case AutoGcPoint::InsideAllocation:
      return false;
  }
  if (*pending == 0) return false;
  if (!consume) return gc.auto_enabled && !gc.collecting;
  uint8_t generation = static_cast<uint8_t>(*pending - 1);
  *pending = 0;
  if (!gc.auto_enabled || gc.collecting) return false;
  push_auto_collection(generation);
  return true;
}

void Machine::execute(const Op& op, uint16_t at) {
  require_attached("Python code");
  Frame& f = top();
  auto local = [&](uint16_t slot) -> Value& { return thread().values[f.base + slot]; };
  switch (op.code) {
    case OpCode::Check:
      // A specialized list.append has no check (CALL_LIST_APPEND).
      if (f.has(kSkipCheck)) {
        f.flags &= ~uint32_t{kSkipCheck};
        return;
      }
      // G3, T1: _Py_HandlePending runs a scheduled collection, then the GIL
      // may change hands (the scheduling point is this op, reached again
      // once the collection is done).
      if (collection_due(false)) f.pc = at;
      collection_due(true);  // `f` may move: this pushes a frame
      // F6: the owner merges its queue at the same check, before the
      // collection (_Py_HandlePending's order), so pushed after it.
      if (program_.profile.refcounting == Refcounting::Biased) brc_check_eval_breaker();
      return;
    case OpCode::Enter:
      enter_event(f);
      return;
    case OpCode::LoadConst:
      push(op.value);
      return;
    case OpCode::LoadLocal: {
      Value v = local(op.a);
      if (v.kind() == ValueKind::Unset) raise("UnboundLocalError");
      incref(v);
      push(v);
      return;
    }
    case OpCode::LoadGlobal: {
      Value v = state_.globals[op.a];
      if (v.kind() == ValueKind::Unset) raise("NameError");
      incref(v);
      push(v);
      return;
    }
    case OpCode::LoadAttr: {
      if (is_function_object(thread().stack.back())) return function_attr_op(op);  // FN10
      Value owner = thread().stack.back();
      Value v = is_thread_local(through_proxy(owner))  // TL2
                    ? thread_local_load(through_proxy(owner), static_cast<FieldId>(op.a))
                    : load_attr(owner, static_cast<FieldId>(op.a));
      incref(v);
      thread().stack.back() = v;
      decref(owner);
      return;
    }
    case OpCode::StoreLocal: {
      Value v = pop();
      Value old = local(op.a);
      local(op.a) = v;
      decref(old);
      return;
    }
    case OpCode::StoreGlobal: {
      Value v = pop();
      Value old = state_.globals[op.a];
      state_.globals[op.a] = v;
      decref(old);
      return;
    }
    case OpCode::StoreAttr: {
      // STORE_ATTR: the dict drops the old value inside PyObject_SetAttr,
      // then the owner is released.
      if (is_function_object(thread().stack.back())) return function_attr_op(op);  // FN10
      const ValueList& st = thread().stack;
      Value owner = st[st.size() - 1], v = st[st.size() - 2];
      FieldId field = static_cast<FieldId>(op.a);
      ValueList released;
      if (is_thread_local(through_proxy(owner))) {  // TL2: into the thread's dict
        thread_local_store(through_proxy(owner), field, v, released);
      } else {
        ObjId o = instance_for_attribute(owner, field, true);
        store_attr(o, field, v, released);
      }
      pop_n(2);
      released.push_back(owner);
      release_values(released);
      return;
    }
    case OpCode::StoreItem: {
      // STORE_SUBSCR: PyObject_SetItem takes its own references (the old
      // value goes inside it), then the three operands are released.
      const ValueList& st = thread().stack;
      Value v = st[st.size() - 3], container = st[st.size() - 2], key = st[st.size() - 1];
      ValueList released;
      store_item(through_proxy(container), key, v, released);
      ValueList operands = pop_n(3);
      released.insert(released.end(), operands.begin(), operands.end());
      release_values(released);
      return;
    }
    case OpCode::DelLocal: {
      if (local(op.a).kind() == ValueKind::Unset) raise("UnboundLocalError");
      Value old = local(op.a);
      local(op.a) = Value::unset();
      decref(old);
      return;
    }
    case OpCode::DelGlobal: {
      if (state_.globals[op.a].kind() == ValueKind::Unset)
        raise(op.b == 1 ? "AttributeError" : "NameError");  // b = 1: del C.NAME (CA5)
      Value old = state_.globals[op.a];
      state_.globals[op.a] = Value::unset();
      decref(old);
      return;
    }
    case OpCode::DelAttr: {
      if (is_function_object(thread().stack.back())) return function_attr_op(op);  // FN10
      Value owner = thread().stack.back();
      FieldId field = static_cast<FieldId>(op.a);
      if (is_thread_local(through_proxy(owner))) {  // TL2
        ValueList released;
        thread_local_delete(through_proxy(owner), field, released);
        pop();
        released.push_back(owner);
        release_values(released);
        return;
      }
      ObjId o = instance_for_attribute(owner, field, true);
      ValueList released;
      if (c_type_of(o).is_c_field(field))
        write_c_field(o, field, Value::unset(), released);
      else
        delete_attr(o, field, released);  // InstanceDict.cpp
      pop();
      released.push_back(owner);
      release_values(released);
      return;
    }
    case OpCode::DelItem: {
      const ValueList& st = thread().stack;
      Value container = st[st.size() - 2], key = st[st.size() - 1];
      ValueList released;
      delete_item(through_proxy(container), key, released);
      pop_n(2);
      released.push_back(container);
      released.push_back(key);
      release_values(released);
      return;
    }
    case OpCode::PopTop:
      decref(pop());
      return;
    case OpCode::New:
      if (op.a == program_.thread_local_type) {  // threading.local() (TL1)
        push(thread_local_new(op.label));
        return;
      }
      if (op.a == program_.weak_value_dict_type || op.a == program_.weak_set_type ||
          op.a == program_.weak_key_dict_type) {
        push(weak_container_new(static_cast<ClassId>(op.a), op.label));  // WC1
        return;
      }
      push(Value::object(alloc(static_cast<ClassId>(op.a), op.label)));
      // F9a: types.ModuleType(name): track_module defers the new module
      if (op.a == program_.module_type && program_.profile.deferred_modules)
        defer_new_object(thread().stack.back().obj());
      return;
    case OpCode::BoundMethod: {
      // LOAD_ATTR of a method: the instance's own attribute of that name,
      // else a bound method object holding self (FN15); through a proxy
      // the method is bound to the referent (W16).
      const Value self = thread().stack.back();
      thread().stack.back() = method_attribute(self, op);
      decref(self);
      return;
    }
    case OpCode::LoadMethod:  // FN14, FN15 (MethodCalls.cpp)
      return load_method_op(op);
    case OpCode::CallPyMethod:
      return call_py_method_op(at, op);
    case OpCode::SuperNew:  // SU1, SU4 (Super.cpp)
      return super_new_op(op);
    case OpCode::LoadSuperMethod:  // SU1-SU3, SU5
      return load_super_method_op(at, op);
    case OpCode::CallObjectInit:  // SU5, TI4
      return call_object_init_op(at, op);
    case OpCode::WeakrefNew: {
      // CALL of weakref.ref, proxy, WeakMethod: its arguments stay on the stack until it returns
      const size_t n = op.a ? 2 : 1;
      const ValueList& st = thread().stack;
      Value referent = st[st.size() - n];
      Value callback = op.a ? st.back() : Value::none();
      Value w = op.b == 2 ? weak_method_new(referent, callback, op.label)  // WM1
                          : new_weakref(referent, callback, op.label,
                                        op.b ? program_.proxy_type : kWeakrefType);  // W15
      ValueList args = pop_n(n);
      push(w);
      release_values(args);
      return;
    }
    case OpCode::NewInit:  // FN13 (FunctionCalls.cpp)
      return new_init_op(at, op);
    case OpCode::CallFunction:  // FN8 (FunctionCalls.cpp); f() of a weakref as Deref
      if (op.a != 0) {
        if (!call_op(at, op.a, op.b)) raise("TypeError");
        return;
      }
      [[fallthrough]];
    case OpCode::Deref: {
      if (call_op(at, 0)) return;        // f() of a function (FN8)
      if (finalize_call_op(at)) return;  // f() of a weakref.finalize
      Value w = thread().stack.back();
      Value r = deref_weakref(w);
      thread().stack.back() = r;
      decref(w);
      return;
    }
    case OpCode::FinalizeNew:
      return finalize_new_op(op);
    case OpCode::PartialNew:  // Partial.cpp
      return partial_new_op(op);
    case OpCode::IsFinalized:
    case OpCode::IsTracked: {
      if (op.a == 1) return refcount_op(op);  // sys.getrefcount (GcModule.cpp)
      Value x = thread().stack.back();
      thread().stack.back() =
          Value::boolean(op.code == OpCode::IsFinalized ? is_finalized(x) : is_tracked(x));
      decref(x);
      return;
    }
    case OpCode::BuildList:
    case OpCode::BuildTuple:
    case OpCode::BuildDict:
    case OpCode::BuildSet:
      return build_container(op);
    case OpCode::NewDeque: {
      Value source = op.a ? thread().stack.back() : Value::unset();
      Value d = new_deque(source, op.label);
      if (op.a) {
        thread().stack.back() = d;
        decref(source);
      } else {
        push(d);
      }
      return;
    }
    case OpCode::CallMethod: {
      // CALL of a method descriptor: the receiver and the arguments are
      // released after the call, in order; what the container gave up
      // first (inside the call).
      const ValueList& st = thread().stack;
      Value receiver = st[st.size() - 1 - op.a];
      // a with statement's __enter__ or __exit__ (LK5): a subject that is
      // no lock has no context manager protocol
      if (op.str != 0 && !is_lock(through_proxy(receiver))) raise(program_.strings[op.str]);
      ValueList args(st.end() - op.a, st.end());
      ValueList released;
      released_any_order_ = 0;
      Value result = call_method(op, through_proxy(receiver), args, released);
      // 3.12+: a list.append call site is specialized once it has run
      // (CALL_LIST_APPEND), and the specialized call has no check.
      if (op.b != kNoAppendSite && container_of(receiver) == TypeKind::List &&
          program_.types[obj(receiver.obj()).type].kind == TypeKind::List &&
          program_.strings[op.value.str()] == "append" && program_.profile.list_append_specializes)
        warm_call_site(f, at, op.b);
      ValueList operands = pop_n(op.a + 1u);
      push(result);
      released.insert(released.end(), operands.begin(), operands.end());
      release_in_any_order(released, released_any_order_);  // set.clear(): C1
      released_any_order_ = 0;
      return;
    }
    case OpCode::DelSlice: {
      const size_t n = 1u + ((op.a & 1) ? 1 : 0) + ((op.a & 2) ? 1 : 0);
      const ValueList& st = thread().stack;
      Value container = st[st.size() - n];
      Value start = (op.a & 1) ? st[st.size() - n + 1] : Value::none();
      Value stop = (op.a & 2) ? st.back() : Value::none();
      ValueList released;
      delete_slice(container, start, stop, released);
      ValueList operands = pop_n(n);
      released.insert(released.end(), operands.begin(), operands.end());
      release_values(released);
      return;
    }
    case OpCode::ItemGet: {
      if (op.a == 1) return gc_garbage_item();  // GcModule.cpp
      const ValueList& st = thread().stack;
      Value container = st[st.size() - 2], key = st[st.size() - 1];
      Value v = item_slot(through_proxy(container), key, false);
      incref(v);
      pop_n(2);
      push(v);
      release_values({container, key});
      return;
    }
    case OpCode::Compare: {
      auto k = static_cast<CompareKind>(op.a);
      const ValueList& st = thread().stack;
      Value x = st[st.size() - 2], y = st[st.size() - 1];
      // `==` through a proxy compares the referents (W16: proxy_richcompare)
      bool same = (k == CompareKind::Is || k == CompareKind::IsNot)
                      ? x == y
                      : py_equal(through_proxy(x), through_proxy(y), 0);
      ValueList xy = pop_n(2);
      push(Value::boolean((k == CompareKind::Is || k == CompareKind::Eq) ? same : !same));
      release_values(xy);
      return;
    }
    case OpCode::Not: {
      Value x = thread().stack.back();
      thread().stack.back() = Value::boolean(!truth(through_proxy(x)));
      decref(x);
      return;
    }
    case OpCode::Jump:
      f.pc = op.a;
      return;
    case OpCode::ForRange: {
      // FOR_ITER over a range iterator: the next index, or the loop's end.
      Value& next = thread().stack.back();
      const int32_t i = next.integer();
      if (i >= op.b) {
        pop();
        f.pc = op.a;
        return;
      }
      next = Value::integer(i + 1);
      push(Value::integer(i));
      return;
    }
    case OpCode::PopJumpIfFalse: {
      const bool holds = truth(through_proxy(thread().stack.back()));  // W16: proxy_bool
      Value x = pop();
      if (!holds) f.pc = op.a;
      decref(x);
      return;
    }
    case OpCode::Log: {
      ValueList args(thread().stack.end() - op.a, thread().stack.end());
      std::string text;
      for (Value v : args) {
        if (!text.empty()) text += ' ';
        text += render(v);
      }
      pop_n(op.a);
      Event e = event(EventKind::Log);
      e.text = std::move(text);
      emit(std::move(e));
      release_values(args);
      return;
    }
    case OpCode::Assert: {
      const bool holds = truth(through_proxy(thread().stack.back()));
      Value x = pop();
      if (!holds)
        violation({"assert"},
                  "assertion failed at line " + std::to_string(op.line) +
                      (program_.strings[op.str].empty() ? std::string()
                                                        : ": " + program_.strings[op.str]));
      decref(x);
      return;
    }
    case OpCode::Raise:
      throw PyRaise{op.str};
    case OpCode::Collect: {
      Frame c;
      c.kind = FrameKind::Collect;
      c.aux = op.a;
      c.flags = kPushResult;
      push_frame(c);
      return;
    }
    case OpCode::GcEnable:
      if (op.a == 1) return set_gc_debug(op.b == 1);  // GcModule.cpp
      if (op.a >= 2) return op.a == 2 ? gc_freeze() : gc_unfreeze();
      state_.gc.auto_enabled = true;
      return;
    case OpCode::GcDisable:
      if (op.a == 1) return clear_gc_garbage();  // GcModule.cpp
      state_.gc.auto_enabled = false;
      return;
    case OpCode::GcCallbacksAppend:
      if (op.a == 1)
        gc_callbacks_append(pop());  // G6a: a list of values (GcModule.cpp)
      else
        state_.gc.callbacks.push_back(op.value.func());
      // gc.callbacks is a list: as for list.append
      if (op.b != kNoAppendSite && program_.profile.list_append_specializes)
        warm_call_site(f, at, op.b);
      return;
    case OpCode::GcCallbacksRemove: {
      if (op.a == 1) return gc_callbacks_remove(thread().stack.back());  // G6a
      auto& cbs = state_.gc.callbacks;
      auto it = std::find(cbs.begin(), cbs.end(), op.value.func());
      if (it == cbs.end()) raise("ValueError");
      cbs.erase(it);
      return;
    }
    case OpCode::Join:  // taken only once the thread has finished
      return;
    case OpCode::Construct:  // CTypes.cpp, CTypeInit.cpp (TI1)
      return construct_op(at, op);
    case OpCode::Len: {  // builtin len: no reference changes but the argument's
      const size_t body = thread().frames.size() - 1;  // (decref may push a frame: `f` moves)
      if (op.a == 1) {                                 // len(gc.garbage)
        push(Value::integer(static_cast<int32_t>(state_.gc.garbage.size())));
      } else {
        Value x = thread().stack.back();
        const int32_t n = length_of(x);
        thread().stack.back() = Value::integer(n);
        decref(x);
      }
      // 3.12+: the site specializes once it has run (CALL_NO_KW_LEN,
      // CALL_LEN), and the specialized call has no check.
      if (program_.profile.list_append_specializes) warm_call_site(thread().frames[body], at, op.b);
      return;
    }
    case OpCode::Vars: {
      Value x = thread().stack.back();
      Value d = instance_dict(x, op.label, op.a == 1);  // a = 1: x.__dict__ (DA2)
      thread().stack.back() = d;
      decref(x);
      return;
    }
    case OpCode::Return:
      return;                    // handled by step_body
    case OpCode::JumpIfNoMatch:  // CHECK_EXC_MATCH, POP_JUMP_IF_FALSE (X3)
      if (!clause_matches(thread().stack.back().str(), op.value)) f.pc = op.a;
      return;
    case OpCode::BindException:  // the exception object for `as NAME` (X4, X8)
      return bind_exception_op(f);
    case OpCode::WithEnter:  // WT1 (With.cpp)
      return with_enter_op(op, f);
    case OpCode::WithExceptArgs:  // WT4
      return with_except_args_op(f);
    case OpCode::LoadClassAttr:  // CA2 (ClassAttrs.cpp)
      return load_class_attr_op(op);
    case OpCode::JumpIfLock:  // LK5a (With.cpp)
      return jump_if_lock_op(op, f);
    case OpCode::PopExcept: {  // POP_EXCEPT: the handled exception is dropped
      ValueList& st = thread().stack;
      const size_t exc = st.size() - 1 - op.b;  // under a return's value (FN8a)
      const auto depth = static_cast<uint16_t>(exc - f.aux);
      st.erase(st.begin() + static_cast<std::ptrdiff_t>(exc));
      // with it the traceback of an exception that left called frames,
      // and the locals those frames kept (X1, X4, X8)
      drop_handled_traceback(static_cast<size_t>(f.base) + f.count, depth);
      return;
    }
    case OpCode::SetClassDel:
      return set_class_del(static_cast<ClassId>(op.a), op.b);
    case OpCode::AtexitRegister:  // Atexit.cpp
      return atexit_register_op();
    case OpCode::AtexitUnregister:
      return atexit_unregister_op();
    case OpCode::GenNew:
      return gen_new_op(op);
    case OpCode::GenNext:
      return gen_next_op();
    case OpCode::GenNextEnd:
      return gen_next_end_op();
    case OpCode::GetIter:  // IT1-IT4 (Iteration.cpp)
      return get_iter_op();
    case OpCode::ForIter:
      return for_iter_op(op, f);
    case OpCode::ForIterEnd:
      return for_iter_end_op(op, f);
    case OpCode::PopLoop:
      return pop_loop_op(op, f);
    case OpCode::PopUnder: {  // FN8a
      ValueList& st = thread().stack;
      const auto last = st.end() - static_cast<std::ptrdiff_t>(op.b);
      const ValueList popped(last - static_cast<std::ptrdiff_t>(op.a), last);
      st.erase(last - static_cast<std::ptrdiff_t>(op.a), last);
      return release_values(popped);
    }
    case OpCode::WhileLoop:  // IT7: a marker (the loop's extent, model/While.cpp)
      return;
    case OpCode::GenClose:
      return gen_close_op();
    case OpCode::GenCloseEnd:
      return gen_close_end_op();
    case OpCode::Yield:
      return gen_yield_op();
    case OpCode::MakeCell:  // FN1, FN2 (Functions.cpp)
    case OpCode::LoadDeref:
    case OpCode::StoreDeref:
    case OpCode::DelDeref:
    case OpCode::MakeFunction:
      return function_op(op, f);
    case OpCode::ReturnValue:
      return return_value_op();
    case OpCode::Reraise:  // RERAISE: on to the next handler or out of the frame
      throw PyRaise{pop().str()};
    case OpCode::ReraiseHandled:  // a bare `raise` in an except clause
      throw PyRaise{thread().stack[f.aux + op.a].str()};
  }
}

void Machine::enter_event(const Frame& f) {
  const Thread& th = thread();
  auto arg = [&](int i) { return th.values[f.base + i]; };
  std::string text;
  switch (entry_event(program_, f.func)) {
    case EntryEvent::Del:
      text = "del " + render(arg(0));
      break;
    case EntryEvent::Callback:
      text = "callback " + render(arg(0));
      break;
    case EntryEvent::MethodCallback:
      text = "callback " + render(arg(1));
      break;
    case EntryEvent::GcCallback:
      text = "gc " + render(arg(0));
      break;
    case EntryEvent::None:
      return;
  }
  Event e = event(EventKind::Enter);
  e.text = std::move(text);
  emit(std::move(e));
}

bool truth(const Program& program, const State& state, Value v) {
  switch (v.kind()) {
    case ValueKind::Unset:
    case ValueKind::None:
      return false;
    case ValueKind::Bool:
      return v.boolean();
    case ValueKind::Int:
      return v.integer() != 0;
    case ValueKind::Str:
      return !program.strings[v.str()].empty();
    case ValueKind::ConstTuple:
      return !program.const_tuples[v.const_tuple()].empty();
    case ValueKind::Obj:
      // an empty container is false (its __len__ is 0); a weak one's is its data's (WC4)
      if (const ObjId d = weak_container_data(program, state, v); d != kNoObj)
        return state.objects[d].length != 0;
      if (is_container(container_kind(program, state.objects[v.obj()].type)))
        return state.objects[v.obj()].length != 0;
      return true;
    default:
      return true;
  }
}

bool Machine::is_finalized(Value v) const {
  return v.is_obj() && is_gc_type(state_.objects[v.obj()].type) &&
         state_.objects[v.obj()].has(kFinalized);
}

bool Machine::is_tracked(Value v) const {
  // Functions are GC objects, tracked from creation; the info dict of
  // gc.callbacks holds only atomic values, so lazy dict tracking leaves it
  // untracked.
  if (v.kind() == ValueKind::Func) return true;
  if (v.kind() == ValueKind::GcInfo) return !program_.profile.lazy_dict_tracking;
  return v.is_obj() && state_.objects[v.obj()].tracked();
}

}  // namespace lifecheck::model
