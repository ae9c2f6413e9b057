// The types of a scenario's objects as the model knows them: built-in and
// user classes, C extension types and their slot step lists (TypeInfo).
// Part of Program (model/Program.h), which includes it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/Value.h"

namespace lifecheck::model {

inline constexpr int kMaxFields = 8;  // attribute slots per object
inline constexpr int kMaxItems = 8;   // a container's item slots (a dict: 4 entries)
inline constexpr int kMaxObjects = 4000;

enum class TypeKind : uint8_t {
  PyClass,  // a class statement: heap type, GC, weakrefable, subtype_dealloc
  CType,    // a C extension type described by its slots' step lists
  Weakref,  // weakref.ref
  Method,   // a bound method object (holds its self)
  List,     // list: items[0..length)
  Tuple,    // tuple: items[0..length)
  Dict,     // dict: (key, value) pairs in items[2i], items[2i+1], insertion order
  Set,      // set: items[0..length), in insertion order (CPython: hash order)
  Deque,    // collections.deque: items[0..length), left to right
  // Exceptions (model/Exceptions.cpp, X rules): a caught exception bound by
  // `except E as e`: fields[0] its name (a Str), items[0] its traceback,
  // folded into the frame object it names (length 1).
  Exception,
  // A frame object (PyFrameObject): items[0..length) the locals it took
  // over when its frame returned, in their release order (X5).
  FrameObject,
  // A generator object (model/Generators.cpp, rules Y1-Y6): fields[0] its
  // function (Value::func), fields[1] where its frame resumes (the pc),
  // fields[2] its frame state (GenState); items[0..length) its suspended
  // frame: the locals, then the operand stack below the yielded value.
  Generator,
  // Functions as objects (model/Functions.cpp, rules FN1-FN6): a function
  // object made by a nested `def` or a `lambda`: fields[kFunctionCode] its
  // code (Value::func); items kFunctionClosure, kFunctionDict and
  // kFunctionDefaults (State.h): its closure tuple, __dict__ and defaults
  // tuple (FN2a, FN7a). A cell: items[0] its contents (length 0: empty).
  Function,
  Cell,
  // threading.local (model/ThreadLocal.cpp, rules TL1-TL6): one entry per
  // thread that has used it, as a dict's pairs: items[2i] the entry's key,
  // Value::integer(thread + kThreadLocalStamp * stamp), the order the thread
  // first used its locals; items[2i+1] that thread's dict (a Dict object).
  ThreadLocal,
  // threading.Lock / threading.RLock (model/Locks.cpp, rules LK1-LK8): no
  // items; a Lock's `length` is 1 while it is locked; an RLock's
  // resource_owner is its owner thread and `length` its count.
  Lock,
  // functools.partial (model/Partial.cpp, rules PT1-PT6): fields[kPartialFunc]
  // the callable, fields[kPartialArgs] its args tuple (an object, or the
  // empty-tuple constant); the keywords dict is not modelled (PT1).
  Partial,
};
inline constexpr int kThreadLocalStamp = 256;

inline constexpr ClassId kNoType = 0xFF;
inline constexpr FieldId kNoDictField = 0xFF;
inline constexpr uint16_t kNoAppendSite = 0xFFFF;

// One step of a C type's slot (new, tp_dealloc, tp_clear, tp_traverse), so
// that a bug is a one-line change in the scenario.
enum class SlotOp : uint8_t {
  Alloc,                     // arg 0: PyObject_GC_New / PyObject_New (not zeroed, untracked)
                             // arg 1: PyType_GenericAlloc (zeroed; tracked at once if GC)
  Init,                      // self->field = Py_NewRef(constructor argument); arg 1: NULL
  Track,                     // PyObject_GC_Track
  Untrack,                   // PyObject_GC_UnTrack
  FinalizerFromDealloc,      // PyObject_CallFinalizerFromDealloc; stop if resurrected
                             // (arg 1: its result ignored, go on)
  ClearWeakrefs,             // PyObject_ClearWeakRefs
  ClearWeakrefsNoCallbacks,  // PyUnstable_Object_ClearWeakRefsNoCallbacks
  CallClear,                 // tp_clear(self)
  TpDel,                     // the legacy tp_del(self)
  ClearField,                // Py_CLEAR(self->field)
  DecrefField,               // Py_DECREF(self->field), pointer left in place
  NullField,                 // self->field = NULL, no decref
  Free,                      // tp_free; arg 1: the wrong deallocator
  DecrefType,                // Py_DECREF(Py_TYPE(self))
  ReadType,                  // reads Py_TYPE(self)->tp_flags
  Call,                      // a call into Python code: func, or none (may switch threads);
                             // arg 1: self is passed as the argument
  StoreSelf,                 // global = Py_NewRef(self)
  ReleaseResource,           // release the instance's external resource; arg 1: if held
  SaveError,                 // PyErr_GetRaisedException into a local
  RestoreError,              // PyErr_SetRaisedException from it
  RaiseError,                // a C API call fails and sets an exception
  WriteUnraisable,           // PyErr_WriteUnraisable: report and clear
  ReleaseGil,                // Py_BEGIN_ALLOW_THREADS
  AcquireGil,                // Py_END_ALLOW_THREADS
  Visit,                     // Py_VISIT(self->field)
  VisitType,                 // Py_VISIT(Py_TYPE(self))
  VisitWeakrefs,             // (a bug) visiting the weakref list
  Incref,                    // Py_INCREF(self->field) (a side effect in tp_traverse)
  Decref,                    // Py_DECREF(self->field) (a side effect in tp_traverse)
  XDecrefField,              // Py_XDECREF(self->field), pointer left in place
  SetRefField,               // Py_SETREF / Py_XSETREF(self->field, v): arg bit 0 X, bit 1 v = None,
                             // bit 2 v = Py_NewRef(the constructor argument), in new: only
  CallFinalize,              // tp_finalize(self) called directly (no resurrection, no mark)
  BaseDealloc,               // the C base type's tp_dealloc(self)
  BaseClear,                 // the C base type's tp_clear(self)
  BaseTraverse,              // the C base type's tp_traverse(self, visit, arg)
  TrashcanBegin,             // Py_TRASHCAN_BEGIN(self, dealloc)
  TrashcanEnd,               // Py_TRASHCAN_END
  // The C API around a slot's C local `ref` and critical sections
  // (CApiFreeThreaded.cpp; with or without the GIL)
  Publish,               // global = Py_NewRef(self) from tp_new (a registry, a cache)
  CriticalSectionBegin,  // Py_BEGIN_CRITICAL_SECTION(self); arg 1: ..._SECTION2(self, self->field)
  CriticalSectionEnd,    // Py_END_CRITICAL_SECTION() / ..._SECTION2()
  WeakrefGetObject,      // ref = PyWeakref_GetObject(self->field): borrowed
  WeakrefGetRef,         // PyWeakref_GetRef(self->field, &ref): strong or NULL
  TryIncrefRef,          // PyUnstable_TryIncRef(ref): strong, or NULL if it is dying
  IncrefRef,             // Py_INCREF(ref)
  UseRef,                // uses *ref (reads its type or a field); skipped when NULL
  DropRef,               // Py_XDECREF(ref); ref = NULL
  EnableDeferredRefcount,  // PyUnstable_Object_EnableDeferredRefcount(self) (F9)
};

const char* slot_op_name(SlotOp op);

struct SlotStep {
  SlotOp op = SlotOp::Call;
  uint8_t arg = 0;
  FieldId field = 0;
  FuncId func = kNoFunc;
  uint16_t global = 0;
  uint32_t line = 0;  // 32 bits: positions past 65,535 are shown as they are
  uint32_t col = 0;
  uint16_t origin = 0;  // Program::origins: the C line it came from ("f.c:12"), 0: none
};

inline constexpr ClassId kWeakrefType = 0;
inline constexpr ClassId kMethodType = 1;
inline constexpr ClassId kListType = 2;
inline constexpr ClassId kTupleType = 3;
inline constexpr ClassId kDictType = 4;
inline constexpr ClassId kSetType = 5;
inline constexpr ClassId kDequeType = 6;
inline constexpr ClassId kExceptionType = 7;
inline constexpr ClassId kFrameType = 8;
inline constexpr ClassId kFirstUserType = 9;
// The generator type's tp_finalize (_PyGen_Finalize), C code: a FuncId no
// body has (Generators.cpp).
inline constexpr FuncId kGeneratorFinalize = 0xFC00;
inline constexpr int kMaxDictEntries = kMaxItems / 2;  // a dict's pairs share the item slots

struct TypeInfo {
  std::string name;
  TypeKind kind = TypeKind::PyClass;
  bool gc = true;           // Py_TPFLAGS_HAVE_GC
  bool heap = true;         // Py_TPFLAGS_HEAPTYPE
  bool weakrefable = true;  // tp_weaklistoffset != 0
  bool basetype = false;    // Py_TPFLAGS_BASETYPE: a class may derive from it (C types)
  // tp_finalize: __del__ (slot_tp_finalize) of a class, `def tp_finalize` of
  // a C type, or inherited from the C base.
  FuncId finalizer = kNoFunc;
  bool finalizer_is_c = false;  // a C tp_finalize: must not leave an exception
  FuncId legacy_del = kNoFunc;  // tp_del (C types only)
  std::vector<std::pair<std::string, FuncId>> methods;  // other methods
  int line = 0;
  FuncId init = kNoFunc;  // __init__ of a class (FN13: tp_init, slot_tp_init)

  // __slots__ of a class: members sorted by name (type_new), the class's
  // own first, then each base's down to the root (R1.15a); a class with
  // __slots__ has an instance dict only with '__dict__' there (R1.15b).
  std::vector<FieldId> slots;
  bool has_dict = true;
  // R1.15c: the last member, holding the instances' dict object, and the
  // dict's label; kNoDictField when the attributes are inline values.
  FieldId dict_field = kNoDictField;
  LabelId dict_label = kNoLabel;
  // The class's own `__slots__` line (emit-python): its own members are the
  // first own_slots of `slots`; slots_* when it names those two.
  bool declares_slots = false;
  uint8_t own_slots = 0;
  bool slots_dict = false, slots_weakref = false;
  // R1.15: the class this one derives from; what the class does not define
  // is copied in from it (FuncInfo::owner tells where a function is).
  ClassId py_base = kNoType;

  // C types; and for a class deriving from one (or from list or dict),
  // `base` names it (through its Python bases too: the nearest base that is
  // not a class). A C type may derive from a C type too (`ctype D(B):`).
  ClassId base = kNoType;
  std::vector<FieldId> c_fields;  // PyObject* members, the base's first, in declaration order
  bool resource = false;          // owns a resource released on its creating thread
  bool has_clear = true;          // tp_clear != NULL
  std::vector<SlotStep> new_steps, dealloc_steps, clear_steps, traverse_steps;
  // tp_init (`init:`, TI1-TI5): its steps, its own or its C base's; empty
  // when tp_init is object_init. own_init: the block has an `init:` line.
  std::vector<SlotStep> init_steps;
  bool own_init = false;

  bool has_finalizer() const { return finalizer != kNoFunc; }
  bool has_legacy_del() const { return legacy_del != kNoFunc; }
  bool is_c_field(FieldId f) const {
    for (FieldId c : c_fields)
      if (c == f) return true;
    return false;
  }
};

}  // namespace lifecheck::model
