// A checked scenario, lowered to what the model executes: types, function
// bodies as flat instruction lists, threads, expectations and the profile.
// Produced by lang/Compiler.cpp; read-only during exploration.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/Profile.h"
#include "model/Value.h"

namespace lifecheck::model {

inline constexpr int kMaxFields = 8;  // attribute slots per object
inline constexpr int kMaxObjects = 4000;

// ---------------------------------------------------------------------------
// Types

enum class TypeKind : uint8_t {
  PyClass,  // a class statement: heap type, GC, weakrefable, subtype_dealloc
  CType,    // a C extension type described by its slots' step lists
  Weakref,  // weakref.ref
  Method,   // a bound method object (holds its self)
  List,     // list: items in fields[0..length)
  Tuple,    // tuple: items in fields[0..length)
  Dict,     // dict: (key, value) pairs in fields[2i], fields[2i+1], insertion order
};

inline constexpr ClassId kNoType = 0xFF;

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
  SetRefField,               // Py_SETREF / Py_XSETREF(self->field, v): arg bit 0 X, bit 1 v = None
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
inline constexpr ClassId kFirstUserType = 5;
inline constexpr int kMaxDictEntries = 4;  // a dict's pairs share the 8 field slots

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

  // C types; and for a class deriving from one, `base` names it. A C type
  // may derive from a C type too (`ctype D(B):`).
  ClassId base = kNoType;
  std::vector<FieldId> c_fields;  // PyObject* members, the base's first, in declaration order
  bool resource = false;          // owns a resource released on its creating thread
  bool has_clear = true;          // tp_clear != NULL
  std::vector<SlotStep> new_steps, dealloc_steps, clear_steps, traverse_steps;

  bool has_finalizer() const { return finalizer != kNoFunc; }
  bool has_legacy_del() const { return legacy_del != kNoFunc; }
  bool is_c_field(FieldId f) const {
    for (FieldId c : c_fields)
      if (c == f) return true;
    return false;
  }
};

// ---------------------------------------------------------------------------
// Expressions: a small tree in Program::exprs, evaluated atomically.

enum class ExprOp : uint8_t {
  Const,        // value
  Local,        // slot = local index
  Global,       // slot = global index
  Attr,         // a = object expr, slot = field id
  New,          // slot = type id, label
  Deref,        // a = weakref expr: wr()
  WeakrefNew,   // a = referent expr, b = callback expr (or none), label
  BoundMethod,  // a = object expr, slot = method's function id
  IsFinalized,  // gc.is_finalized(a)
  IsTracked,    // gc.is_tracked(a)
  InfoGet,      // a = info expr, slot = 0 generation, 1 collected, 2 uncollectable
  Compare,      // a, b, slot = CompareKind
  Not,          // a
  Truth,        // a, as a condition
  ListNew,      // elements [first, first+count) in Program::log_args
  TupleNew,     // elements likewise
  DictNew,      // (key text, value expr) pairs likewise
  ItemGet,      // a = container, value = key (Int index or Str key); also gc info
};

enum class CompareKind : uint8_t { Is, IsNot, Eq, Ne };

using ExprId = uint16_t;
inline constexpr ExprId kNoExpr = 0xFFFF;

struct ExprNode {
  ExprOp op = ExprOp::Const;
  ExprId a = kNoExpr;
  ExprId b = kNoExpr;
  uint16_t slot = 0;
  LabelId label = kNoLabel;
  Value value;
  uint16_t first = 0;  // ListNew/TupleNew/DictNew: elements in Program::log_args
  uint16_t count = 0;
  uint32_t line = 0;  // 32 bits: positions past 65,535 are shown as they are
  uint32_t col = 0;
};

// ---------------------------------------------------------------------------
// Statements: one Instr per statement; `if` lowers to jumps. Each Instr
// starts at a statement boundary, where the GIL may switch threads (T1).

enum class InstrOp : uint8_t {
  StoreLocal,   // slot = local, a = value
  StoreGlobal,  // slot = global, a = value
  StoreAttr,    // a = object, b = value, slot = field
  DelLocal,     // slot
  DelGlobal,    // slot
  DelAttr,      // a = object, slot = field
  Eval,         // a = expression, result dropped
  Collect,      // slot = generation, dest = where the count goes
  Log,          // args [first, first + count) in Program::log_args
  Assert,       // a = condition, str = message
  Raise,        // str = exception name
  JumpIfFalse,  // a = condition, target
  Jump,         // target
  Pass,
  Join,               // slot = thread
  GcCallbacksAppend,  // a = function value
  GcCallbacksRemove,  // a = function value
  Construct,          // slot = C type, args [first, first+count) in log_args, dest
  GcEnable,           // gc.enable(): automatic collections may start (G2)
  GcDisable,          // gc.disable()
  StoreItem,          // a = container, b = value, key
  DelItem,            // a = container, key
};

enum class DestKind : uint8_t { None, Local, Global };

struct Instr {
  InstrOp op = InstrOp::Pass;
  ExprId a = kNoExpr;
  ExprId b = kNoExpr;
  uint16_t slot = 0;
  uint16_t target = 0;  // jump target pc
  DestKind dest = DestKind::None;
  uint16_t dest_slot = 0;
  uint16_t first = 0;  // Log args
  uint16_t count = 0;
  StrId str = 0;
  uint32_t line = 0;  // 32 bits: positions past 65,535 are shown as they are
  uint32_t col = 0;
  bool allocates = false;  // creates an object: an automatic collection may start (G1-G3)
  Value key;               // StoreItem/DelItem: Int index or Str key
};

struct LogArg {
  bool is_text = false;
  StrId text = 0;
  ExprId expr = kNoExpr;
};

enum class FuncKind : uint8_t {
  Module,     // the module-level setup, run by thread main
  Thread,     // a thread body
  Finalizer,  // __del__
  Method,     // another method of a class (weakref callback as bound method)
  Function,   // a module-level def
};

struct FuncInfo {
  std::string name;  // "Node.__del__", "on_gone", "thread T1", "<module>"
  FuncKind kind = FuncKind::Function;
  ClassId owner = 0;
  uint8_t nparams = 0;
  uint8_t nlocals = 0;
  std::vector<std::string> local_names;
  std::vector<Instr> code;
  int line = 0;
};

struct ThreadInfo {
  std::string name;
  FuncId body = kNoFunc;       // main: the module setup; others: the thread body
  FuncId main_body = kNoFunc;  // main only: a "thread main:" block, if any
  int line = 0;
};

// ---------------------------------------------------------------------------
// Expectations ("expect" lines) over observable events.

enum class PatternKind : uint8_t {
  Finalize,   // tp_finalize / __del__ begins
  Callback,   // a weakref callback begins
  Clear,      // tp_clear begins
  Dealloc,    // tp_dealloc begins
  Freed,      // memory released (tp_free)
  Resurrect,  // a finalizer left the object alive
  Log,        // log(...) with this exact message
  GcStart,    // a collection starts (not a reentrant no-op)
  GcStop,     // a collection ends
  Unraisable,
  Garbage,  // appended to gc.garbage
  TpDel,    // a legacy tp_del runs
  Release,  // an instance's external resource is released
};

enum class PathFilter : uint8_t { Any, Gc, Refcount };

struct EventPattern {
  PatternKind kind = PatternKind::Finalize;
  LabelId label = kNoLabel;  // kNoLabel = any object
  PathFilter path = PathFilter::Any;
  std::string text;  // Log
};

enum class ExpectKind : uint8_t {
  Before,  // a before b: whenever b happens, a has happened
  Never,
  Once,  // exactly once by the end of the threads
  AtMostOnce,
  Eventually,  // at least once by the end of the threads
  OnThread,    // every occurrence of a is on thread `thread`
};

struct Expectation {
  ExpectKind kind = ExpectKind::Never;
  EventPattern a;
  EventPattern b;
  ThreadId thread = 0;
  int line = 0;
  std::string text;  // the line as written, for reports
};

struct Ignore {
  std::string property;
  std::string reason;
  int line = 0;
};

// "verdict holds" / "verdict violates P7.5": what the suite expects;
// "verdict under P311 violates P7.23": the same for one profile.
struct Verdict {
  bool holds = true;
  std::string property;
  int line = 0;
  std::string profile;  // empty: the scenario's own profile
};

struct Program {
  std::string file;
  std::string source;
  uint64_t fingerprint = 0;  // of the source text, for replay tokens
  Profile profile;

  std::vector<TypeInfo> types;
  std::vector<FuncInfo> funcs;
  std::vector<ExprNode> exprs;
  std::vector<LogArg> log_args;
  std::vector<std::string> strings;
  std::vector<std::string> field_names;
  std::vector<std::string> globals;
  std::vector<std::string> labels;
  // C lines of slot steps (`# FILE:LINE` comments, as lifecheck extract
  // writes them); [0] is "", no origin.
  std::vector<std::string> origins{""};
  std::vector<ThreadInfo> threads;  // [0] is main
  std::vector<Expectation> expects;
  std::vector<Ignore> ignores;
  std::optional<Verdict> verdict;
  std::vector<Verdict> profile_verdicts;  // "verdict under PROFILE ..."

  StrId str_start = 0;  // interned "start" / "stop" for gc.callbacks
  StrId str_stop = 0;

  bool ignored(const std::string& property) const {
    for (const Ignore& i : ignores)
      if (i.property == property) return true;
    return false;
  }
};

// A slot step as the scenario language spells it ("clear data", "call f self").
std::string slot_step_text(const Program& program, const SlotStep& step);

}  // namespace lifecheck::model
