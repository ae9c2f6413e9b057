// Python statements of scenario bodies. A statement runs atomically (the
// GIL is held); what it releases (an overwritten value, temporaries) is
// Py_DECREF'd afterwards in a Release frame, so that the deallocations it
// triggers run their Python code at proper scheduling points.
#include <algorithm>

#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
StrId find_string(const Program& p, const std::string& s) {
  for (size_t i = 0; i < p.strings.size(); ++i)
    if (p.strings[i] == s) return static_cast<StrId>(i);
  return 0;
}
}  // namespace

void Machine::raise(const std::string& name) { throw PyRaise{find_string(program_, name)}; }

void Machine::call_python_from_c(FuncId func, const ValueList& args) {
  if (func == kNoFunc || args.size() != program_.funcs[func].nparams) {
    // Not callable, or the wrong arity: TypeError before any body runs.
    call_fails_from_c();
    return;
  }
  save_pending_exception(top());
  call_python(func, args);
}

void Machine::call_fails_from_c() {
  save_pending_exception(top());
  Thread& th = thread();
  th.has_exc = true;
  th.exc =
      static_cast<StrId>(std::find(program_.strings.begin(), program_.strings.end(), "TypeError") -
                         program_.strings.begin());
}

void Machine::save_pending_exception(Frame& caller) {
  Thread& th = thread();
  if (th.has_exc) {
    caller.saved_exc = th.exc;
    caller.flags |= kSavedExc;
    th.has_exc = false;
  }
}

PyCallResult Machine::return_from_python(Frame& caller) {
  Thread& th = thread();
  PyCallResult r{th.has_exc, th.exc};
  if (caller.has(kTracebackDropped)) {
    caller.flags &= ~uint32_t{kTracebackDropped};
    r = PyCallResult{true, 0, true};
  }
  th.has_exc = false;
  if (caller.has(kSavedExc)) {
    th.has_exc = true;
    th.exc = caller.saved_exc;
    caller.flags &= ~uint32_t{kSavedExc};
  }
  return r;
}

uint16_t Machine::owned_values_top() const {
  const Thread& th = state_.threads[current_];
  for (auto it = th.frames.rbegin(); it != th.frames.rend(); ++it) switch (it->kind) {
      case FrameKind::Body:
      case FrameKind::Release:
      case FrameKind::Construct:
      case FrameKind::ClearWeakrefs:
        return static_cast<uint16_t>(it->base + it->count);
      default:
        break;
    }
  return 0;
}

bool Machine::drop_traceback(Frame& caller, bool resume) {
  Thread& th = thread();
  const uint16_t top = owned_values_top();
  if (th.values.size() <= top) return false;
  if (resume) {
    // The exception that was pending before the call is restored only
    // after the traceback is gone (slot_tp_finalize, handle_callback:
    // PyErr_WriteUnraisable, then PyErr_SetRaisedException).
    if (th.has_exc) {
      caller.saved_exc = th.exc;
      caller.flags |= kSavedExc;
      th.has_exc = false;
    }
    caller.flags |= kTracebackDropped;
  }
  Frame r;
  r.kind = FrameKind::Release;
  r.base = top;
  r.count = static_cast<uint16_t>(th.values.size() - top);
  push_frame(r);
  return true;
}

void Machine::call_python(FuncId func, const ValueList& args) {
  require_attached("a call into Python code");
  const FuncInfo& fn = program_.funcs[func];
  Thread& th = thread();
  Frame f;
  f.kind = FrameKind::Body;
  f.func = func;
  f.base = static_cast<uint16_t>(th.values.size());
  f.count = fn.nlocals;
  for (Value a : args) incref(a);  // the callee's frame owns its arguments
  Thread& t2 = thread();
  for (Value a : args) t2.values.push_back(a);
  for (size_t i = args.size(); i < fn.nlocals; ++i) t2.values.push_back(Value::unset());
  push_frame(f);
}

void Machine::step_body(Frame& f) {
  const FuncInfo& fn = program_.funcs[f.func];
  if (f.has(kUnwinding) || f.pc >= fn.code.size()) {
    // Return (or unwind): _PyFrame_ClearLocals releases the locals, first to
    // last up to 3.13 and last to first from 3.14 (a profile switch); then
    // the caller resumes. frame_dealloc, for a frame kept by a traceback,
    // clears them in the same order.
    Thread& th = thread();
    if (program_.profile.locals_last_to_first)
      std::reverse(th.values.begin() + f.base, th.values.begin() + f.base + f.count);
    if (f.has(kUnwinding)) {
      // An exception leaves the frame: PyTraceBack_Here gave the frame a
      // frame object and the traceback holds it, so its locals live on
      // until the exception is dropped (drop_traceback). Dropping frees the
      // traceback innermost entry first (tb_dealloc releases tb_next before
      // tb_frame), so these locals go after those of frames already unwound.
      std::rotate(th.values.begin() + f.base, th.values.begin() + f.base + f.count,
                  th.values.end());
      pop_frame();
      return;
    }
    f.kind = FrameKind::Release;
    f.pc = 0;
    f.flags = 0;
    return;
  }
  f.flags &= ~uint32_t{kAfterAutoGc};
  if (f.has(kStorePending)) {
    Thread& th = thread();
    f.flags &= ~uint32_t{kStorePending};
    Value v = th.values.back();
    th.values.pop_back();
    execute(fn.code[f.pc], v);
    return;
  }
  execute(fn.code[f.pc]);
}

bool Machine::park_store_value(Value v) {
  bool any = false;
  for (Value t : temps_) any = any || t.is_obj();
  if (!any) return false;
  Thread& th = thread();
  th.values.push_back(v);
  th.frames.back().flags |= kStorePending;
  release_values(temps_);
  temps_.clear();
  return true;
}

Value Machine::take(Value v) {
  if (v.is_obj()) {
    auto it = std::find(temps_.rbegin(), temps_.rend(), v);
    if (it != temps_.rend()) temps_.erase(std::next(it).base());
  }
  return v;
}

void Machine::execute(const Instr& in, std::optional<Value> stored) {
  require_attached("Python code");
  const size_t body_index = thread().frames.size() - 1;
  auto body = [&]() -> Frame& { return thread().frames[body_index]; };
  auto local = [&](uint16_t slot) -> Value& { return thread().values[body().base + slot]; };
  ValueList released;
  temps_.clear();
  try {
    switch (in.op) {
      // A store's value first; if making it left temporaries (a call's
      // arguments), they die before the store (park_store_value), and the
      // statement resumes here with `stored`.
      case InstrOp::StoreLocal: {
        Value v = stored ? *stored : take(eval(in.a));
        if (!stored && park_store_value(v)) return;
        released.push_back(local(in.slot));
        local(in.slot) = v;
        break;
      }
      case InstrOp::StoreGlobal: {
        Value v = stored ? *stored : take(eval(in.a));
        if (!stored && park_store_value(v)) return;
        released.push_back(state_.globals[in.slot]);
        state_.globals[in.slot] = v;
        break;
      }
      case InstrOp::StoreAttr: {
        // Python evaluates the value, then the owner (LOAD v; LOAD a; STORE_ATTR).
        Value v = stored ? *stored : take(eval(in.b));
        if (!stored && park_store_value(v)) return;
        if (v.is_obj()) temps_.push_back(v);  // owned by the statement until stored
        ObjId o = instance_for_attribute(eval_borrowed(in.a), static_cast<FieldId>(in.slot), true);
        store_attr(o, static_cast<FieldId>(in.slot), take(v), released);
        break;
      }
      case InstrOp::DelLocal: {
        if (local(in.slot).kind() == ValueKind::Unset) raise("UnboundLocalError");
        released.push_back(local(in.slot));
        local(in.slot) = Value::unset();
        break;
      }
      case InstrOp::DelGlobal: {
        if (state_.globals[in.slot].kind() == ValueKind::Unset) raise("NameError");
        released.push_back(state_.globals[in.slot]);
        state_.globals[in.slot] = Value::unset();
        break;
      }
      case InstrOp::DelAttr: {
        FieldId field = static_cast<FieldId>(in.slot);
        ObjId o = instance_for_attribute(eval_borrowed(in.a), field, true);
        if (c_type_of(o).is_c_field(field)) {
          write_c_field(o, field, Value::unset(), released);
          break;
        }
        Value& slot = obj(o).fields[field];
        if (slot.kind() == ValueKind::Unset) raise("AttributeError");
        released.push_back(slot);
        slot = Value::unset();
        break;
      }
      case InstrOp::Eval:
        eval(in.a);  // stays in temps_, released below
        break;
      case InstrOp::Collect: {
        ++body().pc;
        Frame c;
        c.kind = FrameKind::Collect;
        c.aux = in.slot;
        c.dest = in.dest;
        c.dest_slot = in.dest_slot;
        push_frame(c);
        return;
      }
      case InstrOp::Construct: {
        // The arguments are evaluated now and held by the construction frame;
        // its steps may reach scheduling points (CTypes.cpp).
        ValueList args;
        for (uint16_t i = 0; i < in.count; ++i)
          args.push_back(take(eval(program_.log_args[in.first + i].expr)));
        ++body().pc;
        Thread& th = thread();
        Frame c;
        c.kind = FrameKind::Construct;
        c.func = in.slot;
        c.aux = in.target;  // the creation site's label
        c.dest = in.dest;
        c.dest_slot = in.dest_slot;
        c.base = static_cast<uint16_t>(th.values.size());
        c.count = static_cast<uint16_t>(args.size());
        for (Value v : args) th.values.push_back(v);
        push_frame(c);
        release_values(temps_);
        temps_.clear();
        return;
      }
      case InstrOp::Log: {
        std::string text;
        for (uint16_t i = 0; i < in.count; ++i) {
          const LogArg& arg = program_.log_args[in.first + i];
          if (!text.empty()) text += ' ';
          text += arg.is_text ? program_.strings[arg.text] : render(eval_borrowed(arg.expr));
        }
        Event e = event(EventKind::Log);
        e.text = std::move(text);
        emit(std::move(e));
        break;
      }
      case InstrOp::Assert:
        if (!eval_condition(in.a))
          violation({"assert"},
                    "assertion failed at line " + std::to_string(in.line) +
                        (program_.strings[in.str].empty() ? std::string()
                                                          : ": " + program_.strings[in.str]));
        break;
      case InstrOp::Raise:
        throw PyRaise{in.str};
      case InstrOp::JumpIfFalse:
        body().pc = eval_condition(in.a) ? body().pc + 1 : in.target;
        release_values(temps_);
        temps_.clear();
        return;
      case InstrOp::Jump:
        body().pc = in.target;
        return;
      case InstrOp::Pass:
      case InstrOp::Join:
        break;
      case InstrOp::StoreItem: {
        Value v = stored ? *stored : take(eval(in.b));
        if (!stored && park_store_value(v)) return;
        if (v.is_obj()) temps_.push_back(v);  // owned by the statement until stored
        store_item(eval_borrowed(in.a), in.key, take(v), released);
        break;
      }
      case InstrOp::DelItem:
        delete_item(eval_borrowed(in.a), in.key, released);
        break;
      case InstrOp::GcEnable:
        state_.gc.auto_enabled = true;
        break;
      case InstrOp::GcDisable:
        state_.gc.auto_enabled = false;
        break;
      case InstrOp::GcCallbacksAppend:
        state_.gc.callbacks.push_back(program_.exprs[in.a].value.func());
        break;
      case InstrOp::GcCallbacksRemove: {
        auto& cbs = state_.gc.callbacks;
        auto it = std::find(cbs.begin(), cbs.end(), program_.exprs[in.a].value.func());
        if (it == cbs.end()) raise("ValueError");
        cbs.erase(it);
        break;
      }
    }
  } catch (const PyRaise& r) {
    Thread& th = thread();
    th.has_exc = true;
    th.exc = r.name;
    body().flags |= kUnwinding;
    ValueList drop = released;
    drop.insert(drop.end(), temps_.begin(), temps_.end());
    temps_.clear();
    release_values(drop);
    return;
  }
  ++body().pc;
  released.insert(released.end(), temps_.begin(), temps_.end());
  temps_.clear();
  release_values(released);
}

Value Machine::item_slot(Value container, Value key, bool for_store) {
  if (container.kind() == ValueKind::GcInfo) {
    if (for_store) raise("TypeError");
    const std::string& k = key.kind() == ValueKind::Str ? program_.strings[key.str()] : "";
    if (k == "generation") return Value::integer(static_cast<int32_t>(container.info_generation()));
    if (k == "collected") return Value::integer(static_cast<int32_t>(container.info_collected()));
    if (k == "uncollectable")
      return Value::integer(static_cast<int32_t>(container.info_uncollectable()));
    raise("KeyError");
  }
  if (!container.is_obj()) raise("TypeError");
  const Object& x = obj(container.obj());
  if (x.has(kFreed))
    violation({"memory-safety"},
              "item access on " + name_of(container.obj()) + " after it was freed");
  switch (program_.types[x.type].kind) {
    case TypeKind::List:
    case TypeKind::Tuple: {
      if (key.kind() != ValueKind::Int) raise("TypeError");
      int i = key.integer();
      if (i < 0) i += x.length;
      if (i < 0 || i >= x.length) raise("IndexError");
      return x.fields[i];
    }
    case TypeKind::Dict: {
      for (uint8_t i = 0; i < x.length; ++i)
        if (x.fields[2u * i] == key) return x.fields[2u * i + 1];
      raise("KeyError");
    }
    default:
      raise("TypeError");  // not subscriptable
  }
}

void Machine::store_item(Value container, Value key, Value v, ValueList& released) {
  if (!container.is_obj()) raise("TypeError");
  ObjId o = container.obj();
  Object& x = obj(o);
  switch (program_.types[x.type].kind) {
    case TypeKind::List: {
      if (key.kind() != ValueKind::Int) raise("TypeError");
      int i = key.integer();
      if (i < 0) i += x.length;
      if (i < 0 || i >= x.length) raise("IndexError");
      released.push_back(x.fields[i]);
      x.fields[i] = v;
      return;
    }
    case TypeKind::Dict: {
      for (uint8_t i = 0; i < x.length; ++i)
        if (x.fields[2u * i] == key) {
          released.push_back(x.fields[2u * i + 1]);
          x.fields[2u * i + 1] = v;
          return;
        }
      if (x.length >= kMaxDictEntries)
        throw ModelLimit{"a dict with more than " + std::to_string(kMaxDictEntries) + " entries"};
      x.fields[2u * x.length] = key;
      x.fields[2u * x.length + 1] = v;
      ++x.length;
      // MAINTAIN_TRACKING: a dict starts being tracked when it gets a GC object.
      if (v.is_obj() && !x.tracked()) track(o);
      return;
    }
    default:
      raise("TypeError");  // tuples and others do not support item assignment
  }
}

void Machine::delete_item(Value container, Value key, ValueList& released) {
  if (!container.is_obj()) raise("TypeError");
  Object& x = obj(container.obj());
  switch (program_.types[x.type].kind) {
    case TypeKind::List: {
      if (key.kind() != ValueKind::Int) raise("TypeError");
      int i = key.integer();
      if (i < 0) i += x.length;
      if (i < 0 || i >= x.length) raise("IndexError");
      released.push_back(x.fields[i]);
      for (int k = i; k + 1 < x.length; ++k) x.fields[k] = x.fields[k + 1];
      x.fields[--x.length] = Value::unset();
      return;
    }
    case TypeKind::Dict:
      for (uint8_t i = 0; i < x.length; ++i)
        if (x.fields[2u * i] == key) {
          released.push_back(x.fields[2u * i + 1]);
          for (uint8_t k = i; k + 1 < x.length; ++k) {
            x.fields[2u * k] = x.fields[2u * k + 2];
            x.fields[2u * k + 1] = x.fields[2u * k + 3];
          }
          --x.length;
          x.fields[2u * x.length] = x.fields[2u * x.length + 1] = Value::unset();
          return;
        }
      raise("KeyError");
    default:
      raise("TypeError");
  }
}

ObjId Machine::instance_for_attribute(Value v, FieldId field, bool) {
  if (!v.is_obj()) raise("AttributeError");
  ObjId o = v.obj();
  if (obj(o).has(kFreed))
    violation({"memory-safety"}, "attribute access on " + name_of(o) + " after it was freed");
  const TypeInfo& t = program_.types[obj(o).type];
  // C types have only their members (no __dict__); classes have a dict,
  // plus the members of a C base.
  if (t.kind == TypeKind::CType && !t.is_c_field(field)) raise("AttributeError");
  if (t.kind != TypeKind::PyClass && t.kind != TypeKind::CType) raise("AttributeError");
  return o;
}

Value Machine::load_attr(Value base, FieldId field) {
  ObjId o = instance_for_attribute(base, field, false);
  if (c_type_of(o).is_c_field(field)) return read_c_field(o, field);
  Value v = obj(o).fields[field];
  if (v.kind() == ValueKind::Unset) raise("AttributeError");
  return v;
}

void Machine::store_attr(ObjId o, FieldId field, Value v, ValueList& released) {
  if (c_type_of(o).is_c_field(field)) return write_c_field(o, field, v, released);
  // The instance dict's keys are shared by the class (inline values, 3.11+):
  // a new attribute name is appended to the class-wide key order.
  ClassId t = obj(o).type;
  auto& keys = state_.class_keys[t];
  uint8_t& n = state_.class_key_count[t];
  if (std::find(keys.begin(), keys.begin() + n, field) == keys.begin() + n) keys[n++] = field;
  released.push_back(obj(o).fields[field]);
  obj(o).fields[field] = v;
}

Value Machine::eval_borrowed(ExprId id) {
  const ExprNode& e = program_.exprs[id];
  switch (e.op) {
    case ExprOp::Local: {
      const Frame& f = top();
      Value v = thread().values[f.base + e.slot];
      if (v.kind() == ValueKind::Unset) raise("UnboundLocalError");
      return v;
    }
    case ExprOp::Global: {
      Value v = state_.globals[e.slot];
      if (v.kind() == ValueKind::Unset) raise("NameError");
      return v;
    }
    case ExprOp::Attr:
      return load_attr(eval_borrowed(e.a), static_cast<FieldId>(e.slot));
    case ExprOp::Const:
      return e.value;
    default:
      return eval(id);
  }
}

Value Machine::eval(ExprId id) {
  const ExprNode& e = program_.exprs[id];
  switch (e.op) {
    case ExprOp::Const:
      return e.value;
    case ExprOp::Local:
    case ExprOp::Global:
    case ExprOp::Attr: {
      Value v = eval_borrowed(id);
      incref(v);
      if (v.is_obj()) temps_.push_back(v);
      return v;
    }
    case ExprOp::New: {
      ObjId o = alloc(static_cast<ClassId>(e.slot), e.label);
      temps_.push_back(Value::object(o));
      return Value::object(o);
    }
    case ExprOp::Deref: {
      Value v = deref_weakref(eval_borrowed(e.a));
      if (v.is_obj()) temps_.push_back(v);
      return v;
    }
    case ExprOp::WeakrefNew: {
      Value referent = eval_borrowed(e.a);
      Value callback = e.b == kNoExpr ? Value::none() : eval_borrowed(e.b);
      Value v = new_weakref(referent, callback, e.label);
      temps_.push_back(v);
      return v;
    }
    case ExprOp::BoundMethod: {
      Value self = eval_borrowed(e.a);
      ObjId o = instance_for_attribute(self, 0, false);
      const std::string& name = program_.strings[e.value.str()];
      FuncId fid = kNoFunc;
      for (auto& [mname, f] : program_.types[obj(o).type].methods)
        if (mname == name) fid = f;
      if (fid == kNoFunc) raise("AttributeError");
      // A bound method object holds a strong reference to its self.
      ObjId m = alloc(kMethodType, e.label);
      incref(self);
      obj(m).fields[kMethodSelf] = self;
      obj(m).fields[kMethodFunc] = Value::func(fid);
      temps_.push_back(Value::object(m));
      return Value::object(m);
    }
    case ExprOp::IsFinalized: {
      Value v = eval_borrowed(e.a);
      return Value::boolean(v.is_obj() && is_gc_type(obj(v.obj()).type) &&
                            obj(v.obj()).has(kFinalized));
    }
    case ExprOp::IsTracked: {
      Value v = eval_borrowed(e.a);
      // Functions are GC objects, tracked from creation; the info dict of
      // gc.callbacks holds only atomic values, so lazy dict tracking leaves
      // it untracked.
      if (v.kind() == ValueKind::Func) return Value::boolean(true);
      if (v.kind() == ValueKind::GcInfo)
        return Value::boolean(!program_.profile.lazy_dict_tracking);
      return Value::boolean(v.is_obj() && obj(v.obj()).tracked());
    }
    case ExprOp::ListNew:
    case ExprOp::TupleNew:
    case ExprOp::DictNew: {
      const bool dict = e.op == ExprOp::DictNew;
      ValueList items;
      for (uint16_t i = 0; i < e.count; ++i) {
        const LogArg& v = program_.log_args[e.first + (dict ? 2u * i + 1 : i)];
        items.push_back(take(eval(v.expr)));
      }
      ClassId type = e.op == ExprOp::ListNew    ? kListType
                     : e.op == ExprOp::TupleNew ? kTupleType
                                                : kDictType;
      bool any_obj = false;
      for (Value v : items) any_obj = any_obj || v.is_obj();
      // Lists and tuples are tracked at creation; with lazy dict tracking
      // (3.11-3.13) a dict is tracked only once it holds a GC object.
      bool track = !(dict && program_.profile.lazy_dict_tracking && !any_obj);
      ObjId o = alloc(type, e.label, track);
      Object& x = obj(o);
      for (uint16_t i = 0; i < e.count; ++i) {
        if (dict) {
          x.fields[2u * i] = Value::str(program_.log_args[e.first + 2u * i].text);
          x.fields[2u * i + 1] = items[i];
        } else {
          x.fields[i] = items[i];
        }
      }
      x.length = static_cast<uint8_t>(e.count);
      temps_.push_back(Value::object(o));
      return Value::object(o);
    }
    case ExprOp::ItemGet: {
      Value v = item_slot(eval_borrowed(e.a), e.value, false);
      incref(v);
      if (v.is_obj()) temps_.push_back(v);
      return v;
    }
    case ExprOp::InfoGet: {
      Value v = eval_borrowed(e.a);
      if (v.kind() != ValueKind::GcInfo) raise("TypeError");
      uint32_t x = e.slot == 0   ? v.info_generation()
                   : e.slot == 1 ? v.info_collected()
                                 : v.info_uncollectable();
      return Value::integer(static_cast<int32_t>(x));
    }
    case ExprOp::Compare: {
      Value a = eval_borrowed(e.a);
      Value b = eval_borrowed(e.b);
      auto k = static_cast<CompareKind>(e.slot);
      bool same = (k == CompareKind::Is || k == CompareKind::IsNot) ? a == b : py_equal(a, b, 0);
      return Value::boolean((k == CompareKind::Is || k == CompareKind::Eq) ? same : !same);
    }
    case ExprOp::Not:
      return Value::boolean(!eval_condition(e.a));
    case ExprOp::Truth:
      return Value::boolean(eval_condition(e.a));
  }
  return Value::none();
}

bool Machine::py_equal(Value a, Value b, int depth) const {
  if (a == b) return true;  // the identity shortcut of PyObject_RichCompareBool
  auto number = [](Value v, int& out) {
    if (v.kind() == ValueKind::Int)
      out = v.integer();
    else if (v.kind() == ValueKind::Bool)
      out = v.boolean() ? 1 : 0;
    else
      return false;
    return true;
  };
  int x = 0, y = 0;
  if (number(a, x) && number(b, y)) return x == y;  // True == 1
  if (!a.is_obj() || !b.is_obj() || depth > 16) return false;
  const Object& p = state_.objects[a.obj()];
  const Object& q = state_.objects[b.obj()];
  const TypeKind kind = program_.types[p.type].kind;
  if (kind != program_.types[q.type].kind) return false;
  switch (kind) {
    case TypeKind::List:
    case TypeKind::Tuple:
    case TypeKind::Dict: {
      // element by element (dicts: same keys, equal values; keys are
      // strings here, so insertion order does not matter)
      if (p.type != q.type || p.length != q.length) return false;
      if (kind != TypeKind::Dict) {
        for (uint8_t i = 0; i < p.length; ++i)
          if (!py_equal(p.fields[i], q.fields[i], depth + 1)) return false;
        return true;
      }
      for (uint8_t i = 0; i < p.length; ++i) {
        bool found = false;
        for (uint8_t j = 0; j < q.length && !found; ++j)
          if (p.fields[2u * i] == q.fields[2u * j])
            found = py_equal(p.fields[2u * i + 1], q.fields[2u * j + 1], depth + 1);
        if (!found) return false;
      }
      return true;
    }
    case TypeKind::Weakref: {
      // weakref_richcompare: referents compared while both are alive
      Value r = p.fields[kWeakrefReferent];
      Value s = q.fields[kWeakrefReferent];
      return r.is_obj() && s.is_obj() && py_equal(r, s, depth + 1);
    }
    case TypeKind::Method:  // method_richcompare: same function, same self
      return p.fields[kMethodFunc] == q.fields[kMethodFunc] &&
             p.fields[kMethodSelf] == q.fields[kMethodSelf];
    default:
      return false;  // instances without __eq__ compare by identity
  }
}

bool Machine::eval_condition(ExprId id) {
  Value v = eval_borrowed(id);
  switch (v.kind()) {
    case ValueKind::Unset:
    case ValueKind::None:
      return false;
    case ValueKind::Bool:
      return v.boolean();
    case ValueKind::Int:
      return v.integer() != 0;
    case ValueKind::Str:
      return !program_.strings[v.str()].empty();
    case ValueKind::Obj: {
      // an empty list, tuple or dict is false (its __len__ is 0)
      const Object& o = state_.objects[v.obj()];
      TypeKind k = program_.types[o.type].kind;
      if (k == TypeKind::List || k == TypeKind::Tuple || k == TypeKind::Dict) return o.length != 0;
      return true;
    }
    default:
      return true;
  }
}

std::string Machine::render(Value v) const {
  ObjList open;
  return render(v, open);
}

// `open`: the containers being rendered; one met again shows as [...],
// {...} or (...), as Py_ReprEnter makes repr() do.
std::string Machine::render(Value v, ObjList& open) const {
  switch (v.kind()) {
    case ValueKind::Unset:
      return "<unset>";
    case ValueKind::None:
      return "None";
    case ValueKind::Int:
      return std::to_string(v.integer());
    case ValueKind::Bool:
      return v.boolean() ? "True" : "False";
    case ValueKind::Str:
      return program_.strings[v.str()];
    case ValueKind::Func:
      return program_.funcs[v.func()].name;
    case ValueKind::GcInfo:
      return "{generation: " + std::to_string(v.info_generation()) +
             ", collected: " + std::to_string(v.info_collected()) +
             ", uncollectable: " + std::to_string(v.info_uncollectable()) + "}";
    case ValueKind::Obj: {
      const Object& o = state_.objects[v.obj()];
      TypeKind k = program_.types[o.type].kind;
      if (k == TypeKind::List || k == TypeKind::Tuple || k == TypeKind::Dict) {
        if (std::find(open.begin(), open.end(), v.obj()) != open.end())
          return k == TypeKind::List ? "[...]" : k == TypeKind::Dict ? "{...}" : "(...)";
        // Containers render their items like repr() does, objects by label.
        auto item = [&](Value x) {
          return x.kind() == ValueKind::Str ? "'" + program_.strings[x.str()] + "'"
                                            : render(x, open);
        };
        open.push_back(v.obj());
        std::string out;
        for (uint8_t i = 0; i < o.length; ++i) {
          if (i) out += ", ";
          out += k == TypeKind::Dict ? item(o.fields[2u * i]) + ": " + item(o.fields[2u * i + 1])
                                     : item(o.fields[i]);
        }
        open.pop_back();
        if (k == TypeKind::List) return "[" + out + "]";
        if (k == TypeKind::Dict) return "{" + out + "}";
        return "(" + out + (o.length == 1 ? ",)" : ")");
      }
      return o.label == kNoLabel ? program_.types[o.type].name : program_.labels[o.label];
    }
    case ValueKind::Garbage:
      return "<uninitialised>";
    case ValueKind::Stale:
      return "<stale pointer>";
    case ValueKind::Dangling:
      return "<dangling pointer>";
  }
  return "?";
}

}  // namespace lifecheck::model
