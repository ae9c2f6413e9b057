// R1.15c (docs/semantics.md): from 3.13 on (Profile::slotted_dict_is_object)
// an instance of a class that has both a dict and __slots__ members keeps
// no inline values: its __dict__ is a dict object of its own, which the
// first attribute store (or vars()) makes, empty and, under lazy dict
// tracking, untracked until it holds a GC object (MAINTAIN_TRACKING). The
// compiler gives such a class a last member, TypeInfo::dict_field, that
// holds the dict, so subtype_dealloc and subtype_clear release it after
// the other members and subtype_traverse visits it last, as CPython does
// with the dict pointer; attribute loads, stores and deletes outside the
// members go to the dict's entries.
//
// R1.15d: on the profiles with Profile::vars_makes_instance_dict, vars(x)
// of an instance whose attributes are inline values makes a dict object
// of them (make_dict_from_instance_attributes) that the instance keeps
// from then on (its values pointer gives way to the dict pointer, 3.11 and
// 3.12; the managed dict pointer, 3.13+). The model keeps that dict under
// Program::instance_dict_field, appended to the class's shared keys: the
// instance's other values are gone from the keys' places (moved into the
// dict), so subtype_traverse, subtype_clear and subtype_dealloc meet the
// dict where they met the values, after the members, as CPython does.
// Under Profile::vars_dict_shares_inline_values (3.13.0-3.13.12,
// 3.14.0-3.14.3) the dict is marked kSharesInlineValues while the instance
// keeps it: the values are still the instance's (the dict's ma_values is
// the inline array), so subtype_traverse visits them instead of the dict
// and dict_traverse visits none; releasing the dict from the instance
// (PyObject_ClearManagedDict in subtype_clear or subtype_dealloc) hands
// the values over to it.
#include <algorithm>
#include <string>

#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

// The member that holds the instance's dict object: R1.15c's, or R1.15d's
// once vars() has made one; kNoDictField while the attributes are inline.
FieldId Machine::dict_member(ObjId o) const {
  const Object& x = state_.objects[o];
  const TypeInfo& t = program_.types[x.type];
  if (t.kind != TypeKind::PyClass) return kNoDictField;
  if (t.dict_field != kNoDictField) return t.dict_field;
  const FieldId made = program_.instance_dict_field;
  return made != kNoDictField && x.fields[made].is_obj() ? made : kNoDictField;
}

bool Machine::in_dict_object(ObjId o, FieldId field) const {
  const TypeInfo& t = program_.types[state_.objects[o].type];
  const FieldId member = dict_member(o);
  return member != kNoDictField && field != member &&
         std::find(t.slots.begin(), t.slots.end(), field) == t.slots.end();
}

// The instance's dict (no new reference), made when `create` and there is
// none yet (R1.15c); kNoObj without one.
ObjId Machine::dict_object(ObjId o, bool create) {
  const TypeInfo& t = program_.types[obj(o).type];
  const FieldId member = dict_member(o);
  if (member == kNoDictField) return kNoObj;
  const Value d = obj(o).fields[member];
  if (d.is_obj()) return d.obj();
  if (!create) return kNoObj;
  const ObjId made = alloc(kDictType, t.dict_label, !program_.profile.lazy_dict_tracking);
  obj(o).fields[t.dict_field] = Value::object(made);
  return made;
}

// R1.15d: vars(x) of an instance with inline values: the dict it keeps
// from now on (no new reference), made on the first call. Its entries are
// the values in the class's key order, moved, not copied: the instance
// gives up its references with them. Under lazy dict tracking it is
// tracked only if a value may be (make_dict_from_instance_attributes).
// kNoObj when vars() stays a copy for this instance (a class with a C,
// list or dict base: not modelled as a real dict).
ObjId Machine::materialize_instance_dict(ObjId o, LabelId label) {
  const FieldId member = program_.instance_dict_field;
  const TypeInfo& t = program_.types[obj(o).type];
  if (member == kNoDictField || t.base != kNoType || !t.has_dict) return kNoObj;
  if (const Value d = obj(o).fields[member]; d.is_obj()) return d.obj();
  ValueList items;
  bool any_tracked = false;
  auto& keys = state_.class_keys[obj(o).type];
  uint8_t& n = state_.class_key_count[obj(o).type];
  for (uint8_t i = 0; i < n; ++i) {
    const Value v = obj(o).fields[keys[i]];
    if (v.kind() == ValueKind::Unset) continue;
    items.push_back(Value::str(program_.field_strings[keys[i]]));
    items.push_back(v);
    any_tracked = any_tracked || may_be_tracked(v);
  }
  if (items.size() > 2u * kMaxDictEntries)  // the dict's item slots (Values.cpp)
    throw ModelLimit{"vars() of an object with more than " + std::to_string(kMaxDictEntries) +
                     " attributes: the dict it makes (R1.15d) would hold them all, and a dict of "
                     "the model holds " +
                     std::to_string(kMaxDictEntries) + " entries; give the '" + t.name +
                     "' instance at most " + std::to_string(kMaxDictEntries) +
                     " attributes when vars() is called on it"};
  const ObjId d = alloc(kDictType, label, !program_.profile.lazy_dict_tracking || any_tracked);
  if (program_.profile.vars_dict_shares_inline_values) obj(d).flags |= kSharesInlineValues;
  Object& x = obj(o);
  for (size_t i = 0; i < items.size(); ++i) obj(d).items[i] = items[i];
  obj(d).length = static_cast<uint8_t>(items.size() / 2);
  for (uint8_t i = 0; i < n; ++i) x.fields[keys[i]] = Value::unset();
  if (std::find(keys.begin(), keys.begin() + n, member) == keys.begin() + n) keys[n++] = member;
  x.fields[member] = Value::object(d);
  return d;
}

// The index of the attribute's entry in the instance's dict object (its
// id in `d`), or -1 (no dict, or no such key).
int Machine::dict_entry(ObjId o, FieldId field, ObjId& d) {
  d = dict_object(o, false);
  if (d == kNoObj) return -1;
  return find_key(obj(d), TypeKind::Dict, Value::str(program_.field_strings[field]));
}

// R1.15d: the instance's member `field`, holding `v`, is being released
// (subtype_clear, subtype_dealloc): a dict still on the instance's inline
// values takes them over (detach_dict_from_object).
void Machine::detach_instance_dict(FieldId field, Value v) {
  if (field == program_.instance_dict_field && v.is_obj())
    obj(v.obj()).flags &= ~static_cast<uint32_t>(kSharesInlineValues);
}

// R1.15d: what subtype_traverse visits for the instance's member `v`: the
// object, or for a dict on the instance's inline values, those values.
void Machine::traverse_member(Value v, ObjList& out) const {
  if (!v.is_obj()) return;
  const Object& d = state_.objects[v.obj()];
  if (!d.has(kSharesInlineValues)) {
    out.push_back(v.obj());
    return;
  }
  for (uint8_t i = 0; i < d.length; ++i)
    if (d.items[2u * i + 1].is_obj()) out.push_back(d.items[2u * i + 1].obj());
}

// DELETE_ATTR: a member, or an entry of the instance's dict; the key and
// the value go to `released` (the key is a string: nothing to release).
void Machine::delete_attr(ObjId o, FieldId field, ValueList& released) {
  if (in_dict_object(o, field)) {
    ObjId d = kNoObj;
    const int i = dict_entry(o, field, d);
    if (i < 0) raise("AttributeError");
    Value entry[2];
    remove_item(obj(d), TypeKind::Dict, static_cast<uint8_t>(i), entry);
    released.push_back(entry[0]);
    released.push_back(entry[1]);
    return;
  }
  Value& slot = obj(o).fields[field];
  if (slot.kind() == ValueKind::Unset) raise("AttributeError");
  released.push_back(slot);
  slot = Value::unset();
}

}  // namespace lifecheck::model
