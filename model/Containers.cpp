// The built-in containers: list, tuple, dict, set and collections.deque,
// and classes deriving from list or dict. Their items, methods and
// subscripts, and the order in which each releases its items when it dies
// or is cleared, and visits them for the collector (Objects/listobject.c
// list_dealloc, _list_clear, list_ass_slice, list_traverse; tupleobject.c;
// dictobject.c free_keys_object, PyDict_Clear, dict_traverse; setobject.c
// set_dealloc, set_clear_internal; Modules/_collectionsmodule.c
// deque_dealloc, deque_clear), observed on CPython 3.11-3.13:
//   list, tuple  released and visited last to first (a slice too)
//   dict         released entry by entry, key then value; visited value then key
//   set          in its table's order: by hash, for objects by address,
//                which the model does not know: any order (C1, SetOrder.cpp)
//   deque        left to right
#include <algorithm>

#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

TypeKind container_kind(const Program& program, ClassId t) {
  const TypeInfo& type = program.types[t];
  if (type.kind == TypeKind::PyClass && type.base != kNoType)
    return container_kind(program, type.base);
  switch (type.kind) {
    case TypeKind::List:
    case TypeKind::Tuple:
    case TypeKind::Dict:
    case TypeKind::Set:
    case TypeKind::Deque:
    case TypeKind::Exception:
    case TypeKind::FrameObject:
    case TypeKind::Function:  // its closure, __dict__, defaults (FN2a, Functions.cpp)
    case TypeKind::Cell:      // its contents (FN1)
    // its threads' dicts (TL4, ThreadLocal.cpp)
    case TypeKind::ThreadLocal:
      return type.kind;
    default:
      return TypeKind::PyClass;  // not a container
  }
}

TypeKind Machine::container_of(Value v) const {
  if (!v.is_obj()) return TypeKind::PyClass;
  return container_kind(program_, state_.objects[v.obj()].type);
}

bool is_container(TypeKind k) {
  return k == TypeKind::List || k == TypeKind::Tuple || k == TypeKind::Dict || k == TypeKind::Set ||
         k == TypeKind::Deque;
}

uint8_t item_count(const Object& x, TypeKind kind) {
  const bool pairs = kind == TypeKind::Dict || kind == TypeKind::ThreadLocal;
  return static_cast<uint8_t>(pairs ? 2u * x.length : x.length);
}

// len(x): builtin_len -> PyObject_Size, the type's sq_length or mp_length
// (a subclass of list or dict inherits it; a weakref.proxy forwards it to
// its referent, W16); a str counts code points; anything else has neither
// slot: TypeError.
int32_t Machine::length_of(Value x) {
  if (x.kind() == ValueKind::Str) {
    int32_t n = 0;
    for (unsigned char c : program_.strings[x.str()]) n += (c & 0xC0) != 0x80;
    return n;
  }
  x = through_proxy(x);
  // WC4, WC6: len(self.data) (a WeakSet: minus its pending removals, none)
  if (const ObjId d = weak_container_data(program_, state_, x); d != kNoObj) return obj(d).length;
  ValueList items;
  if (tuple_items(x, items)) return static_cast<int32_t>(items.size());
  if (is_container(container_of(x))) return state_.objects[x.obj()].length;
  raise("TypeError");
}

// ---------------------------------------------------------------- keys

// A dict key or set item must be hashable: not a list, dict, set or deque,
// nor a tuple holding one.
void Machine::check_hashable(Value key) {
  if (is_proxy(key)) raise("TypeError");  // W17: weakref.ProxyType has no tp_hash
  ValueList items;
  if (tuple_items(key, items)) {
    for (Value v : items) check_hashable(v);
    return;
  }
  TypeKind k = container_of(key);
  if (k == TypeKind::List || k == TypeKind::Dict || k == TypeKind::Set || k == TypeKind::Deque)
    raise("TypeError");  // unhashable type
}

// The entry (dict) or item (set) equal to key: identity first, then ==.
int Machine::find_key(const Object& x, TypeKind kind, Value key) const {
  const unsigned stride = kind == TypeKind::Dict ? 2 : 1;
  for (uint8_t i = 0; i < x.length; ++i)
    if (py_equal(x.items[stride * i], key, 0)) return i;
  return -1;
}

static int normalize_index(Value key, uint8_t length, bool* ok) {
  *ok = key.kind() == ValueKind::Int || key.kind() == ValueKind::Bool;
  int i = key.kind() == ValueKind::Bool ? (key.boolean() ? 1 : 0) : key.integer();
  if (i < 0) i += length;
  return i;
}

// --------------------------------------------------------------- subscripts

// x[key] of a list, tuple or deque: the index, or TypeError / IndexError.
int Machine::sequence_index(Value key, uint8_t length) {
  bool ok = false;
  int i = normalize_index(key, length, &ok);
  if (!ok) raise("TypeError");
  if (i < 0 || i >= length) raise("IndexError");
  return i;
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
  if (container.kind() == ValueKind::ConstTuple) {
    if (for_store) raise("TypeError");  // tuples do not support item assignment
    const std::vector<Value>& items = program_.const_tuples[container.const_tuple()];
    return items[static_cast<size_t>(sequence_index(key, static_cast<uint8_t>(items.size())))];
  }
  if (!container.is_obj()) raise("TypeError");
  const Object& x = obj(container.obj());
  if (x.has(kFreed))
    violation({"memory-safety"},
              "item access on " + name_of(container.obj()) + " after it was freed");
  if (Value r; !for_store && weak_item_get(container, key, r)) return r;  // WC3
  switch (container_of(container)) {
    case TypeKind::List:
    case TypeKind::Tuple:
    case TypeKind::Deque: {
      const int i = sequence_index(key, x.length);
      return x.items[i];
    }
    case TypeKind::Dict: {
      check_hashable(key);
      int i = find_key(x, TypeKind::Dict, key);
      if (i < 0) raise("KeyError");
      return x.items[2u * i + 1];
    }
    default:
      raise("TypeError");  // not subscriptable (a set is not either)
  }
}

// A dict entry: `key` (a new reference the dict takes) maps to `v` (one
// too). An equal key keeps its entry and its old key object; the old value
// and the unused key go to `released` (insertdict).
void Machine::dict_store(ObjId o, Value key, Value v, ValueList& released, bool maintain_tracking) {
  dict_store_at(o, find_key(obj(o), TypeKind::Dict, key), key, v, released, maintain_tracking);
}

// dict_store once the lookup is done: `i` is the entry of an equal key, or
// negative for a new entry.
void Machine::dict_store_at(ObjId o, int i, Value key, Value v, ValueList& released,
                            bool maintain_tracking) {
  Object& x = obj(o);
  if (i >= 0) {
    released.push_back(x.items[2u * i + 1]);
    released.push_back(key);
    x.items[2u * i + 1] = v;
  } else {
    if (x.length >= kMaxDictEntries)
      throw ModelLimit{"a dict with more than " + std::to_string(kMaxDictEntries) + " entries"};
    x.items[2u * x.length] = key;
    x.items[2u * x.length + 1] = v;
    ++x.length;
  }
  // MAINTAIN_TRACKING: a dict starts being tracked when it gets a key or
  // value that may be tracked.
  if (maintain_tracking && (may_be_tracked(key) || may_be_tracked(v)) && !obj(o).tracked())
    track(o);
}

void Machine::store_item(Value container, Value key, Value v, ValueList& released) {
  if (!container.is_obj()) raise("TypeError");
  if (weak_store_item(container, key, v, released)) return;  // WC2
  ObjId o = container.obj();
  Object& x = obj(o);
  switch (container_of(container)) {
    case TypeKind::List:
    case TypeKind::Deque: {
      const int i = sequence_index(key, x.length);
      incref(v);
      released.push_back(x.items[i]);
      x.items[i] = v;
      return;
    }
    case TypeKind::Dict:
      check_hashable(key);
      incref(key);
      incref(v);
      return dict_store(o, key, v, released);
    default:
      raise("TypeError");  // tuples and others do not support item assignment
  }
}

void Machine::delete_item(Value container, Value key, ValueList& released) {
  if (!container.is_obj()) raise("TypeError");
  if (weak_delete_item(container, key, released)) return;  // WC4
  Object& x = obj(container.obj());
  switch (container_of(container)) {
    case TypeKind::List:
    case TypeKind::Deque: {
      const int i = sequence_index(key, x.length);
      released.push_back(remove_item(x, TypeKind::List, static_cast<uint8_t>(i), nullptr));
      return;
    }
    case TypeKind::Dict: {
      check_hashable(key);
      int i = find_key(x, TypeKind::Dict, key);
      if (i < 0) raise("KeyError");
      // delitem_common: the old key, then the old value
      Value entry[2];
      remove_item(x, TypeKind::Dict, static_cast<uint8_t>(i), entry);
      released.push_back(entry[0]);
      released.push_back(entry[1]);
      return;
    }
    default:
      raise("TypeError");
  }
}

// Removes the item at index i (a dict: the entry at i, key and value into
// out[0] and out[1]), shifting the rest down; returns the (first) item.
Value Machine::remove_item(Object& x, TypeKind kind, uint8_t i, Value* out) {
  const unsigned n = kind == TypeKind::Dict ? 2 : 1;
  const unsigned total = n * x.length;
  const unsigned at = n * i;
  Value first = x.items[at];
  if (out) {
    out[0] = first;
    out[1] = n == 2 ? x.items[at + 1] : Value::unset();
  }
  for (unsigned k = at; k + n < total; ++k) x.items[k] = x.items[k + n];
  for (unsigned k = total - n; k < total; ++k) x.items[k] = Value::unset();
  --x.length;
  return first;
}

// del x[i:j] on a list: list_ass_slice releases the removed items last to
// first.
void Machine::delete_slice(Value container, Value start, Value stop, ValueList& released) {
  if (container_of(container) != TypeKind::List || is_weak_container(container)) raise("TypeError");
  Object& x = obj(container.obj());
  auto bound = [&](Value v, int dflt) {
    if (v.kind() == ValueKind::None) return dflt;
    bool ok = false;
    int i = normalize_index(v, x.length, &ok);
    if (!ok) raise("TypeError");
    return std::clamp(i, 0, static_cast<int>(x.length));
  };
  int lo = bound(start, 0), hi = std::max(lo, bound(stop, x.length));
  for (int k = hi; k-- > lo;) released.push_back(x.items[k]);
  for (int k = lo; k + (hi - lo) < x.length; ++k) x.items[k] = x.items[k + (hi - lo)];
  for (int k = x.length - (hi - lo); k < x.length; ++k) x.items[k] = Value::unset();
  x.length = static_cast<uint8_t>(x.length - (hi - lo));
}

// ----------------------------------------------------------------- creation

void Machine::build_container(const Op& op) {
  const bool dict = op.code == OpCode::BuildDict;
  ValueList items = pop_n(dict ? 2u * op.a : op.a);
  ClassId type = op.code == OpCode::BuildList    ? kListType
                 : op.code == OpCode::BuildTuple ? kTupleType
                 : op.code == OpCode::BuildSet   ? kSetType
                                                 : kDictType;
  if (type == kDictType || type == kSetType)
    for (size_t i = 0; i < items.size(); i += dict ? 2 : 1) check_hashable(items[i]);
  bool any_tracked = false;
  for (Value v : items) any_tracked = any_tracked || may_be_tracked(v);
  // Lists and sets are tracked at creation. With lazy dict tracking
  // (3.11-3.13) a dict is tracked only once it holds something that may be
  // tracked (MAINTAIN_TRACKING); 3.14 tracks every dict (GH-127010). 3.14
  // leaves a tuple of atomic values untracked from the start; earlier
  // releases track it until a collection untracks it (G10).
  bool track = true;
  if (dict && program_.profile.lazy_dict_tracking && !any_tracked) track = false;
  if (type == kTupleType && program_.profile.atomic_tuples_untracked_at_creation && !any_tracked)
    track = false;
  if (items.size() > static_cast<size_t>(kMaxItems))
    throw ModelLimit{"a container with more than " + std::to_string(kMaxItems) + " items"};
  ObjId o = alloc(type, op.label, track);
  ValueList released;  // duplicate keys and set items (BUILD_MAP, BUILD_SET)
  if (dict) {
    for (size_t i = 0; i < items.size(); i += 2) dict_store(o, items[i], items[i + 1], released);
  } else if (type == kSetType) {
    for (Value v : items) set_add(o, v, released);
  } else {
    Object& x = obj(o);
    for (size_t i = 0; i < items.size(); ++i) x.items[i] = items[i];
    x.length = static_cast<uint8_t>(items.size());
  }
  push(Value::object(o));
  release_values(released);
}

// set.add: takes `v` (a new reference) unless an equal item is there.
void Machine::set_add(ObjId o, Value v, ValueList& released) {
  Object& x = obj(o);
  if (find_key(x, TypeKind::Set, v) >= 0) {
    released.push_back(v);
    return;
  }
  if (x.length >= kMaxItems)
    throw ModelLimit{"a container with more than " + std::to_string(kMaxItems) + " items"};
  x.items[x.length++] = v;
}

// collections.deque(items): a new deque holding the items of a list or tuple.
Value Machine::new_deque(Value source, LabelId label) {
  ValueList items;
  if (source.kind() != ValueKind::Unset && !tuple_items(source, items)) {
    if (container_of(source) != TypeKind::List) raise("TypeError");
    const Object& s = obj(source.obj());
    items.assign(s.items.begin(), s.items.begin() + s.length);
  }
  ObjId d = alloc(kDequeType, label);
  for (size_t i = 0; i < items.size(); ++i) {
    incref(items[i]);
    obj(d).items[i] = items[i];
  }
  obj(d).length = static_cast<uint8_t>(items.size());
  return Value::object(d);
}

// ------------------------------------------------------------------ methods

// A method of a list, dict, set or deque (or of a class deriving from list
// or dict). The receiver and the arguments stay owned by the caller's
// stack; what the container gives up goes to `released`, and the result is
// a new reference.
Value Machine::call_method(const Op& op, Value receiver, const ValueList& args,
                           ValueList& released) {
  const std::string& name = program_.strings[op.value.str()];
  if (is_finalize(receiver)) return finalize_method(receiver.obj(), name, args.size(), released);
  if (is_lock(receiver)) {  // LK2-LK4 (Locks.cpp)
    if (obj(receiver.obj()).has(kFreed))
      violation({"memory-safety"},
                name + "() on " + name_of(receiver.obj()) + " after it was freed");
    return lock_method(receiver.obj(), name, args);
  }
  if (Value out; weak_method(receiver, name, args, released, out)) return out;  // WC4, WC6
  const TypeKind kind = container_of(receiver);
  if (!is_container(kind) || kind == TypeKind::Tuple) raise("AttributeError");
  const ObjId o = receiver.obj();
  if (obj(o).has(kFreed))
    violation({"memory-safety"}, name + "() on " + name_of(o) + " after it was freed");
  Object& x = obj(o);
  const size_t n = args.size();
  auto arity = [&](size_t lo, size_t hi) {
    if (n < lo || n > hi) raise("TypeError");
  };
  auto full = [&]() {
    if (x.length >= (kind == TypeKind::Dict ? kMaxDictEntries : kMaxItems))
      throw ModelLimit{"a container with more than " + std::to_string(kMaxItems) + " items"};
  };
  auto pop_at = [&](int i) -> Value {
    if (x.length == 0)
      raise(kind == TypeKind::Dict || kind == TypeKind::Set ? "KeyError" : "IndexError");
    if (i < 0) i += x.length;
    if (i < 0 || i >= x.length) raise("IndexError");
    return remove_item(x, kind, static_cast<uint8_t>(i), nullptr);  // its reference moves
  };
  auto clear_all = [&]() {
    ValueList items = take_items(o, kind);
    // set_clear_internal: in table order, unknown to the model (C1)
    if (kind == TypeKind::Set) released_any_order_ = items.size();
    released.insert(released.end(), items.begin(), items.end());
  };
  switch (kind) {
    case TypeKind::List:
      if (name == "append") {
        arity(1, 1);
        full();
        incref(args[0]);
        x.items[x.length++] = args[0];
        return Value::none();
      }
      if (name == "pop") {
        arity(0, 1);
        int i = -1;
        if (n == 1) {
          bool ok = false;
          i = normalize_index(args[0], 0, &ok);
          if (!ok) raise("TypeError");
        }
        return pop_at(i);
      }
      if (name == "insert") {
        arity(2, 2);
        bool ok = false;
        int i = normalize_index(args[0], x.length, &ok);
        if (!ok) raise("TypeError");
        i = std::clamp(i, 0, static_cast<int>(x.length));
        full();
        for (int k = x.length; k > i; --k) x.items[k] = x.items[k - 1];
        incref(args[1]);
        x.items[i] = args[1];
        ++x.length;
        return Value::none();
      }
      if (name == "clear") {
        arity(0, 0);
        clear_all();
        return Value::none();
      }
      if (name == "remove") {
        arity(1, 1);
        for (uint8_t i = 0; i < x.length; ++i)
          if (py_equal(x.items[i], args[0], 0)) {
            released.push_back(remove_item(x, kind, i, nullptr));
            return Value::none();
          }
        raise("ValueError");
      }
      break;
    case TypeKind::Dict:
      if (name == "pop" || name == "get") {
        arity(1, 2);
        check_hashable(args[0]);
        int i = find_key(x, TypeKind::Dict, args[0]);
        if (i < 0) {
          if (n == 1 && name == "pop") raise("KeyError");
          Value d = n == 2 ? args[1] : Value::none();
          incref(d);
          return d;
        }
        if (name == "get") {
          incref(x.items[2u * i + 1]);
          return x.items[2u * i + 1];
        }
        // _PyDict_Pop: the entry goes, its key is released, the value returned
        Value entry[2];
        remove_item(x, kind, static_cast<uint8_t>(i), entry);
        released.push_back(entry[0]);
        return entry[1];
      }
      if (name == "clear") {
        arity(0, 0);
        clear_all();
        return Value::none();
      }
      break;
    case TypeKind::Set:
      if (name == "add") {
        arity(1, 1);
        check_hashable(args[0]);
        incref(args[0]);
        set_add(o, args[0], released);
        return Value::none();
      }
      if (name == "discard" || name == "remove") {
        arity(1, 1);
        check_hashable(args[0]);
        int i = find_key(x, TypeKind::Set, args[0]);
        if (i < 0) {
          if (name == "remove") raise("KeyError");
          return Value::none();
        }
        released.push_back(remove_item(x, kind, static_cast<uint8_t>(i), nullptr));
        return Value::none();
      }
      if (name == "clear") {
        arity(0, 0);
        clear_all();
        return Value::none();
      }
      break;
    case TypeKind::Deque:
      if (name == "append" || name == "appendleft") {
        arity(1, 1);
        full();
        incref(args[0]);
        if (name == "append") {
          x.items[x.length++] = args[0];
        } else {
          for (int k = x.length; k > 0; --k) x.items[k] = x.items[k - 1];
          x.items[0] = args[0];
          ++x.length;
        }
        return Value::none();
      }
      if (name == "pop" || name == "popleft") {
        arity(0, 0);
        return pop_at(name == "pop" ? -1 : 0);
      }
      if (name == "clear") {
        arity(0, 0);
        clear_all();
        return Value::none();
      }
      break;
    default:
      break;
  }
  raise("AttributeError");
}

// Empties a container; its items in the order it releases them (dealloc,
// tp_clear, clear()).
ValueList Machine::take_items(ObjId o, TypeKind kind) {
  Object& x = obj(o);
  ValueList out;
  const uint8_t n = item_count(x, kind);
  // a function: defaults, __dict__, closure, func_clear's order (FN4a)
  if (kind == TypeKind::List || kind == TypeKind::Tuple || kind == TypeKind::Function) {
    for (uint8_t i = n; i-- > 0;) out.push_back(x.items[i]);
  } else {
    for (uint8_t i = 0; i < n; ++i) out.push_back(x.items[i]);  // dict: key, value per entry
  }
  for (Value& v : x.items) v = Value::unset();
  x.length = 0;
  return out;
}

// tp_traverse of the container part: the objects it references, in its
// visiting order.
void Machine::container_traverse(const Object& x, TypeKind kind, ObjList& out) const {
  auto add = [&](Value v) {
    if (v.is_obj()) out.push_back(v.obj());
  };
  switch (kind) {
    case TypeKind::List:  // list_traverse and tupletraverse walk backwards
    case TypeKind::Tuple:
    case TypeKind::Function:  // func_traverse: defaults, __dict__, closure (FN4a, FN5)
      for (uint8_t i = x.length; i-- > 0;) add(x.items[i]);
      return;
    case TypeKind::Dict:                       // dict_traverse: value, then key, entry by entry
      if (x.has(kSharesInlineValues)) return;  // R1.15d: the values are its instance's
      [[fallthrough]];
    // local_traverse: its inner dict of the threads' dicts (TL5)
    case TypeKind::ThreadLocal:
      for (uint8_t i = 0; i < x.length; ++i) {
        add(x.items[2u * i + 1]);
        add(x.items[2u * i]);
      }
      return;
    case TypeKind::Set:
    case TypeKind::Deque:
    case TypeKind::Exception:    // BaseException_traverse: its traceback (X4)
    case TypeKind::FrameObject:  // frame_traverse: the locals it owns (X5)
    case TypeKind::Generator:    // gen_traverse: its suspended frame (Y6)
    case TypeKind::Cell:         // cell_traverse: the contents (FN5)
      for (uint8_t i = 0; i < x.length; ++i) add(x.items[i]);
      return;
    default:
      return;
  }
}

// ------------------------------------------------------------------ dealloc

void Machine::step_container_dealloc(Frame& f) {
  const ObjId o = f.obj;
  const TypeKind kind = container_kind(program_, f.func);
  const bool base = f.has(kBaseDealloc);  // called by subtype_dealloc
  enum : uint8_t { kStart, kItems, kFree, kEnd };
  switch (f.stage) {
    case kStart:
      // list_dealloc, tupledealloc, dict_dealloc, set_dealloc: untrack, then
      // inside the trashcan (TC1) the rest; set_dealloc and deque_dealloc
      // first clear the weakrefs (callbacks run, W4).
      if (!base) emit(event(EventKind::DeallocBegin, o));
      obj(o).flags |= kDeallocating;
      untrack(o);
      // func_dealloc, cell_dealloc and local_dealloc use no trashcan (FN4, TL4)
      if (kind != TypeKind::Deque && kind != TypeKind::Function && kind != TypeKind::Cell &&
          kind != TypeKind::ThreadLocal && trashcan_begin(f))
        return;
      f.stage = kItems;
      if (!base && program_.types[f.func].weakrefable && !weakref_list(o).empty()) {
        Frame c;
        c.kind = FrameKind::ClearWeakrefs;
        c.obj = o;
        push_frame(c);
      }
      return;
    case kItems: {
      f.stage = kFree;
      const ValueList items = take_items(o, kind);
      // set_dealloc: in table order, unknown to the model (C1)
      release_in_any_order(items, kind == TypeKind::Set ? items.size() : 0);
      return;
    }
    case kFree:
      free_object(o);
      f.stage = kEnd;
      return;
    default: {
      Frame done = f;
      pop_frame();
      if (!base) {
        emit(event(EventKind::DeallocEnd, o));
        release_slot(o);
      }
      trashcan_end(done);
      return;
    }
  }
}

}  // namespace lifecheck::model
