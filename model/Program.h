// A checked scenario, lowered to what the model executes: types, function
// bodies (as written, and as bytecode), threads, expectations and the
// profile. Produced by lang/Compiler*.cpp and model/CodeGen.cpp; read-only
// during exploration.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/Profile.h"
#include "model/TypeInfo.h"
#include "model/Value.h"

namespace lifecheck::model {

// ---------------------------------------------------------------------------
// Expressions: a small tree in Program::exprs, as written. emit-python
// prints it back; model/CodeGen.cpp lowers it to bytecode.

enum class ExprOp : uint8_t {
  Const,        // value
  Local,        // slot = local index
  Global,       // slot = global index
  Attr,         // a = object expr, slot = field id
  New,          // slot = type id, label: a class call
  Deref,        // a = weakref expr: wr()
  WeakrefNew,   // a = referent expr, b = callback expr (or none), label;
                // slot = 1: weakref.proxy (Proxies.cpp)
  BoundMethod,  // a = object expr, value = the method's name (Str), label
  IsFinalized,  // gc.is_finalized(a)
  IsTracked,    // gc.is_tracked(a)
  Compare,      // a, b, slot = CompareKind
  Not,          // a
  Truth,        // a, as a condition
  ListNew,      // args: the items
  TupleNew,     // args: the items
  DictNew,      // args: key, value, key, value, ...
  ItemGet,      // a = container, b = key expr; also a gc callback's info
  Vars,         // vars(a): a's own dict, label; slot = kVarsAttribute: a.__dict__ (DA2)
  SetNew,       // args: the items ({a, b}, or set() without any)
  DequeNew,     // collections.deque([a]): a = the items (a list or tuple) or none, label
  MethodCall,   // a = receiver, value = method name (Str), args: a container method;
                // slot = its list.append site (Program::append_sites) or kNoAppendSite
  Slice,        // a = container, args = {start or none, stop or none}: the target of del x[i:j]
  FinalizeNew,  // weakref.finalize(a, b, *args): args = {the args tuple}, label (Finalize.cpp)
  RefCount,     // sys.getrefcount(a) (GcModule.cpp)
  // Generators (model/Generators.cpp)
  GenNew,    // calling a generator function: slot = its FuncId, args, label
  GenNext,   // next(a)
  GenClose,  // a.close()
  // Functions as objects (model/Functions.cpp)
  FuncNew,    // a nested def or a lambda: slot = its FuncId, args = the cells it
              // closes over (CellLocal loads), label
  CellLocal,  // slot = a local that holds a cell (a captured or free variable)
  // Functions as objects, second part (FunctionCalls.cpp, FN8)
  Call,  // a = the callee (a function object or a module-level def), args
  // atexit (model/Atexit.cpp, rules AX1-AX4): atexit.register(a, *args),
  // args = {the args tuple}; atexit.unregister(a)
  AtexitRegister,
  AtexitUnregister,
  // Builtins on containers (model/Containers.cpp)
  Len,  // len(a); slot = its call site (Program::append_sites, State::warm)
  // Reading gc.garbage (GcModule.cpp, G16a): len(gc.garbage) (slot: its
  // call site, as Len's) and gc.garbage[b]
  GcGarbageLen,
  GcGarbageItem,
  // Method calls (model/MethodCalls.cpp, FN14-FN15): a.NAME(args), value =
  // NAME (a Str), slot = keyword names (FN12) or 0, label: the bound method
  // LOAD_ATTR makes when the method is not called through the type's function
  PyMethodCall,
  // super().NAME(args), super(C, obj).NAME(args) (model/Super.cpp, SU1-SU4):
  // a = the instance (kNoExpr: no __class__ cell, super() raises
  // RuntimeError), slot = the class the lookup starts past (kNoType with
  // it), value = NAME, label = the bound method some profiles make,
  // keywords = keyword names (FN12) or 0, site = the LOAD_SUPER_ATTR site
  // that specializes (SU2) or kNoAppendSite, depth = how many arguments
  // super() was given (0 or 2, for emit-python)
  SuperMethodCall,
  // TI4 (model/CTypeInit.cpp): `obj.__init__(args)` (slot = kNoType) or
  // `Base.__init__(self, args)` (slot = Base) reaching a C type's tp_init or
  // object_init: a = self, args = the others
  CInitCall,
  // functools.partial(a, *args) (model/Partial.cpp, PT1): args = the
  // arguments it stores, label
  PartialNew,
  // Class attributes (model/ClassAttrs.cpp, CA1-CA6): C.NAME, slot = its
  // entry in Program::class_attrs; read, it looks NAME up along C's bases
  ClassAttr,
};

// ExprNode::slot of a Vars read as `a.__dict__` (LOAD_ATTR: no check after
// it, AttributeError where vars() raises TypeError; OpCode::Vars a = 1)
inline constexpr uint16_t kVarsAttribute = 1;

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
  // New of a class with __init__ (FN13): its keyword names (FN12,
  // Program::call_keywords, or 0) and its call site (Program::append_sites:
  // a site that specializes, FN13a)
  uint16_t keywords = 0;
  uint16_t site = kNoAppendSite;
  // A loop's head (ForRange, ForIter): the operand stack depth below the
  // loop's values, which is more than the loops around it hold inside an
  // except clause (the handled exception) or a finally a return inlined
  // (its value): where the progress measure reads the counter (IT6)
  uint16_t depth = 0;
  std::vector<ExprId> args;  // ListNew/TupleNew/DictNew
  uint32_t line = 0;         // 32 bits: positions past 65,535 are shown as they are
  uint32_t col = 0;
};

// ---------------------------------------------------------------------------
// Statements: the tree of each body as written (Program::stmts), for
// emit-python and reports. `target` is an expression naming where a value
// goes: Local, Global, Attr or ItemGet.

enum class StatementKind : uint8_t {
  Expr,    // value, result dropped
  Assign,  // target = value
  Del,     // del target
  If,      // value = condition, body, orelse
  Pass,
  Log,                // args
  Assert,             // value = condition, str = message
  Raise,              // str = exception name
  Collect,            // slot = generation; target = where the count goes, or none
  Join,               // slot = thread
  GcEnable,           // gc.enable()
  GcDisable,          // gc.disable()
  GcCallbacksAppend,  // value = the function (a Const); slot = its list.append site
  GcCallbacksRemove,  // value = the function
  GcSetDebug,         // gc.set_debug(flags): slot = 1 for gc.DEBUG_SAVEALL, 0 (GcModule.cpp)
  GcGarbageClear,     // gc.garbage.clear() (GcModule.cpp)
  GcFreeze,           // gc.freeze(); slot = 1: gc.unfreeze() (GcModule.cpp)
  Construct,          // slot = C type, args, label; target or none
  For,                // for target in range(slot): body
  Try,                // try: body; handlers; else: orelse; finally: finalbody
  Reraise,            // a bare `raise` inside an except clause
  Yield,              // yield value (kNoExpr: yield None), in a generator function
  Def,                // a nested def: value = its FuncNew, target = the name it binds
  ClassDel,           // C.__del__ = f (value: the function, a Const) or del C.__del__
                      // (value kNoExpr); slot = the class (ClassDel.cpp)
  // Functions as objects, second part (FunctionCalls.cpp, FN8)
  Return,  // return value (kNoExpr: return None)
  // Iteration (model/Iteration.cpp, IT1-IT6): for target in value: body;
  // For also takes range(A, B) (range_start = A)
  ForIn,
  Break,
  Continue,
  // while value: body, else orelse (IT7, model/CodeGen.cpp)
  While,
  // with L: body (LK5, model/CodeGen.cpp): value = the subject, target = the
  // hidden local that holds it for the block (what __exit__ holds); slot
  // and str: "acquire" and "release"
  With,
};

using StatementId = uint16_t;

// One `except` clause of a Try (X3): the exception names it matches (none:
// a bare except), the local that `as NAME` binds (or kNoExpr), its body.
struct ExceptClause {
  std::vector<StrId> names;
  Value match;  // what the clause matches: None (bare), a Str, a tuple of them
  ExprId bind = kNoExpr;
  std::vector<StatementId> body;
  uint32_t line = 0;
  uint32_t col = 0;
};

struct Statement {
  StatementKind kind = StatementKind::Pass;
  ExprId target = kNoExpr;
  ExprId value = kNoExpr;
  std::vector<ExprId> args;
  uint16_t slot = 0;
  StrId str = 0;
  LabelId label = kNoLabel;
  std::vector<StatementId> body, orelse;
  std::vector<ExceptClause> handlers;  // Try
  std::vector<StatementId> finalbody;  // Try
  uint32_t line = 0;                   // 32 bits: positions past 65,535 are shown as they are
  uint32_t col = 0;
  uint16_t range_start = 0;  // For: range(A, B)'s A (slot is B); With: a label (WT1)
};

// ---------------------------------------------------------------------------
// Bytecode: what a body executes, an operand stack machine shaped after
// CPython's (model/CodeGen.cpp). A thread runs atomically from one
// eval-breaker check (Check, Join) to the next, as the GIL allows (T1, G3);
// Python code reached in between (a __del__, a callback) has its own
// checks.

enum class OpCode : uint8_t {
  Check,              // an eval-breaker check: a scheduling point; a pending
                      // automatic collection runs here first (G3)
  Enter,              // a finalizer's or callback's first step: the event
                      // the emitted script logs on its first line
  LoadConst,          // push value
  LoadLocal,          // a = slot
  LoadGlobal,         // a = slot
  LoadAttr,           // a = field: obj -> obj.field
  StoreLocal,         // a = slot: v ->
  StoreGlobal,        // a = slot: v ->
  StoreAttr,          // a = field: v, obj ->
  StoreItem,          // v, container, key ->
  DelLocal,           // a = slot
  DelGlobal,          // a = slot
  DelAttr,            // a = field: obj ->
  DelItem,            // container, key ->
  PopTop,             // v ->
  New,                // a = type, label: -> instance
  BoundMethod,        // value = method name, label: obj -> method
  WeakrefNew,         // a = 1 with a callback, label: referent[, callback] -> weakref;
                      // b = 1: weakref.proxy
  Deref,              // wr -> referent or None
  IsFinalized,        // x -> bool
  IsTracked,          // x -> bool; a = 1: sys.getrefcount(x) -> its count (b = 1: x was
                      // a local load, borrowed where the profile borrows; GcModule.cpp)
  BuildList,          // a = count, label: items -> list
  BuildTuple,         // a = count, label: items -> tuple
  BuildDict,          // a = count of pairs, label: key, value, ... -> dict
  ItemGet,            // container, key -> item; a = 1: gc.garbage[key], key -> item
  Compare,            // a = CompareKind: x, y -> bool
  Not,                // x -> bool
  Jump,               // a = target
  PopJumpIfFalse,     // a = target: x ->
  Log,                // a = count: args ->
  Assert,             // str = message: x ->
  Raise,              // str = exception name
  Collect,            // a = generation: -> count (a Collect frame pushes it)
  GcEnable,           // -> None; a = 1: gc.set_debug(b = 1 for DEBUG_SAVEALL);
                      // a = 2: gc.freeze(), a = 3: gc.unfreeze()
  GcDisable,          // -> None; a = 1: gc.garbage.clear()
  GcCallbacksAppend,  // value = function: -> None
  GcCallbacksRemove,  // value = function: -> None
  Join,               // a = thread: a scheduling point that waits for the thread
  Construct,          // a = C type, b = count, label: args -> instance
  Vars,               // label: obj -> its own dict; a = 1: read as obj.__dict__ (DA2)
  BuildSet,           // a = count, label: items -> set
  NewDeque,           // a = 1 with items, label: [items] -> deque
  CallMethod,         // a = count of arguments, value = name, b = list.append site:
                      // receiver, args -> result; str != 0: a with statement's call
                      // (LK5), whose receiver must be a lock (else it raises str)
  DelSlice,           // a = bit 1: start given, bit 2: stop given: container[, start][, stop] ->
  ForRange,           // a = exit target, b = N: next -> next+1, next; or, at N, pops and exits
  Return,             // the body ends: its locals are released
  FinalizeNew,        // label: referent, func, args tuple -> a weakref.finalize (Finalize.cpp)
  // Exceptions (X2-X6): a raise inside a range of FuncInfo::handlers jumps
  // to its handler with the exception's name pushed (a Str).
  JumpIfNoMatch,   // a = target, value = a Str or a tuple of them (none: any): exc -> exc
  BindException,   // exc -> exc, the exception object to store (ExceptionChains.cpp)
  PopExcept,       // exc -> ; b = values above it (FN8a: a return's value), which stay
  Reraise,         // exc -> raises it again
  ReraiseHandled,  // a = stack depth of the handled exception: raises it again
  // Generators (model/Generators.cpp, Y1-Y6)
  GenNew,       // a = function, b = count, label: args -> a new generator object
  GenNext,      // gen -> gen; resumes its frame on this thread (or raises)
  GenNextEnd,   // gen, value -> value once the frame yielded; raises what it raised,
                // StopIteration once it returned
  GenClose,     // gen -> gen; throws GeneratorExit into its frame (gen_close)
  GenCloseEnd,  // gen -> None; raises what the close raised
  Yield,        // value -> (the value goes to the caller; the frame is saved)
  // Functions as objects (model/Functions.cpp, FN1-FN4)
  MakeCell,      // a = local: wraps its value (or nothing) in a new cell (MAKE_CELL)
  LoadDeref,     // a = local holding a cell: -> its contents (LOAD_DEREF)
  StoreDeref,    // a = local holding a cell: v -> (STORE_DEREF)
  DelDeref,      // a = local holding a cell (DELETE_DEREF)
  MakeFunction,  // a = function, b = count, label: [defaults tuple] [closure tuple] -> function
  SetClassDel,   // a = class, b = function or kNoFunc: C.__del__ = f / del C.__del__

  // Functions as objects, second part (FunctionCalls.cpp, FN7-FN10)
  CallFunction,  // a = count of arguments: callee, args -> result; runs again once the
                 // callee's frame has returned (kFinalizeReturned) to take its result
  ReturnValue,   // value -> ; the frame ends (its result goes to a direct caller)
  // atexit (model/Atexit.cpp, AX1-AX2): AtexitRegister: func, args tuple
  // -> func; AtexitUnregister: func -> None
  AtexitRegister,
  AtexitUnregister,
  // Builtins on containers (model/Containers.cpp): x -> its length;
  // b = its call site (State::warm), specialized (CALL_LEN) once it has run;
  // a = 1: len(gc.garbage), nothing -> its length
  Len,
  // FN13: CALL of a class with __init__: a = the class, b = the count of
  // arguments, label: args -> the instance, below the __init__ frame; runs
  // again once that frame has returned (kFinalizeReturned)
  NewInit,
  // Iteration (model/Iteration.cpp, IT1-IT6). An iterator is three stack
  // slots: the iterated value (the reference the iterator holds), the size
  // it must keep (Int, dicts/sets/deques; -1 otherwise), the count of
  // next() calls so far (Int).
  GetIter,     // x -> iterator (3 slots); TypeError if x is not iterable
  ForIter,     // a = exit target, b = most next() calls: iterator -> iterator, item
               // (then skips ForIterEnd), or resumes a generator's frame, or pops and exits
  ForIterEnd,  // a = exit target: a generator's frame stopped: iterator, item -> the same;
               // at its return pops and exits; raises what it raised
  PopLoop,     // a = exit target, b = slots: break: pops the loop's iterator and exits
  // FN8a: a = count, b = values above them: pops the `a` values below the
  // top `b` and releases them (a loop's iterator or a pending return value
  // that a return leaves: [SWAP 2,] POP_TOP)
  PopUnder,
  // Method calls (model/MethodCalls.cpp, FN14-FN15). LoadMethod: value =
  // the name, a = the instance attribute of that name (kNoMethodField: no
  // attribute has it), label (a bound method it makes): obj -> function,
  // self (the type's function), or -> value, Unset (anything else: called
  // without self). CallPyMethod: a = count of arguments, b = keyword names
  // (FN12): function, self or Unset, args -> result; runs again once the
  // callee's frame has returned (kFinalizeReturned), as CallFunction
  LoadMethod,
  CallPyMethod,
  // super() (model/Super.cpp, SU1-SU4). SuperNew: the call of `super`
  // (3.11; any profile where no __class__ cell exists, a = kNoType): a =
  // the class, label = the super object's: obj -> super object.
  // LoadSuperMethod: a = the class, b = its site (State::warm, SU2) or
  // kNoAppendSite, value = NAME, label = a bound method's: obj or super
  // object -> function, self (as LoadMethod) or -> bound method, Unset;
  // then CallPyMethod
  SuperNew,
  LoadSuperMethod,
  // while loops (IT7, model/While.cpp): marks the loop's first op (a no-op);
  // a = the first op past its backward jump (its else, or what follows).
  // The backward jumps' checks are Checks with b = kWhileBackCheck.
  WhileLoop,
  // with on a user context manager (model/With.cpp, WT1-WT6). WithEnter:
  // a = the hidden local: mgr -> [the bound __enter__,] function, self
  // (3.11-3.13: the local gets the bound __exit__, the bound __enter__
  // stays below the call; 3.14: the local gets mgr); TypeError without
  // __enter__ or __exit__. WithExceptArgs: under the callee and self, the
  // handled exception: pushes the three arguments of __exit__.
  WithEnter,
  WithExceptArgs,
  // functools.partial (model/Partial.cpp, PT1): a = count of stored
  // arguments, label: func, args -> the partial
  PartialNew,
  // LK5a (CodeGenWith.cpp): a user with whose subject is a lock runs LK5's
  // code. a = target, b = the hidden local, or kWithSubjectOnStack: the
  // subject on top of the stack (not popped). Jumps if it holds a lock.
  JumpIfLock,
  // SU5 (Super.cpp): the CALL of object.__init__ found through super(): a =
  // count of arguments, b = keyword names: callee, self or Unset, args ->
  // None; TypeError with any argument (object_init's excess_args)
  CallObjectInit,
  // Class attributes (model/ClassAttrs.cpp, CA2): a = the entry of
  // Program::class_attrs: -> the value NAME has in C's dict or the nearest
  // base's that has it; AttributeError without one. (Stores are
  // StoreGlobal; deletes DelGlobal with b = 1: AttributeError if unset.
  // LoadAttr b = 1: some class has an attribute of that name, CA3.)
  LoadClassAttr,
};
inline constexpr uint16_t kWithSubjectOnStack = 0xFFFF;
inline constexpr uint16_t kWhileBackCheck = 1;
inline constexpr uint16_t kNoMethodField = 0xFFFF;  // LoadMethod, BoundMethod: op.a

// An exception table entry (CPython's co_exceptiontable): a raise at a pc in
// [start, end) goes to `target` with the operand stack cut to `depth`.
// Innermost entries come first.
struct ExceptionHandler {
  uint16_t start = 0;
  uint16_t end = 0;
  uint16_t target = 0;
  uint16_t depth = 0;
};

struct Op {
  OpCode code = OpCode::Return;
  uint16_t a = 0;
  uint16_t b = 0;
  LabelId label = kNoLabel;
  StrId str = 0;
  Value value;
  // NewInit: keyword names (FN12) and the specializing call site (FN13a)
  uint16_t keywords = 0;
  uint16_t site = kNoAppendSite;
  // A loop's head (ForRange, ForIter): the operand stack depth below the
  // loop's values, which is more than the loops around it hold inside an
  // except clause (the handled exception) or a finally a return inlined
  // (its value): where the progress measure reads the counter (IT6)
  uint16_t depth = 0;
  uint32_t line = 0;  // 32 bits: positions past 65,535 are shown as they are
  uint32_t col = 0;
  // The first op of a statement. (Without a GIL threads switch before ops
  // on shared state, F14: model/SwitchPoints.cpp, not at statements.)
  bool stmt_start = false;
};

// The call site an op warms up (State::warm): a class call's (FN13a,
// Op::site), a list.append's, a len()'s or a gc.callbacks.append's (T1a,
// Op::b), a LOAD_SUPER_ATTR's (SU2, Op::b); kNoAppendSite for every other
// op.
inline uint16_t warm_site(const Op& op) {
  switch (op.code) {
    case OpCode::NewInit:
      return op.site;
    case OpCode::LoadSuperMethod:
    case OpCode::CallMethod:
    case OpCode::Len:
    case OpCode::GcCallbacksAppend:
      return op.b;
    default:
      return kNoAppendSite;
  }
}

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
  std::vector<StatementId> body;  // the statements as written (Program::stmts)
  std::vector<Op> code;           // the bytecode
  std::vector<ExceptionHandler> handlers;
  // A hidden local holding the body's frame object once an `except ... as`
  // made one (X4), or kNoFrameSlot.
  uint8_t frame_slot = 0xFF;
  bool generator = false;  // a def whose body yields: calling it makes a generator (Y1)
  // assigned to some class's __del__ (ClassDel.cpp): its first line reports "del"
  bool runtime_del = false;
  int line = 0;
  // Functions as objects (model/Functions.cpp): the body a nested def or
  // lambda is written in (kNoFunc: a top-level body), whether it is a
  // lambda, its cell variables (locals other bodies capture: a MakeCell at
  // entry) and its free variables: the locals where a call copies its
  // closure cells, in closure order (COPY_FREE_VARS).
  FuncId parent = kNoFunc;
  bool lambda = false;
  std::vector<uint8_t> cell_slots;
  std::vector<uint8_t> free_slots;
  // FN7: how many of the last parameters have a default (a nested def or
  // a lambda: the function object holds the values).
  uint8_t ndefaults = 0;
  // FN11: a module-level def the module code makes as a function object
  // (its name is deleted, rebound or given attributes somewhere).
  bool module_object = false;
};
inline constexpr uint8_t kNoFrameSlot = 0xFF;

// What a function's code may do, its callees and the finalizers and
// callbacks its decrefs may run included (model/ProgramSummary.cpp).
struct FuncSummary {
  bool may_collect = false;      // gc.collect(), gc.enable()
  bool touches_globals = false;  // loads, stores or deletes a global
  bool may_allocate = false;     // makes an object

  FuncSummary& operator|=(const FuncSummary& o) {
    may_collect = may_collect || o.may_collect;
    touches_globals = touches_globals || o.touches_globals;
    may_allocate = may_allocate || o.may_allocate;
    return *this;
  }
};

// Whole-program facts the persistent sets need (model/ProgramSummary.cpp).
struct ProgramFlags {
  bool may_enable_gc = false;         // some code calls gc.enable()
  bool sets_class_del = false;        // some code sets or deletes a class's __del__
  bool quiet_helpers = false;         // every function but the bodies is quiet (Walk::Quiet)
  bool has_gc_introspection = false;  // gc settings, gc.garbage, gc.callbacks, is_tracked,
                                      // sys.getrefcount
  // Some code may make a set (a set display or set(), a weak container,
  // whose _iterating is one): otherwise no thread ever
  // stops to choose a set member (C1) and the scheduler need not ask.
  // True until summarize_program knows better.
  bool may_make_set = true;
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
  int col = 0;
  std::string text;            // the line as written, for reports
  std::string a_text, b_text;  // the event patterns as written (warnings)
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

// A class attribute (CA1): the entry NAME of class C's dict, kept in a
// hidden global of the program (Unset while C's dict has no NAME).
struct ClassAttr {
  ClassId cls = kNoType;
  FieldId field = 0;      // NAME as an attribute name (Program::field_names)
  uint16_t global = 0;    // the hidden global holding the value
  ExprId init = kNoExpr;  // the class body's `NAME = EXPR`, or kNoExpr
};

struct Program {
  std::string file;
  std::string source;
  uint64_t fingerprint = 0;  // of the source text, for replay tokens
  Profile profile;

  std::vector<TypeInfo> types;
  std::vector<FuncInfo> funcs;
  std::vector<ExprNode> exprs;
  std::vector<Statement> stmts;
  std::vector<std::string> strings;
  std::vector<std::string> field_names;
  std::vector<StrId> field_strings;  // field_names[i] interned, for vars()
  std::vector<std::string> globals;
  std::vector<std::string> labels;
  std::vector<std::vector<Value>> const_tuples;  // Value::const_tuple
  // C lines of slot steps (`# FILE:LINE` comments, as lifecheck extract
  // writes them); [0] is "", no origin.
  std::vector<std::string> origins{""};
  std::vector<ThreadInfo> threads;  // [0] is main
  std::vector<Expectation> expects;
  std::vector<Ignore> ignores;
  std::optional<Verdict> verdict;
  std::vector<Verdict> profile_verdicts;  // "verdict under PROFILE ..."

  uint16_t append_sites = 0;  // call sites that specialize without a check: list.append
                              // (OpCode::CallMethod b) and len (OpCode::Len b); State::warm

  // weakref.finalize (model/Finalize.cpp), when the scenario uses it: its
  // class, the hidden global holding weakref.finalize._registry, and the
  // labels of the registry and of its _Info entries.
  ClassId finalize_type = kNoType;
  uint16_t finalize_registry = 0xFFFF;
  LabelId finalize_registry_label = kNoLabel;
  LabelId finalize_info_label = kNoLabel;

  // sys.getrefcount (model/GcModule.cpp), when the scenario uses it: the
  // profile's immortal count as its digits, "(mortal)" for a shared
  // constant whose count depends on the whole interpreter, "(not modelled)"
  // for functions and gc callback info dicts.
  StrId str_immortal_refcount = 0;
  StrId str_mortal_refcount = 0;
  StrId str_unmodelled_refcount = 0;
  // The generator type (model/Generators.cpp), when a scenario defines a
  // generator function.
  ClassId generator_type = kNoType;
  // super() (model/Super.cpp), when a scenario calls it: the super type (a
  // GC type holding the instance, as a bound method holds its self) and the
  // label of its objects.
  ClassId super_type = kNoType;
  LabelId super_label = kNoLabel;
  // SU5: what super_getattro makes of object.__init__ (a wrapper
  // descriptor): a method-wrapper holding the instance
  ClassId method_wrapper_type = kNoType;
  // Functions as objects (model/Functions.cpp), when a scenario has a
  // nested def or a lambda: the function and cell types; types.ModuleType,
  // when it makes a module object.
  ClassId function_type = kNoType;
  ClassId cell_type = kNoType;
  ClassId module_type = kNoType;
  // weakref.ProxyType (model/Proxies.cpp), when a scenario calls
  // weakref.proxy: a weakref kind of its own (TypeKind::Weakref).
  ClassId proxy_type = kNoType;
  // weakref.WeakValueDictionary, WeakKeyDictionary and WeakSet (model/WeakContainers.cpp,
  // rules WC1-WC9), when a scenario makes one: their classes (instances
  // keep their four attributes as the items of a class deriving from list,
  // see there), weakref.KeyedRef, the `remove` functions their __init__
  // makes, and the labels of the objects inside them.
  ClassId weak_value_dict_type = kNoType;
  ClassId weak_set_type = kNoType;
  ClassId weak_key_dict_type = kNoType;
  ClassId keyed_ref_type = kNoType;
  ClassId weak_remove_type = kNoType;
  LabelId weak_data_label = kNoLabel;       // .data
  LabelId weak_remove_label = kNoLabel;     // ._remove and its __defaults__ tuple
  LabelId weak_pending_label = kNoLabel;    // ._pending_removals
  LabelId weak_iterating_label = kNoLabel;  // ._iterating
  // weakref.WeakMethod (model/WeakMethod.cpp, rules WM1-WM8), when a
  // scenario makes one: its class (a weakref.ref subclass) and the type of
  // the `_cb` function its __new__ makes.
  ClassId weak_method_type = kNoType;
  ClassId weak_method_cb_type = kNoType;
  LabelId weak_method_cb_label = kNoLabel;        // _cb, its closure tuple, self_wr
  LabelId weak_method_func_ref_label = kNoLabel;  // ._func_ref
  // functools.partial (model/Partial.cpp), when a scenario calls it.
  ClassId partial_type = kNoType;
  LabelId partial_args_label = kNoLabel;      // its args tuples
  LabelId partial_keywords_label = kNoLabel;  // its (empty) keywords dicts
  // Some statement sets or deletes a class's __del__ (ClassDel.cpp).
  bool runtime_del = false;
  // Set by generate_code, for the sleep-set rules (Footprint.cpp): some
  // function has a `while` loop (IT8), some calls sys.getrefcount.
  bool has_while_loop = false;
  bool has_refcount_query = false;
  // Set by generate_code (model/ProgramSummary.cpp), for the persistent
  // sets (model/Independence.cpp).
  ProgramFlags flags;
  std::vector<FuncSummary> summaries;  // per function, from its start
  FuncSummary helper_summary;          // what code off the thread bodies may do
  // per function, per pc: bit m set when walk_code(func, pc, Walk(m))
  // holds (code_walks); empty for functions too long to tabulate
  std::vector<std::vector<uint8_t>> walks;
  // _thread._local (model/ThreadLocal.cpp), when a scenario calls
  // threading.local(); its per-thread dicts are labelled ldict_label[label
  // of the local] ("tl.__dict__").
  ClassId thread_local_type = kNoType;
  std::vector<LabelId> ldict_label;
  // _thread.lock and _thread.RLock (model/Locks.cpp), when a scenario calls
  // threading.Lock() or threading.RLock(); the method name an acquire call
  // has (OpCode::CallMethod's value).
  ClassId lock_type = kNoType;
  ClassId rlock_type = kNoType;
  StrId str_acquire = 0;
  StrId str_release = 0;     // LK5a: a user with's lock path
  StrId str_type_error = 0;  // what `with` on a subject that is no lock raises
  bool uses_locks() const { return lock_type != kNoType || rlock_type != kNoType; }

  // atexit (model/Atexit.cpp), when the scenario imports it: the hidden
  // global holding the registered functions (a list of (func, args)
  // pairs, oldest first), its label, and the Str standing for
  // weakref.finalize._exitfunc in it.
  uint16_t atexit_list = 0xFFFF;
  LabelId atexit_list_label = kNoLabel;
  StrId str_finalize_exitfunc = 0;
  bool uses_atexit() const { return atexit_list != 0xFFFF; }
  // gc.callbacks holding function objects (model/GcModule.cpp, G6a): when
  // a scenario appends anything but a module-level def's name, every
  // append and remove goes to this hidden global, a list made at the first
  // append; the collector calls what it holds.
  uint16_t gc_callbacks_list = 0xFFFF;
  LabelId gc_callbacks_list_label = kNoLabel;
  bool gc_callbacks_objects() const { return gc_callbacks_list != 0xFFFF; }
  // FN12: the keyword names of calls with keyword arguments (the names of
  // their last arguments); a CallFunction's b is 1 + its index here, 0 for
  // a call without keywords.
  std::vector<std::vector<StrId>> call_keywords;
  // `shutdown modules` (model/Shutdown.cpp, rules SD1-SD5): the run goes on
  // past the final collection through finalize_modules; the type of the
  // __main__ module's dict, made when __main__ leaves sys.modules.
  bool shutdown_modules = false;
  ClassId module_dict_type = kNoType;
  LabelId module_dict_label = kNoLabel;
  // R1.15d: the member id under which an instance keeps the dict vars()
  // made of its inline values (set when the scenario calls vars());
  // kNoDictField otherwise.
  FieldId instance_dict_field = kNoDictField;
  // DA3: the field id of the attribute name __weakref__ when a scenario
  // uses it (kNoDictField otherwise): on a type with the read-only
  // descriptor a read gives the head of the weakref list, a store or delete
  // raises AttributeError; elsewhere it is a plain attribute name.
  FieldId weakref_attr_field = kNoDictField;
  // Class attributes (CA1-CA6, model/ClassAttrs.cpp): every (class, name)
  // a scenario assigns, deletes or reads through the class.
  std::vector<ClassAttr> class_attrs;
  // Some class has an attribute of this name (an instance's lookup falls
  // back to it, CA3).
  bool class_attr_field(FieldId f) const {
    for (const ClassAttr& a : class_attrs)
      if (a.field == f) return true;
    return false;
  }
  // The class attribute a hidden global holds, or nullptr.
  const ClassAttr* class_attr_of_global(size_t g) const {
    for (const ClassAttr& a : class_attrs)
      if (a.global == g) return &a;
    return nullptr;
  }

  StrId str_start = 0;  // interned "start" / "stop" for gc.callbacks
  StrId str_stop = 0;

  // A plain value as Python spells it: None, 3, True, 'text' (quoted with
  // `quote`), a tuple constant.
  std::string constant_text(Value v, bool quote) const;

  // A class deriving from a C type (not from list or dict): its instances
  // have that type's fields and slots.
  bool derives_from_c_type(const TypeInfo& t) const {
    return t.kind == TypeKind::PyClass && t.base != kNoType &&
           types[t.base].kind == TypeKind::CType;
  }

  // A function the module code makes (a def or lambda written in it, or a
  // module-level def made as an object, FN11): CPython compiles its code
  // without CO_NESTED, which decides deferred counting (F9a).
  bool made_by_module_code(FuncId f) const {
    const FuncInfo& fi = funcs[f];
    return fi.module_object || (fi.parent != kNoFunc && funcs[fi.parent].kind == FuncKind::Module);
  }

  bool ignored(const std::string& property) const {
    for (const Ignore& i : ignores)
      if (i.property == property) return true;
    return false;
  }
};

// A slot step as the scenario language spells it ("clear data", "call f self").
std::string slot_step_text(const Program& program, const SlotStep& step);

}  // namespace lifecheck::model
