// Builtins of the sys and gc modules that observe or steer the runtime
// (issue 12 point 7). Rules RC1-RC3: docs/semantics.md.
//
// sys.getrefcount(x) (Python/sysmodule.c sys_getrefcount_impl) returns
// Py_REFCNT(x): every reference, including the one its own argument holds
// while the call runs.
#include <algorithm>
#include <cctype>
#include <string>

#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

// RC2: the objects PEP 683 made immortal (3.12+), whose count is a fixed
// large number: None, True, False, the small ints -5..256 (pycore_runtime_init.h),
// the empty tuple and the empty and one-character Latin-1 strings
// (statically allocated); in 3.12 every interned string too, as the
// compiler interns string constants of name characters (codeobject.c
// intern_string_constants, all_name_chars), and in the free-threaded build
// those and every int and tuple constant of a code object (_PyCode_New's
// intern_constants).
bool Machine::immortal(Value x) const {
  const Profile& pr = program_.profile;
  if (pr.immortal_refcount == 0) return false;
  switch (x.kind()) {
    case ValueKind::None:
    case ValueKind::Bool:
      return true;
    case ValueKind::Int:
      return pr.code_constants_immortal || (x.integer() >= -5 && x.integer() <= 256);
    case ValueKind::Str: {
      const std::string& s = program_.strings[x.str()];
      if (s.size() <= 1) return true;
      if (!pr.interned_strings_immortal) return false;
      for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
      return true;
    }
    case ValueKind::ConstTuple:
      return pr.code_constants_immortal || program_.const_tuples[x.const_tuple()].empty();
    default:
      return false;
  }
}

// RC1: the count of a scenario object is its true count, the reference of
// the argument included (the model's operand stack owns it). RC3: under
// 3.14 a local passed straight to the call was loaded borrowed, so that
// reference is not there.
Value Machine::refcount_of(Value x, bool local_load) const {
  if (x.is_obj()) {
    // F9b: an immortalized object reads as the profile's immortal count
    if (state_.objects[x.obj()].has(kImmortal)) return Value::str(program_.str_immortal_refcount);
    int rc = state_.objects[x.obj()].rc;
    if (local_load && program_.profile.borrowed_local_loads) --rc;
    return Value::integer(rc);
  }
  if (x.kind() == ValueKind::Func || x.kind() == ValueKind::GcInfo)
    return Value::str(program_.str_unmodelled_refcount);
  return Value::str(immortal(x) ? program_.str_immortal_refcount : program_.str_mortal_refcount);
}

void Machine::refcount_op(const Op& op) {
  Value x = thread().stack.back();
  thread().stack.back() = refcount_of(x, op.b == 1);
  decref(x);
}

}  // namespace lifecheck::model

namespace lifecheck::model {

// G16a: gc.set_debug(gc.DEBUG_SAVEALL) / gc.set_debug(0).
void Machine::set_gc_debug(bool saveall) { state_.gc.debug_saveall = saveall; }

// G16a, G17: the collector appends to gc.garbage (a strong reference).
void Machine::save_garbage(ObjId o) {
  incref(Value::object(o));
  state_.gc.garbage.push_back(o);
  emit(event(EventKind::GarbageAppend, o));
}

// gc.garbage.clear(): list_clear empties the list first, then releases its
// items last to first (Objects/listobject.c list_clear).
void Machine::clear_gc_garbage() {
  ValueList items;
  for (size_t i = state_.gc.garbage.size(); i-- > 0;)
    items.push_back(Value::object(state_.gc.garbage[i]));
  state_.gc.garbage.clear();
  release_values(items);
}

// gc.garbage[i]: an index into the list (negative from the end), a new
// reference to the item; IndexError past either end, TypeError for a key
// that is not an int.
void Machine::gc_garbage_item() {
  const Value key = thread().stack.back();
  const size_t length = state_.gc.garbage.size();
  const int i = sequence_index(key, static_cast<uint8_t>(std::min<size_t>(length, 255)));
  const Value item = Value::object(state_.gc.garbage[static_cast<size_t>(i)]);
  incref(item);
  thread().stack.back() = item;
}

}  // namespace lifecheck::model

namespace lifecheck::model {

// G7a: gc.freeze() moves every tracked object into the permanent
// generation, youngest generation first (gc_freeze_impl: gc_list_merge of
// each generation in turn; 3.14's _PyGC_Freeze: young, then both old
// spaces). The free-threaded build marks them frozen and its collector
// skips them; the model keeps its tracked objects in kGen0, so moving them
// out is the same.
void Machine::gc_freeze() {
  // CA6: a class still frozen when 3.13t immortalizes the deferred objects
  // stays collectable (op_from_block skips frozen objects); the model's
  // classes are not objects, so their attributes cannot follow that.
  if (!program_.class_attrs.empty() && program_.threads.size() > 1 &&
      program_.profile.immortalize_deferred_on_new_thread && state_.main_stage == MainStage::Setup)
    throw ModelLimit{
        "gc.freeze() before the threads start, in a scenario with class attributes: "
        "under 3.13t the frozen classes are not made immortal when the first "
        "thread starts (CA6), which the model does not follow"};
  for (uint8_t g :
       {static_cast<uint8_t>(kGen0), static_cast<uint8_t>(kGen1), static_cast<uint8_t>(kGen2)})
    list_merge(g, kPermanent);
}

// gc.unfreeze(): the permanent generation joins the oldest generation
// (gc_unfreeze_impl), the visited old space of the incremental collector
// (_PyGC_Unfreeze), or the heap of the free-threaded one.
void Machine::gc_unfreeze() {
  switch (program_.profile.gc_algorithm) {
    case GcAlgorithm::Generational:
      return list_merge(kPermanent, kGen2);
    case GcAlgorithm::Incremental:
      return list_merge(kPermanent, visited_list());
    case GcAlgorithm::FreeThreaded:
      return list_merge(kPermanent, kGen0);
  }
}

// G6a: gc.callbacks is a list (Modules/gcmodule.c gc_exec_module:
// gcstate->callbacks = PyList_New(0)); the model makes it a hidden global
// when a scenario puts function objects in it. It is untracked: only the
// gc module refers to it, so no collection could free it.
ObjId Machine::gc_callbacks_list_obj(bool make) {
  const Value l = state_.globals[program_.gc_callbacks_list];
  if (l.is_obj()) return l.obj();
  if (!make) return kNoObj;
  const ObjId id = alloc(kListType, program_.gc_callbacks_list_label, false);
  state_.globals[program_.gc_callbacks_list] = Value::object(id);
  return id;
}

// G6b: gc.callbacks is held by the gc module's dict and by the GC state,
// which only _PyGC_Fini releases (Python/pystate.c interpreter_clear, after
// its last collection, in 3.11-3.14 alike). Every function it holds (a
// module-level def or a function object) holds __main__'s dict as its
// __globals__: so at shutdown that dict is not garbage (SD2, Shutdown.cpp).
bool Machine::gc_callbacks_hold_module() const {
  if (!state_.gc.callbacks.empty()) return true;
  if (!program_.gc_callbacks_objects()) return false;
  const Value l = state_.globals[program_.gc_callbacks_list];
  return l.is_obj() && state_.objects[l.obj()].length > 0;
}

// gc.callbacks.append(func): the list takes the reference the call popped.
void Machine::gc_callbacks_append(Value func) {
  const ObjId l = gc_callbacks_list_obj(true);
  if (obj(l).length >= kMaxItems) {
    decref(func);
    throw ModelLimit{"more than " + std::to_string(kMaxItems) +
                     " gc callbacks at once (the model's list holds " + std::to_string(kMaxItems) +
                     ")"};
  }
  Object& x = obj(l);
  x.items[x.length++] = func;
}

// gc.callbacks.remove(func) with func on top of the stack: list_remove
// compares by identity first (PyObject_RichCompareBool), and a function
// has no __eq__; not found: ValueError (the stack's value is released by
// the unwinding). Found: the item is released, then the argument.
void Machine::gc_callbacks_remove(Value func) {
  const ObjId l = gc_callbacks_list_obj(false);
  size_t i = 0;
  const size_t n = l == kNoObj ? 0 : obj(l).length;
  while (i < n && obj(l).items[i] != func) ++i;
  if (i == n) raise("ValueError");
  pop();
  const Value item = remove_item(obj(l), TypeKind::List, static_cast<uint8_t>(i), nullptr);
  release_values({item, func});
}

}  // namespace lifecheck::model
