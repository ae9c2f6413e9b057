// A Python-level value as the model stores it: 32 bits, a kind tag and a
// payload. Object references are slot ids into State::objects.
#pragma once

#include <cstdint>

namespace lifecheck::model {

using ObjId = uint16_t;
inline constexpr ObjId kNoObj = 0xFFFF;
using FuncId = uint16_t;
inline constexpr FuncId kNoFunc = 0xFFFF;
using ClassId = uint8_t;
using FieldId = uint8_t;
using LabelId = uint16_t;
inline constexpr LabelId kNoLabel = 0xFFFF;
using StrId = uint16_t;
using ThreadId = uint8_t;
inline constexpr ThreadId kNoThread = 0xFF;

enum class ValueKind : uint8_t {
  Unset,  // an attribute or variable with no binding (reading it raises)
  None,
  Obj,  // strong reference to objects[payload]
  Int,
  Bool,
  Func,    // a module-level function (never freed: the module holds it)
  Str,     // an interned string (gc callback phase)
  GcInfo,  // the info dict passed to gc.callbacks: packed counts
  // C-level states of a PyObject* member of a C extension type:
  Garbage,   // never initialised (PyObject_GC_New does not zero memory)
  Stale,     // still points at objects[payload] but owns no reference
             // (after Py_DECREF without nulling)
  Dangling,  // a stale pointer whose object has been freed
  // A tuple constant (CPython folds a tuple of literals into one constant
  // of the code, shared by every evaluation; `()` is the empty-tuple
  // singleton): Program::const_tuples[payload]. Never tracked, never freed.
  ConstTuple,
};

class Value {
 public:
  constexpr Value() = default;

  static constexpr Value unset() { return Value(ValueKind::Unset, 0); }
  static constexpr Value none() { return Value(ValueKind::None, 0); }
  static constexpr Value object(ObjId id) { return Value(ValueKind::Obj, id); }
  static constexpr Value integer(int32_t v) {
    return Value(ValueKind::Int, static_cast<uint32_t>(v) & kPayloadMask);
  }
  static constexpr Value boolean(bool b) { return Value(ValueKind::Bool, b ? 1 : 0); }
  static constexpr Value func(FuncId f) { return Value(ValueKind::Func, f); }
  static constexpr Value garbage() { return Value(ValueKind::Garbage, 0); }
  static constexpr Value stale(ObjId id) { return Value(ValueKind::Stale, id); }
  static constexpr Value dangling() { return Value(ValueKind::Dangling, 0); }
  static constexpr Value str(StrId s) { return Value(ValueKind::Str, s); }
  static constexpr Value const_tuple(uint32_t id) { return Value(ValueKind::ConstTuple, id); }
  // generation (2 bits), collected (11 bits), uncollectable (11 bits)
  static constexpr Value gc_info(uint32_t generation, uint32_t collected, uint32_t uncollectable) {
    return Value(ValueKind::GcInfo,
                 (generation & 3u) | (clamp11(collected) << 2) | (clamp11(uncollectable) << 13));
  }

  constexpr ValueKind kind() const { return static_cast<ValueKind>(raw_ & 0xF); }
  constexpr uint32_t payload() const { return raw_ >> 4; }
  constexpr bool is_obj() const { return kind() == ValueKind::Obj; }
  // Obj or Stale: a pointer at a live object slot (owning or not).
  constexpr bool points_at_object() const {
    return kind() == ValueKind::Obj || kind() == ValueKind::Stale;
  }
  constexpr ObjId obj() const { return static_cast<ObjId>(payload()); }
  constexpr int32_t integer() const {
    uint32_t p = payload();
    // sign-extend the 28-bit payload
    return static_cast<int32_t>(p << 4) >> 4;
  }
  constexpr bool boolean() const { return payload() != 0; }
  constexpr FuncId func() const { return static_cast<FuncId>(payload()); }
  constexpr StrId str() const { return static_cast<StrId>(payload()); }
  constexpr uint32_t const_tuple() const { return payload(); }
  constexpr uint32_t info_generation() const { return payload() & 3u; }
  constexpr uint32_t info_collected() const { return (payload() >> 2) & 0x7FFu; }
  constexpr uint32_t info_uncollectable() const { return (payload() >> 13) & 0x7FFu; }
  constexpr uint32_t raw() const { return raw_; }
  static constexpr Value from_raw(uint32_t raw) {
    Value v;
    v.raw_ = raw;
    return v;
  }

  friend constexpr bool operator==(Value a, Value b) { return a.raw_ == b.raw_; }

 private:
  static constexpr uint32_t kPayloadMask = 0x0FFFFFFF;
  static constexpr uint32_t clamp11(uint32_t v) { return v > 0x7FF ? 0x7FF : v; }
  constexpr Value(ValueKind k, uint32_t payload)
      : raw_((payload << 4) | static_cast<uint32_t>(k)) {}
  uint32_t raw_ = 0;  // Unset
};

}  // namespace lifecheck::model
