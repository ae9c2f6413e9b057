// ScenarioSpec: a small structured description of a scenario, the form the
// generators (generators.h) produce and shrink. It always renders to a
// valid scenario: globals are bound before use, reads of objects are
// guarded by `is not None`, and bodies declare the globals they assign.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace lifecheck::gen {

// One statement of a body, from a small alphabet. `a`, `b`, `c` index
// globals g0.., weakref globals w0.., types, fields f0/f1 and callbacks
// (taken modulo what the scenario has, so any numbers are valid).
enum class Op : uint8_t {
  New,           // gA = <type B>()
  Link,          // if gA is not None: gA.fB = gC
  Unlink,        // if gA is not None: gA.fB = None
  Drop,          // gA = None
  Weakref,       // if gA is not None: wB = weakref.ref(gA[, cbC])  (C 0: no callback)
  Deref,         // if wA is not None: log("wA", wA() is None)
  Collect,       // gc.collect()
  Log,           // log("mark A")
  Resurrect,     // finalizers: keep = self            (elsewhere: keep = gA)
  SelfLink,      // finalizers: if gA is not None: gA.fB = self   (elsewhere: like Link)
  ClearSelf,     // finalizers: self.fB = None         (elsewhere: like Unlink)
  Hold,          // functions: lA = gB, a reference held by the frame (module: keep = gB)
  Release,       // functions: lA = None                (module: like Log)
  WeakrefSelf,   // finalizers: wB = weakref.ref(self[, cbC])  (elsewhere: like Weakref)
  FieldWeakref,  // if gA is not None: if gC is not None: gA.fB = weakref.ref(gC[, cb])
  Raise,         // callbacks and finalizers: raise ValueError (reported as unraisable)
  Finalize,      // if gA is not None: weakref.finalize(gA, cbC, "fC") (no callbacks: a log line)
  // The newer statements (GenConfig::language). Generators live in their
  // own globals q0.. (they have no attributes), made by gen0(x), a
  // generator function that yields x and None inside try/finally.
  TryExcept,   // try: raise ValueError / except ValueError: gB = None / finally: log
  TryFinally,  // try: gA = None / finally: gc.collect()
  GenNew,      // qA = gen0(gB)
  GenNext,     // if qA is not None: try: log(next(qA)) except StopIteration/ValueError: log
  GenClose,    // if qA is not None: try: qA.close() except ValueError: log
  GenDrop,     // qA = None (a suspended generator dies by refcount: its finally runs)
  GenLink,     // if gA is not None: gA.fB = qC (with gen0(gA): a cycle through a generator)
  Refcount,    // if gA is not None: log("refs", sys.getrefcount(gA))
  IsTracked,   // if gA is not None: log("tracked", gc.is_tracked(gA))
  Freeze,      // gc.freeze() (A even) or gc.unfreeze()
  SaveAll,     // gc.set_debug(gc.DEBUG_SAVEALL) (A even) or gc.garbage.clear()
  // Functions as objects and weakref.proxy (GenConfig::language). Functions
  // live in their own globals h0.., proxies in p0..; make(x) returns a
  // closure over x, make_swap(x) one that rebinds x (nonlocal) and returns
  // the old value.
  FuncNew,    // hA = make(gB) / make_swap(gB) / lambda x, keep=gB: log(...)  (by C)
  FuncCall,   // if hA is not None: gC = hA(gB)
  FuncDrop,   // hA = None
  FuncLink,   // if gA is not None: gA.fB = hC (a cycle when hC's closure holds gA)
  FuncAttr,   // if hA is not None: hA.fB = gC (a cycle through hA.__dict__)
  ProxyNew,   // if gA is not None: pB = weakref.proxy(gA[, cbC])
  ProxyUse,   // if pA is not None: try: log(pA.fB is None) except ReferenceError/AttributeError
  ProxyDrop,  // pA = None
  // atexit (GenConfig::exits; module code and threads only): the scenario
  // imports atexit. The exit functions are the callbacks, given a global.
  AtexitRegister,    // atexit.register(cbC, gA)  (no callbacks: a log line)
  AtexitUnregister,  // atexit.unregister(cbC)    (no callbacks: a log line)
  // Lists (GenConfig::language) live in their own globals k0.., each bound
  // to [] first: appends bounded at 4 items, pops that may find the list
  // empty, clears, cycles through a list, and iteration over one.
  ListNew,     // kA = []  (the old list dies: its items go last to first)
  ListAppend,  // if len(kB) != 4: kB.append(gA)
  ListPop,     // try: kA.pop(0) (B even) / kA.pop() except IndexError: log
  ListClear,   // kA.clear()
  ListLink,    // if gA is not None: gA.fB = kC (a cycle when kC holds gA)
  ListIter,    // for v in kA: log("item", v is None)
  // while loops (GenConfig::loops; IT7, IT8). A drain and a break end by
  // themselves; a spin ends only when another thread drops the global.
  WhileDrain,  // while len(kA) != 0: try: kA.pop() except IndexError: log
  WhileBreak,  // while True: if gA is None: break / gA = None
  WhileSpin,   // threads: while gA is not None: pass   (elsewhere: a log line)
  // Locks (GenConfig::locks) live in module globals L0.., each a
  // threading.Lock() or a threading.RLock() (ScenarioSpec::locks). A
  // block's body is the 1 + B % 2 statements after it in the same body
  // (fewer at its end; a block among them nests): a shrink that removes
  // the block leaves its statements in place.
  LockWith,     // with LA: <block>
  LockPair,     // LA.acquire() / <block> / LA.release()
  LockTry,      // if LA.acquire(False): <block> / LA.release() else: log("busy")
  LockAcquire,  // LA.acquire(), not released here (a Lock taken twice waits for ever)
  LockRelease,  // LA.release(): RuntimeError when unlocked or, for an RLock, not its owner's
                // (not in a C tp_finalize, which must not raise: a log line)
  LockLocked,   // log("locked", LA.locked())  (an RLock: a log line; RLock.locked() is 3.14's)
  LockLink,     // if gA is not None: gA.fB = LC (a lock in a field; locks have no tp_clear)
};
inline constexpr int kOpCount = 54;

struct Action {
  Op op = Op::Log;
  uint8_t a = 0;
  uint8_t b = 0;
  uint8_t c = 0;
};

// A Python class (GC, weakrefable); with a __del__ when `has_del`.
struct ClassSpec {
  bool has_del = false;
  std::vector<Action> del_body;
};

// A C extension type with fields f0 and f1: flags gc, heaptype,
// weakrefable; `dealloc` the tp_dealloc steps (empty: the recommended
// template); a tp_finalize when `has_finalize`, or with `legacy` a legacy
// tp_del instead (its objects in cycles are uncollectable).
struct CTypeSpec {
  std::vector<std::string> dealloc;
  bool has_finalize = false;
  bool legacy = false;
  std::vector<Action> finalize_body;
};

struct ScenarioSpec {
  int globals = 2;                             // g0 .. g(globals-1), all bound to None first
  int weakrefs = 1;                            // w0 .. , bound to None first
  std::vector<ClassSpec> classes;              // C0, C1, ...
  std::vector<CTypeSpec> ctypes;               // `X0`, `X1`, ... (types number after the classes)
  std::vector<std::vector<Action>> callbacks;  // def cb1(wr): ..., cb2, ...
  std::vector<Action> setup;                   // module code, on thread main
  std::vector<std::vector<Action>> threads;    // thread T1:, T2:, ...
  std::string profile;                         // a `profile` line when not empty
  std::vector<std::string> runtime_bugs;       // `runtime-bug` lines
  int generators = 0;                          // q0 .. (GenConfig::language), bound to None first
  int functions = 0;                           // h0 .. (GenConfig::language), bound to None first
  int proxies = 0;                             // p0 .. (GenConfig::language), bound to None first
  int containers = 0;                          // k0 .. (GenConfig::language), bound to [] first
  bool atexit = false;                         // `import atexit` (GenConfig::exits)
  bool shutdown = false;                       // `shutdown modules` (GenConfig::exits)
  std::vector<bool> locks;                     // L0 .. (GenConfig::locks): an RLock when true

  // The scenario text, as `lifecheck check` reads it.
  std::string to_life() const;
  // Statements in all bodies, a measure of size.
  size_t statements() const;
};

// The recommended tp_dealloc steps of a C type as generated here (with or
// without a tp_finalize), and the broken variants the generators may pick:
// one step dropped, or two steps swapped.
std::vector<std::string> recommended_dealloc(bool has_finalize, bool legacy = false);
std::vector<std::vector<std::string>> dealloc_variants(bool has_finalize, bool legacy = false);

std::ostream& operator<<(std::ostream& os, const ScenarioSpec& spec);

}  // namespace lifecheck::gen
