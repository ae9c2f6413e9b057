// Python-level values of the scenario language: attribute and item access
// on instances and containers, Python's equality, truth, and the rendering
// log() and traces use.
#include <algorithm>

#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

ObjId Machine::instance_for_attribute(Value v, FieldId field, bool store) {
  v = through_proxy(v);  // W16: proxy_getattr, proxy_setattr
  if (!v.is_obj()) raise("AttributeError");
  ObjId o = v.obj();
  if (obj(o).has(kFreed))
    violation({"memory-safety"}, "attribute access on " + name_of(o) + " after it was freed");
  if (is_finalize(v)) return o;  // its properties (Finalize.cpp)
  // DA3: the type's read-only __weakref__ descriptor (a getset with no
  // setter) comes before the instance's dict: storing or deleting raises
  if (field == program_.weakref_attr_field && weakref_descriptor(o)) {
    if (store) raise("AttributeError");  // attribute '__weakref__' of 'C' objects is not writable
    return o;
  }
  if (is_partial(v))
    throw ModelLimit{"an attribute stored in a functools.partial's __dict__ (not modelled)"};
  const TypeInfo& t = program_.types[obj(o).type];
  // C types have only their members (no __dict__); classes have a dict,
  // plus the members of a C base; a class with __slots__ has only its slots
  // (and a dict if '__dict__' is one of them).
  if (t.kind == TypeKind::CType && !t.is_c_field(field)) raise("AttributeError");
  if (t.kind != TypeKind::PyClass && t.kind != TypeKind::CType) raise("AttributeError");
  if (t.kind == TypeKind::PyClass && !t.has_dict && !c_type_of(o).is_c_field(field) &&
      std::find(t.slots.begin(), t.slots.end(), field) == t.slots.end())
    raise("AttributeError");
  return o;
}

// The limit an attribute store meets when it would add a fifth entry to
// an instance's dict object. A dict of the model keeps its entries in the
// object's item slots, two per entry (Object::items, kMaxItems = 8): four
// entries. Inline values use the member slots (kMaxFields = 8), which is
// why 3.11 and 3.12 take eight attributes where 3.13+ stops at four for a
// class with __slots__ members (R1.15c). More item slots would grow every
// object of every state, and the state encoding is built for eight
// (model/CanonicalEncoder.h, model/Ownership.h): the limit stays, and says
// what to change in the scenario.
static std::string instance_dict_full(const Program& program, ClassId type, FieldId field) {
  const TypeInfo& t = program.types[type];
  const std::string n = std::to_string(kMaxDictEntries);
  const std::string what = "a fifth attribute ('" + program.field_names[field] + "') in the dict ";
  if (t.dict_field != kNoDictField)  // R1.15c
    return what + "of a '" + t.name +
           "' instance: from 3.13 the dict of a class with __slots__ members is a dict object "
           "(R1.15c), and a dict of the model holds " +
           n + " entries (3.11 and 3.12 keep up to 8 attributes inline); store at most " + n +
           " attributes outside the __slots__ members, name the others in __slots__, or check "
           "under profile 3.11 or 3.12";
  return what + "vars() made of a '" + t.name + "' instance (R1.15d): a dict of the model holds " +
         n + " entries; store at most " + n + " attributes in an instance vars() was called on";
}

Value Machine::load_attr(Value base, FieldId field) {
  // CA3: a name some class has falls back to the class (ClassAttrs.cpp)
  if (program_.class_attr_field(field)) return load_attr_or_class(base, field);
  return load_own_attr(base, field);
}

Value Machine::load_own_attr(Value base, FieldId field) {
  if (Value p; finalize_attr(base, field, p)) return p;
  if (Value p; partial_attr(base, field, p)) return p;  // Partial.cpp
  ObjId o = instance_for_attribute(base, field, false);
  if (field == program_.weakref_attr_field && weakref_descriptor(o)) {
    // DA3: subtype_getweakref: the head of the weakref list (W1), or None
    const ObjList refs = weakref_list(o);
    return refs.empty() ? Value::none() : Value::object(refs[0]);
  }
  if (c_type_of(o).is_c_field(field)) return read_c_field(o, field);
  if (in_dict_object(o, field)) {  // R1.15c: the entry of the instance's dict object
    ObjId d = kNoObj;
    const int i = dict_entry(o, field, d);
    if (i < 0) raise("AttributeError");
    return obj(d).items[2u * static_cast<unsigned>(i) + 1];
  }
  Value v = obj(o).fields[field];
  if (v.kind() == ValueKind::Unset) raise("AttributeError");
  return v;
}

void Machine::store_attr(ObjId o, FieldId field, Value v, ValueList& released) {
  if (is_finalize(Value::object(o))) {  // f.atexit = v (Finalize.cpp)
    finalize_set_attr(o, field, v);
    released.push_back(v);
    return;
  }
  if (obj(o).has(kCleared)) obj(o).flags |= kStoredAfterClear;
  if (c_type_of(o).is_c_field(field)) return write_c_field(o, field, v, released);
  if (in_dict_object(o, field)) {  // R1.15c, R1.15d: the dict takes the reference
    const ObjId d = dict_object(o, true);
    const Value key = Value::str(program_.field_strings[field]);
    if (obj(d).length >= kMaxDictEntries && find_key(obj(d), TypeKind::Dict, key) < 0)
      throw ModelLimit{instance_dict_full(program_, obj(o).type, field)};
    // R1.15d: a store into the inline values a dict shares leaves the dict
    // as tracked or untracked as it was
    return dict_store(d, Value::str(program_.field_strings[field]), v, released,
                      !obj(d).has(kSharesInlineValues));
  }
  // The instance dict's keys are shared by the class (inline values, 3.11+):
  // a new attribute name is appended to the class-wide key order. A slot
  // is a member, outside the dict.
  ClassId t = obj(o).type;
  const std::vector<FieldId>& slots = program_.types[t].slots;
  auto& keys = state_.class_keys[t];
  uint8_t& n = state_.class_key_count[t];
  if (std::find(slots.begin(), slots.end(), field) == slots.end() &&
      std::find(keys.begin(), keys.begin() + n, field) == keys.begin() + n)
    keys[n++] = field;
  released.push_back(obj(o).fields[field]);
  obj(o).fields[field] = v;
}

bool Machine::tuple_items(Value v, ValueList& out) const {
  if (v.kind() == ValueKind::ConstTuple) {
    {
      const std::vector<Value>& items = program_.const_tuples[v.const_tuple()];
      out.assign(items.begin(), items.end());
    }
    return true;
  }
  if (container_of(v) != TypeKind::Tuple) return false;
  const Object& t = state_.objects[v.obj()];
  out.assign(t.items.begin(), t.items.begin() + t.length);
  return true;
}

// _PyObject_GC_MAY_BE_TRACKED: a GC object that is not a tuple, or a
// tracked tuple. Atomic values (ints, strings, constants, objects of types
// without Py_TPFLAGS_HAVE_GC) and untracked tuples let their container be
// untracked (_PyTuple_MaybeUntrack, _PyDict_MaybeUntrack).
bool Machine::may_be_tracked(Value v) const {
  if (v.kind() == ValueKind::Func) return true;  // a function object
  if (!v.is_obj()) return false;
  const Object& x = state_.objects[v.obj()];
  if (!is_gc_type(x.type)) return false;
  if (program_.types[x.type].kind == TypeKind::Tuple) return x.tracked();
  return true;
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
  if (depth > 16) return false;
  // Tuples, constant or built, compare item by item.
  ValueList ta, tb;
  if (tuple_items(a, ta) && tuple_items(b, tb)) {
    if (ta.size() != tb.size()) return false;
    for (size_t i = 0; i < ta.size(); ++i)
      if (!py_equal(ta[i], tb[i], depth + 1)) return false;
    return true;
  }
  if (!a.is_obj() || !b.is_obj()) return false;
  const Object& p = state_.objects[a.obj()];
  const Object& q = state_.objects[b.obj()];
  const TypeKind kind = container_of(a);
  if (is_container(kind)) {
    // list_richcompare and the others compare item by item (a subclass
    // like its base); a dict or a set by lookup, in any order.
    if (kind != container_of(b) || p.length != q.length) return false;
    if (kind == TypeKind::Dict || kind == TypeKind::Set) {
      for (uint8_t i = 0; i < p.length; ++i) {
        int j = find_key(q, kind, p.items[kind == TypeKind::Dict ? 2u * i : i]);
        if (j < 0) return false;
        if (kind == TypeKind::Dict &&
            !py_equal(p.items[2u * i + 1], q.items[2u * j + 1], depth + 1))
          return false;
      }
      return true;
    }
    for (uint8_t i = 0; i < p.length; ++i)
      if (!py_equal(p.items[i], q.items[i], depth + 1)) return false;
    return true;
  }
  if (program_.types[p.type].kind != program_.types[q.type].kind) return false;
  switch (program_.types[p.type].kind) {
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
      TypeKind k = program_.types[o.type].kind;  // a subclass renders by its label
      if (is_container(k)) {
        if (std::find(open.begin(), open.end(), v.obj()) != open.end())
          return k == TypeKind::List    ? "[...]"
                 : k == TypeKind::Tuple ? "(...)"
                 : k == TypeKind::Deque ? "deque([...])"
                                        : "{...}";
        // Containers render their items like repr() does, objects by label;
        // a set's items sorted by their text (CPython's order is by hash).
        auto item = [&](Value x) {
          return x.kind() == ValueKind::Str ? "'" + program_.strings[x.str()] + "'"
                                            : render(x, open);
        };
        open.push_back(v.obj());
        std::vector<std::string> parts;
        for (uint8_t i = 0; i < o.length; ++i)
          parts.push_back(k == TypeKind::Dict
                              ? item(o.items[2u * i]) + ": " + item(o.items[2u * i + 1])
                              : item(o.items[i]));
        open.pop_back();
        if (k == TypeKind::Set) std::sort(parts.begin(), parts.end());
        std::string out;
        for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
        switch (k) {
          case TypeKind::List:
            return "[" + out + "]";
          case TypeKind::Dict:
            return "{" + out + "}";
          case TypeKind::Set:
            return o.length == 0 ? "set()" : "{" + out + "}";
          case TypeKind::Deque:
            return "deque([" + out + "])";
          default:
            return "(" + out + (o.length == 1 ? ",)" : ")");
        }
      }
      return o.label == kNoLabel ? program_.types[o.type].name : program_.labels[o.label];
    }
    case ValueKind::Garbage:
      return "<uninitialised>";
    case ValueKind::Stale:
      return "<stale pointer>";
    case ValueKind::Dangling:
      return "<dangling pointer>";
    case ValueKind::ConstTuple:
      return program_.constant_text(v, true);
  }
  return "?";
}

// DA3: whether o's type has the `__weakref__` getset descriptor that
// type_new adds to a class whose instances get a weakref list (its own
// `__weakref__` slot or none at all), inherited by its subclasses; a list
// or dict subclass has it too. A class deriving from a weakrefable C type
// has it only if the C type lists it among its members, which the model
// does not know.
bool Machine::weakref_descriptor(ObjId o) const {
  const TypeInfo& t = program_.types[state_.objects[o].type];
  if (t.kind != TypeKind::PyClass || !t.weakrefable) return false;
  if (state_.objects[o].type == program_.module_type) return false;  // a plain name there
  if (program_.derives_from_c_type(t) && program_.types[t.base].weakrefable)
    throw ModelLimit{"__weakref__ of an instance of '" + t.name +
                     "', whose C base type has its own weakref list: whether that type lists "
                     "__weakref__ among its members is not modelled"};
  return true;
}

Value Machine::instance_dict(Value x, LabelId label, bool attribute) {
  // DA2: x.__dict__ is a LOAD_ATTR: an object without one raises
  // AttributeError where vars() raises TypeError
  const char* const missing = attribute ? "AttributeError" : "TypeError";
  x = through_proxy(x);  // W16: vars(proxy) reads the referent's __dict__
  if (x.kind() == ValueKind::Func || is_function_object(x))
    throw ModelLimit{std::string(attribute ? "f.__dict__" : "vars(f)") +
                     " of a function is not modelled (CPython gives the function's attribute "
                     "dict); read its attributes one by one"};
  if (!x.is_obj()) raise(missing);  // vars() argument must have __dict__ attribute
  const ObjId o = x.obj();
  if (is_thread_local(x)) {  // TL2: local_getattro's __dict__ is the thread's dict itself
    const ObjId d = thread_local_dict(thread_local_checked(x), true);
    incref(Value::object(d));
    return Value::object(d);
  }
  if (obj(o).has(kFreed))
    violation({"memory-safety"}, "vars() of " + name_of(o) + " after it was freed");
  if (program_.types[obj(o).type].kind == TypeKind::Exception ||
      program_.types[obj(o).type].kind == TypeKind::Method)
    throw ModelLimit{std::string(attribute ? "x.__dict__" : "vars(x)") + " of " +
                     (program_.types[obj(o).type].kind == TypeKind::Method
                          ? "a bound method (CPython gives its function's dict)"
                          : "an exception object (CPython gives its attribute dict)") +
                     " is not modelled"};
  if (program_.types[obj(o).type].kind != TypeKind::PyClass ||
      !program_.types[obj(o).type].has_dict)
    raise(missing);
  if (obj(o).has(kCleared)) {
    // gh-91636: the instance dict of an object subtype_clear has cleared.
    // 3.11 and 3.12 keep the inline values array and build a dict over it
    // that corrupts memory (observed as a crash); 3.13 leaves an empty
    // dict, a zombie.
    const ClearedDict rule = program_.profile.cleared_dict;
    if (rule == ClearedDict::Crash ||
        (rule == ClearedDict::CrashAfterStore && obj(o).has(kStoredAfterClear)))
      violation({"memory-safety"},
                "vars() of " + name_of(o) +
                    (rule == ClearedDict::Crash ? ", whose inline values tp_clear has cleared"
                                                : ", stored into after tp_clear cleared it") +
                    ": this CPython builds the dict over the cleared values and crashes "
                    "(gh-91636)");
  }
  if (program_.types[obj(o).type].dict_field != kNoDictField) {  // R1.15c: the dict itself
    const ObjId d = dict_object(o, true);
    incref(Value::object(d));
    return Value::object(d);
  }
  if (const ObjId d = materialize_instance_dict(o, label); d != kNoObj) {  // R1.15d
    incref(Value::object(d));
    return Value::object(d);
  }
  // A new dict of the attributes, in the class's key order (the shared
  // keys the materialized dict copies).
  ValueList items;
  bool any_tracked = false;
  const Object& y = obj(o);
  for (uint8_t i = 0; i < state_.class_key_count[y.type]; ++i) {
    FieldId f = state_.class_keys[y.type][i];
    Value v = y.fields[f];
    if (v.kind() == ValueKind::Unset || c_type_of(o).is_c_field(f)) continue;
    items.push_back(Value::str(program_.field_strings[f]));
    items.push_back(v);
    any_tracked = any_tracked || may_be_tracked(v);
  }
  if (items.size() > 2u * kMaxDictEntries)
    throw ModelLimit{"vars() of an object with more than " + std::to_string(kMaxDictEntries) +
                     " attributes"};
  ObjId d = alloc(kDictType, label, !program_.profile.lazy_dict_tracking || any_tracked);
  for (size_t i = 0; i < items.size(); ++i) {
    if (i % 2) incref(items[i]);
    obj(d).items[i] = items[i];
  }
  obj(d).length = static_cast<uint8_t>(items.size() / 2);
  return Value::object(d);
}

std::string Program::constant_text(Value v, bool quote) const {
  switch (v.kind()) {
    case ValueKind::None:
      return "None";
    case ValueKind::Int:
      return std::to_string(v.integer());
    case ValueKind::Bool:
      return v.boolean() ? "True" : "False";
    case ValueKind::Str:
      return quote ? "'" + strings[v.str()] + "'" : strings[v.str()];
    case ValueKind::ConstTuple: {
      const std::vector<Value>& items = const_tuples[v.const_tuple()];
      std::string out = "(";
      for (size_t i = 0; i < items.size(); ++i)
        out += (i ? ", " : "") + constant_text(items[i], true);
      return out + (items.size() == 1 ? ",)" : ")");
    }
    default:
      return "?";
  }
}

}  // namespace lifecheck::model
