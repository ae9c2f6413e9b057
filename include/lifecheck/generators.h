// rapidcheck generators of scenarios, for property tests over lifecheck's
// model (RC_GTEST_PROP and friends). They build a ScenarioSpec (spec.h),
// which rapidcheck shrinks statement by statement; spec.to_life() is the
// scenario text.
//
//   RC_GTEST_PROP(MyType, NeverBreaksP7_4, ()) {
//     auto spec = *lifecheck::gen::scenario();
//     auto r = lifecheck::check(lifecheck::Scenario::parse(spec.to_life()));
//     RC_ASSERT(!r.violates("P7.4"));
//   }
#pragma once

#include <rapidcheck.h>

#include "lifecheck/spec.h"

namespace lifecheck::gen {

// Bounds of what is generated. Sizes grow with rapidcheck's size up to
// these; the defaults keep most scenarios within a few thousand states.
struct GenConfig {
  int max_threads = 2;         // threads besides main
  int max_globals = 3;         // g0 ..
  int max_weakrefs = 2;        // w0 ..
  int max_classes = 2;         // Python classes
  int max_ctypes = 1;          // C types (0: none)
  int max_callbacks = 2;       // weakref callback functions
  int max_body = 6;            // statements per body
  bool broken_ctypes = false;  // C types may get a broken tp_dealloc variant
  bool finalizers = true;      // classes may have __del__, C types tp_finalize
  // The newer statements too: try/except/finally, generators (yield in
  // try/finally, next, close, death by refcount and in a cycle) and the gc
  // builtins (sys.getrefcount, gc.is_tracked, gc.freeze/unfreeze,
  // DEBUG_SAVEALL with gc.garbage). Off by default: the fuzzer's figures
  // and the older properties' draws stay as they were.
  // With it too: nested functions and closures (calls, return values,
  // nonlocal, defaults, attributes) and weakref.proxy.
  bool language = false;
  int max_generators = 2;  // q0 .. (with `language`)
  int max_functions = 2;   // h0 .. (with `language`)
  int max_proxies = 1;     // p0 .. (with `language`)
  int max_containers = 1;  // k0 .., lists (with `language`)
  // atexit.register(f, arg)/atexit.unregister(f) in module code and
  // threads, and the `shutdown modules` directive (drawn half the time).
  // Off by default, like `language`: the older draws stay as they were.
  bool exits = false;
  // while loops (IT7, IT8): a loop draining a list (with `language`, which
  // makes the lists), a `while True` left by `break`, and in threads a
  // spin-wait on a global that only another thread can end (a spin that
  // no thread ends is a run that never ends: `termination`). Off by
  // default, like `exits`.
  bool loops = false;
  // Locks (LK1-LK8): one to max_locks module globals L0.., each a
  // threading.Lock() or a threading.RLock(), and in every body (threads,
  // module code, __del__, tp_finalize, weakref callbacks) `with` blocks,
  // acquire/release pairs, acquire(False) with a branch on its result,
  // acquires and releases of their own, locked() and locks stored in
  // fields: a seventh of the statements. A finalizer or callback that
  // takes a lock its thread holds, two threads taking two locks in
  // opposite orders or a Lock taken twice are a `deadlock`; a release of
  // an unlocked Lock, or of an RLock by another thread, raises
  // RuntimeError. Off by default, like `loops`.
  bool locks = false;
  int max_locks = 2;
};

// One statement; `in_finalizer` adds the ops of finalizers and callbacks
// (`self`, raising).
// `exits` adds the atexit statements outside finalizers (GenConfig::exits).
// `loops` adds the while statements (GenConfig::loops), `locks` the lock
// statements (GenConfig::locks).
rc::Gen<Action> action(bool in_finalizer, bool language = false, bool exits = false,
                       bool loops = false, bool locks = false);
// A body of at most `max` statements.
rc::Gen<std::vector<Action>> body(int max, bool in_finalizer, bool language = false,
                                  bool exits = false, bool loops = false, bool locks = false);
rc::Gen<ClassSpec> python_class(const GenConfig& config);
rc::Gen<CTypeSpec> c_type(const GenConfig& config);
// A whole scenario: types, callbacks, module code and thread programs.
rc::Gen<ScenarioSpec> scenario(const GenConfig& config = {});

}  // namespace lifecheck::gen
