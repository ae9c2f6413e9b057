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
  Weakref,  // weakref.ref
  Method,   // a bound method object (holds its self)
};

inline constexpr ClassId kWeakrefType = 0;
inline constexpr ClassId kMethodType = 1;
inline constexpr ClassId kFirstUserType = 2;

struct TypeInfo {
  std::string name;
  TypeKind kind = TypeKind::PyClass;
  bool gc = true;           // Py_TPFLAGS_HAVE_GC
  bool heap = true;         // Py_TPFLAGS_HEAPTYPE
  bool weakrefable = true;  // tp_weaklistoffset != 0
  FuncId finalizer = kNoFunc;  // __del__ (tp_finalize = slot_tp_finalize)
  std::vector<std::pair<std::string, FuncId>> methods;  // other methods
  int line = 0;

  bool has_finalizer() const { return finalizer != kNoFunc; }
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
  uint16_t line = 0;
  uint16_t col = 0;
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
  Join,         // slot = thread
  GcCallbacksAppend,  // a = function value
  GcCallbacksRemove,  // a = function value
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
  uint16_t line = 0;
  uint16_t col = 0;
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
  FuncId body = kNoFunc;  // main: the module setup; others: the thread body
  FuncId main_body = kNoFunc;  // main only: a "thread main:" block, if any
  int line = 0;
};

// ---------------------------------------------------------------------------
// Expectations ("expect" lines) over observable events.

enum class PatternKind : uint8_t {
  Finalize,  // tp_finalize / __del__ begins
  Callback,  // a weakref callback begins
  Clear,     // tp_clear begins
  Dealloc,   // tp_dealloc begins
  Freed,     // memory released (tp_free)
  Resurrect, // a finalizer left the object alive
  Log,       // log(...) with this exact message
  GcStart,   // a collection starts (not a reentrant no-op)
  GcStop,    // a collection ends
  Unraisable,
  Garbage,   // appended to gc.garbage
};

enum class PathFilter : uint8_t { Any, Gc, Refcount };

struct EventPattern {
  PatternKind kind = PatternKind::Finalize;
  LabelId label = kNoLabel;  // kNoLabel = any object
  PathFilter path = PathFilter::Any;
  std::string text;          // Log
};

enum class ExpectKind : uint8_t {
  Before,      // a before b: whenever b happens, a has happened
  Never,
  Once,        // exactly once by the end of the threads
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

// "verdict holds" / "verdict violates P7.5": what the suite expects.
struct Verdict {
  bool holds = true;
  std::string property;
  int line = 0;
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
  std::vector<ThreadInfo> threads;  // [0] is main
  std::vector<Expectation> expects;
  std::vector<Ignore> ignores;
  std::optional<Verdict> verdict;

  StrId str_start = 0;  // interned "start" / "stop" for gc.callbacks
  StrId str_stop = 0;

  bool ignored(const std::string& property) const {
    for (const Ignore& i : ignores)
      if (i.property == property) return true;
    return false;
  }
};

}  // namespace lifecheck::model
