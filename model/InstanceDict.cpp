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
#include <algorithm>

#include "model/Machine.h"

namespace lifecheck::model {

bool Machine::in_dict_object(ObjId o, FieldId field) const {
  const TypeInfo& t = program_.types[state_.objects[o].type];
  return t.kind == TypeKind::PyClass && t.dict_field != kNoDictField && field != t.dict_field &&
         std::find(t.slots.begin(), t.slots.end(), field) == t.slots.end();
}

// The instance's dict (no new reference), made when `create` and there is
// none yet; kNoObj without one.
ObjId Machine::dict_object(ObjId o, bool create) {
  const TypeInfo& t = program_.types[obj(o).type];
  const Value d = obj(o).fields[t.dict_field];
  if (d.is_obj()) return d.obj();
  if (!create) return kNoObj;
  const ObjId made = alloc(kDictType, t.dict_label, !program_.profile.lazy_dict_tracking);
  obj(o).fields[t.dict_field] = Value::object(made);
  return made;
}

// The index of the attribute's entry in the instance's dict object (its
// id in `d`), or -1 (no dict, or no such key).
int Machine::dict_entry(ObjId o, FieldId field, ObjId& d) {
  d = dict_object(o, false);
  if (d == kNoObj) return -1;
  return find_key(obj(d), TypeKind::Dict, Value::str(program_.field_strings[field]));
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
