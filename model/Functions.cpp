// Functions as objects (issue 12 point 6): the function objects a nested
// def or a lambda makes, the cells that hold the variables they capture,
// how the runtime calls them, and what each releases when it dies. Rules
// (docs/semantics.md):
//   FN1 MAKE_CELL wraps a captured local in a new cell (cellobject.c
//       PyCell_New: a GC object, tracked at once); the local is then read,
//       written and deleted through the cell (LOAD_DEREF, STORE_DEREF,
//       DELETE_DEREF; an empty cell raises UnboundLocalError for the
//       owner's own variable, NameError for a free one).
//   FN2 MAKE_FUNCTION (funcobject.c _PyFunction_FromConstructor): a new
//       function object, tracked at once, owning its closure.
//   FN2a The closure is a tuple object of its own, made by BUILD_TUPLE of
//       the cells before the function (tracked at creation: cells are GC
//       objects); the function takes that reference. Its items:
//       [kFunctionClosure] the tuple, [kFunctionDict] the __dict__,
//       [kFunctionDefaults] the defaults tuple (FN7a), None where absent.
//   FN3 A call of a function object copies its closure's cells into the
//       new frame (COPY_FREE_VARS): the frame owns a reference to each.
//   FN4 func_dealloc: untrack, PyObject_ClearWeakRefs (callbacks run),
//       func_clear releases what it owns (FN4a: the defaults tuple, the
//       __dict__, the closure tuple), then the memory; no trashcan. cell_dealloc: untrack,
//       Py_XDECREF of the contents, free.
//   FN5 In a collection: func_traverse and cell_traverse visit the closure
//       and the contents; func_clear and cell_clear drop them.
//   FN6 A module object (types.ModuleType, moduleobject.c): a static GC
//       type with a dict and a weakref list and no finalizer; modelled as
//       an instance without __del__ (module_dealloc: untrack, weakrefs
//       cleared, then its dict released; module_clear clears the dict).
#include "model/Machine.h"

namespace lifecheck::model {

bool Machine::is_function_object(Value v) const {
  return v.is_obj() && program_.types[state_.objects[v.obj()].type].kind == TypeKind::Function;
}

FuncId Machine::function_code(Value v) const {
  return static_cast<FuncId>(state_.objects[v.obj()].fields[kFunctionCode].func());
}

ObjId Machine::new_cell(Value contents) {
  ObjId c = alloc(program_.cell_type, kNoLabel, true);
  Object& x = obj(c);
  x.items[0] = contents;
  x.length = contents.kind() == ValueKind::Unset ? 0 : 1;
  return c;
}

// FN1, FN2: the cell and function ops of a body (f on top).
void Machine::function_op(const Op& op, Frame& f) {
  Thread& th = thread();
  Value& slot = th.values[f.base + op.a];
  switch (op.code) {
    case OpCode::MakeCell: {
      Value v = slot;  // its reference moves into the cell
      ObjId c = new_cell(v);
      thread().values[f.base + op.a] = Value::object(c);
      return;
    }
    case OpCode::LoadDeref: {
      const Object& cell = obj(slot.obj());
      if (cell.length == 0) raise(is_free_slot(f.func, op.a) ? "NameError" : "UnboundLocalError");
      Value v = cell.items[0];
      incref(v);
      push(v);
      return;
    }
    case OpCode::StoreDeref: {
      Value v = pop();
      Object& cell = obj(thread().values[f.base + op.a].obj());
      Value old = cell.length ? cell.items[0] : Value::unset();
      cell.items[0] = v;
      cell.length = 1;
      decref(old);
      return;
    }
    case OpCode::DelDeref: {
      Object& cell = obj(slot.obj());
      if (cell.length == 0) raise(is_free_slot(f.func, op.a) ? "NameError" : "UnboundLocalError");
      Value old = cell.items[0];
      cell.items[0] = Value::unset();
      cell.length = 0;
      decref(old);
      return;
    }
    case OpCode::MakeFunction: {
      // FN2a, FN7a: the defaults tuple, then the closure tuple, both made
      // by BUILD_TUPLE before (or a constant); their references move into
      // the new function (MAKE_FUNCTION 3.11-3.12, SET_FUNCTION_ATTRIBUTE
      // 3.13+). No __dict__ yet (FN10).
      ValueList operands = pop_n(op.b);
      const FuncInfo& fn = program_.funcs[op.a];
      size_t next = 0;
      const Value defaults = fn.ndefaults ? operands[next++] : Value::none();
      const Value closure = fn.free_slots.empty() ? Value::none() : operands[next++];
      ObjId fo = alloc(program_.function_type, op.label, true);
      Object& x = obj(fo);
      x.fields[kFunctionCode] = Value::func(op.a);
      x.items[kFunctionClosure] = closure;
      x.items[kFunctionDict] = Value::none();
      x.items[kFunctionDefaults] = defaults;
      x.length = kFunctionDefaults + 1;
      if (defers_function_of(op.a)) defer_new_object(fo);  // F9a
      push(Value::object(fo));
      return;
    }
    default:
      return;
  }
}

bool Machine::is_free_slot(FuncId func, uint16_t slot) const {
  for (uint8_t s : program_.funcs[func].free_slots)
    if (s == slot) return true;
  return false;
}

// FN3: COPY_FREE_VARS into the frame whose locals start at `base`, from
// the closure tuple (FN2a); FN7: the defaults of the parameters the call
// left unbound.
void Machine::copy_free_vars(ObjId function, uint16_t base) {
  const FuncInfo& fn = program_.funcs[function_code(Value::object(function))];
  const Value closure = obj(function).items[kFunctionClosure];
  if (closure.is_obj()) {
    const Object& t = obj(closure.obj());
    for (size_t i = 0; i < fn.free_slots.size() && i < t.length; ++i) {
      Value cell = t.items[i];
      incref(cell);
      thread().values[base + fn.free_slots[i]] = cell;
    }
  }
  if (fn.ndefaults) fill_defaults(function, base);
}

}  // namespace lifecheck::model
