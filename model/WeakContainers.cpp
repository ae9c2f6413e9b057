// weakref.WeakValueDictionary, WeakKeyDictionary and WeakSet (Lib/weakref.py,
// Lib/_weakrefset.py: pure Python, the same in 3.11-3.13). Rules WC1-WC9,
// docs/semantics.md. The model keeps the objects CPython has:
//  * the container, an instance of a class defined in Python (GC, a weakref
//    list, a dict of four attributes). Its attributes are kept as the
//    items of a class deriving from list, so that the collector visits
//    them and list_dealloc / list_clear release them; they are stored last
//    to first because those release last to first, and CPython releases
//    an instance's attribute values in insertion order:
//      WeakValueDictionary: _remove, _pending_removals, _iterating, data
//      WeakSet, WeakKeyDictionary: data, _remove, _pending_removals,
//                           _iterating (and WeakKeyDictionary's _dirty_len,
//                           a bool: no object)
//  * data: a dict {key: KeyedRef} (WeakValueDictionary), a set of weakrefs
//    (WeakSet), a dict {weakref to the key: value} (WeakKeyDictionary);
//  * _remove: the function __init__ defines, whose default argument
//    `selfref=ref(self)` is the container's basic weakref (so _remove
//    holds the container only weakly); its __defaults__ tuple is an object
//    of its own. The function is a GC object without a cycle through it;
//    the model gives it a type of its own (weak_remove_type, items[0] its
//    defaults tuple);
//  * _pending_removals (a list) and _iterating (a set): empty, since the
//    language has no iteration over these containers;
//  * one weakref per entry, whose callback is _remove: a KeyedRef (a
//    weakref.ref subclass with a `key` slot: fields[kKeyedRefKey]) for a
//    WeakValueDictionary, a plain ref for a WeakSet or WeakKeyDictionary.
// The entries' callbacks are ordinary weakref callbacks (W4-W8, G12, G15,
// P7.19-P7.23): called on the refcount path after the referent's __del__,
// in a collection before any __del__, never for a weakref that is garbage
// itself. The Python code of these classes and of _remove runs as one
// step (its own eval-breaker checks are not switch points), as
// weakref.finalize.__call__'s does (W11).
#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
constexpr int kKeyedRefKey = 2;  // KeyedRef.key (a plain value: str, int, ...)

struct Slots {
  uint8_t data, iterating, pending, remove;
};
// the item each attribute is kept in (see the top of the file): a
// WeakSet's and a WeakKeyDictionary's `data` comes first (`set`)
Slots slots_of(bool set) { return set ? Slots{3, 0, 1, 2} : Slots{0, 1, 2, 3}; }

enum class Weak : uint8_t { None, Values, Keys, Set };
Weak weak_kind(const Program& p, ClassId t) {
  if (t == kNoType) return Weak::None;
  if (t == p.weak_value_dict_type) return Weak::Values;
  if (t == p.weak_key_dict_type) return Weak::Keys;
  if (t == p.weak_set_type) return Weak::Set;
  return Weak::None;
}

// The entry (a WeakKeyDictionary's data: its pair) or item (a WeakSet's
// data) whose weakref refers to `referent`: equal weakrefs are those whose
// referents are alive and equal (weakref_richcompare; an instance of the
// language's classes is equal only to itself).
int find_by_referent(const Object& data, const State& state, Value referent, unsigned stride) {
  for (uint8_t i = 0; i < data.length; ++i) {
    const Value w = data.items[stride * i];
    if (w.is_obj() && state.objects[w.obj()].fields[kWeakrefReferent] == referent) return i;
  }
  return -1;
}
}  // namespace

bool Machine::is_weak_container(Value v) const {
  return v.is_obj() && weak_kind(program_, state_.objects[v.obj()].type) != Weak::None;
}

// The container's `data` (kNoObj when v is no weak container, or one whose
// attributes are gone: cleared by the collector).
ObjId weak_container_data(const Program& program, const State& state, Value v) {
  if (!v.is_obj()) return kNoObj;
  const Object& x = state.objects[v.obj()];
  const Weak k = weak_kind(program, x.type);
  if (k == Weak::None) return kNoObj;
  const Value d = x.items[slots_of(k != Weak::Values).data];
  return x.length == 4 && d.is_obj() ? d.obj() : kNoObj;
}

// WC1: WeakValueDictionary() / WeakSet() / WeakKeyDictionary():
// object.__new__ makes the instance (tracked); __init__ makes, in this
// order, (WeakSet: data = set(), WeakKeyDictionary: data = {}, first)
// ref(self) (the basic ref, shared, W1), the __defaults__ tuple holding
// it, the function _remove, [] and set(), (WeakValueDictionary: data = {}
// last); each is stored as the instance's attribute at once.
Value Machine::weak_container_new(ClassId type, LabelId label) {
  const Weak kind = weak_kind(program_, type);
  const bool set = kind != Weak::Values;
  const Slots s = slots_of(set);
  const ObjId self = alloc(type, label);
  for (uint8_t i = 0; i < 4; ++i) obj(self).items[i] = Value::none();
  obj(self).length = 4;
  auto store = [&](uint8_t slot, ObjId o) { obj(self).items[slot] = Value::object(o); };
  if (kind == Weak::Set) store(s.data, alloc(kSetType, program_.weak_data_label));
  if (kind == Weak::Keys)
    store(s.data, alloc(kDictType, program_.weak_data_label, !program_.profile.lazy_dict_tracking));
  const Value selfref = new_weakref(Value::object(self), Value::none(), label);
  // (selfref, _remove_dead_weakref) / (selfref,): tracked, it holds a GC object
  const ObjId defaults = alloc(kTupleType, program_.weak_remove_label);
  obj(defaults).items[0] = selfref;  // the reference new_weakref returned
  obj(defaults).length = 1;
  const ObjId remove = alloc(program_.weak_remove_type, program_.weak_remove_label);
  obj(remove).items[0] = Value::object(defaults);
  obj(remove).length = 1;
  store(s.remove, remove);
  store(s.pending, alloc(kListType, program_.weak_pending_label));
  store(s.iterating, alloc(kSetType, program_.weak_iterating_label));
  if (!set)
    store(s.data, alloc(kDictType, program_.weak_data_label, !program_.profile.lazy_dict_tracking));
  return Value::object(self);
}

namespace {
// WC2: a WeakValueDictionary key is kept by a dict and by a KeyedRef's
// slot; the model keeps plain values there (strings, ints, ...), not
// objects.
void require_plain_key(Value key) {
  if (key.kind() == ValueKind::Obj)
    throw ModelLimit{
        "a WeakValueDictionary key that is an object is not modelled (KeyedRef.key would "
        "hold it); use strings or ints as keys"};
}
}  // namespace

// `ref(key)` for a WeakKeyDictionary lookup (WC9): the key's basic weakref
// (made if there is none, W1; TypeError for what cannot be weakly
// referenced), a new reference the lookup releases when it is done.
Value Machine::weak_probe(Value key) { return new_weakref(key, Value::none(), kNoLabel); }

// WC3: d[key] is `self.data[key]()`: KeyError when the key is missing or
// its weakref is dead (W3: cleared, or the referent at count 0). WC9: a
// WeakKeyDictionary's is `self.data[ref(key)]`. The result is borrowed;
// the caller takes its reference.
bool Machine::weak_item_get(Value container, Value key, Value& out) {
  if (!is_weak_container(container)) return false;
  const Weak kind = weak_kind(program_, obj(container.obj()).type);
  const ObjId data = weak_container_data(program_, state_, container);
  if (data == kNoObj || kind == Weak::Set) raise("TypeError");  // a WeakSet is not subscriptable
  if (kind == Weak::Keys) {
    const Value probe = weak_probe(key);
    const int i = find_by_referent(obj(data), state_, key, 2);
    decref(probe);  // ref(key) dies as the subscript returns
    if (i < 0) raise("KeyError");
    out = obj(data).items[2u * i + 1];
    return true;
  }
  require_plain_key(key);
  check_hashable(key);
  const int i = find_key(obj(data), TypeKind::Dict, key);
  if (i < 0) raise("KeyError");
  const Value r = obj(obj(data).items[2u * i + 1].obj()).fields[kWeakrefReferent];
  if (r.kind() == ValueKind::Func) {
    out = r;
    return true;
  }
  if (!r.is_obj() || obj(r.obj()).rc == 0) raise("KeyError");
  out = r;
  return true;
}

// WC2: d[key] = value is `self.data[key] = KeyedRef(value, self._remove,
// key)`: a new KeyedRef (TypeError for a value that cannot be weakly
// referenced), then the dict store; a replaced KeyedRef dies there,
// unlinked without its callback (W6). WC9: a WeakKeyDictionary's is
// `self.data[ref(key, self._remove)] = value`: an entry whose key refers
// to the same object keeps its old weakref and takes the value; the old
// value, then the new weakref, are released.
bool Machine::weak_store_item(Value container, Value key, Value v, ValueList& released) {
  if (!is_weak_container(container)) return false;
  const Weak kind = weak_kind(program_, obj(container.obj()).type);
  const ObjId data = weak_container_data(program_, state_, container);
  if (data == kNoObj || kind == Weak::Set) raise("TypeError");
  const Value remove = obj(container.obj()).items[slots_of(kind != Weak::Values).remove];
  if (kind == Weak::Keys) {
    const Value w = new_weakref(key, remove, obj(container.obj()).label);
    incref(v);
    // the entry of an equal key is the one whose weakref points at `key`
    dict_store_at(data, find_by_referent(obj(data), state_, key, 2), w, v, released, false);
    if (!obj(data).tracked()) track(data);  // MAINTAIN_TRACKING: a weakref key is a GC object
    return true;
  }
  require_plain_key(key);
  check_hashable(key);
  const Value kr = new_weakref(v, remove, obj(container.obj()).label, program_.keyed_ref_type);
  obj(kr.obj()).fields[kKeyedRefKey] = key;
  dict_store(data, key, kr, released);  // the KeyedRef's reference moves into the dict
  return true;
}

// WC4: del d[key] is `del self.data[key]`: KeyError when missing; the
// KeyedRef dies with the entry, its callback never called. WC9: a
// WeakKeyDictionary's is `del self.data[ref(key)]`: the key's weakref
// (uncalled), then the value, then ref(key) are released.
bool Machine::weak_delete_item(Value container, Value key, ValueList& released) {
  if (!is_weak_container(container)) return false;
  const Weak kind = weak_kind(program_, obj(container.obj()).type);
  const ObjId data = weak_container_data(program_, state_, container);
  if (data == kNoObj || kind == Weak::Set) raise("TypeError");
  if (kind == Weak::Keys) {
    const Value probe = weak_probe(key);
    const int i = find_by_referent(obj(data), state_, key, 2);
    if (i < 0) {
      decref(probe);
      raise("KeyError");
    }
    Value entry[2];
    remove_item(obj(data), TypeKind::Dict, static_cast<uint8_t>(i), entry);
    released.push_back(entry[0]);
    released.push_back(entry[1]);
    released.push_back(probe);
    return true;
  }
  require_plain_key(key);
  delete_item(Value::object(data), key, released);
  return true;
}

// WC4, WC6, WC9: d.get(key[, default]), s.add(item), s.discard(item); any
// other method of the language's containers: AttributeError (as for an
// instance).
bool Machine::weak_method(Value receiver, const std::string& name, const ValueList& args,
                          ValueList& released, Value& out) {
  if (!is_weak_container(receiver)) return false;
  const ObjId data = weak_container_data(program_, state_, receiver);
  const Weak kind = weak_kind(program_, obj(receiver.obj()).type);
  if (data == kNoObj) raise("AttributeError");  // cleared by the collector
  if (kind != Weak::Set && name == "get") {
    if (args.empty() || args.size() > 2) raise("TypeError");
    out = args.size() == 2 ? args[1] : Value::none();
    if (kind == Weak::Keys) {
      // self.data.get(ref(key), default)
      released.push_back(weak_probe(args[0]));
      const int i = find_by_referent(obj(data), state_, args[0], 2);
      if (i >= 0) out = obj(data).items[2u * i + 1];
      incref(out);
      return true;
    }
    require_plain_key(args[0]);
    check_hashable(args[0]);
    const int i = find_key(obj(data), TypeKind::Dict, args[0]);
    if (i >= 0) {
      const Value r = deref_weakref(obj(data).items[2u * i + 1]);  // a new reference
      if (r.kind() != ValueKind::None) {
        out = r;
        return true;
      }
    }
    incref(out);
    return true;
  }
  if (kind == Weak::Set && name == "add") {
    // self.data.add(ref(item, self._remove)): a new ref each time; when an
    // equal one is there already, the new one dies in set.add.
    if (args.size() != 1) raise("TypeError");
    const Value remove = obj(receiver.obj()).items[slots_of(true).remove];
    const Value w = new_weakref(args[0], remove, obj(receiver.obj()).label);
    if (find_by_referent(obj(data), state_, args[0], 1) >= 0) {
      released.push_back(w);
    } else {
      if (obj(data).length >= kMaxItems)
        throw ModelLimit{"a WeakSet with more than " + std::to_string(kMaxItems) + " items"};
      obj(data).items[obj(data).length++] = w;
    }
    out = Value::none();
    return true;
  }
  if (kind == Weak::Set && name == "discard") {
    // self.data.discard(ref(item)): the basic ref, the equal item goes (its
    // weakref dies inside discard, uncalled), then the basic ref is
    // released when discard returns.
    if (args.size() != 1) raise("TypeError");
    const Value probe = weak_probe(args[0]);
    const int i = find_by_referent(obj(data), state_, args[0], 1);
    if (i >= 0)
      released.push_back(remove_item(obj(data), TypeKind::Set, static_cast<uint8_t>(i), nullptr));
    released.push_back(probe);
    out = Value::none();
    return true;
  }
  raise("AttributeError");
}

bool Machine::is_weak_remove(Value callback) const {
  return callback.is_obj() && program_.weak_remove_type != kNoType &&
         state_.objects[callback.obj()].type == program_.weak_remove_type;
}

// WC5: the entry's weakref wr is dead and its callback, _remove, is
// called: `self = selfref()`; if the container is alive (W3), and not
// iterating (never, here):
//  * WeakValueDictionary: _remove_dead_weakref(self.data, wr.key) deletes
//    the entry only if it still holds a dead weakref (a key stored again
//    since keeps its new entry);
//  * WeakSet: self.data.discard(wr), the dead weakref itself;
//  * WeakKeyDictionary (WC9): del self.data[wr] (KeyError ignored): the
//    entry whose key is wr itself; its value is released there.
// The removed entry's references are released inside the call: wr may die
// there (the single-weakref path of PyObject_ClearWeakRefs holds no
// reference to it).
void Machine::weak_remove_call(Value callback, ObjId wr) {
  save_pending_exception(top());
  const Value selfref = obj(obj(callback.obj()).items[0].obj()).items[0];
  const Value self = obj(selfref.obj()).fields[kWeakrefReferent];
  if (!self.is_obj() || obj(self.obj()).rc == 0) return;
  const ObjId data = weak_container_data(program_, state_, self);
  if (data == kNoObj) return;
  ValueList released;
  Object& d = obj(data);
  const Weak kind = weak_kind(program_, obj(self.obj()).type);
  if (kind != Weak::Values) {
    const unsigned stride = kind == Weak::Keys ? 2 : 1;
    for (uint8_t i = 0; i < d.length; ++i)
      if (d.items[stride * i] == Value::object(wr)) {
        Value out[2];
        remove_item(d, kind == Weak::Keys ? TypeKind::Dict : TypeKind::Set, i, out);
        released.push_back(out[0]);
        if (kind == Weak::Keys) released.push_back(out[1]);
        break;
      }
  } else {
    const int i = find_key(d, TypeKind::Dict, obj(wr).fields[kKeyedRefKey]);
    if (i >= 0) {
      const Object& entry = obj(d.items[2u * i + 1].obj());
      // is_dead_weakref / _PyWeakref_IS_DEAD: cleared (or, 3.13+, its
      // referent at count 0)
      const Value r = entry.fields[kWeakrefReferent];
      if (!r.is_obj() || obj(r.obj()).rc == 0) {
        Value out[2];
        remove_item(d, TypeKind::Dict, static_cast<uint8_t>(i), out);
        released.push_back(out[0]);
        released.push_back(out[1]);
      }
    }
  }
  release_values(released);
}

}  // namespace lifecheck::model
