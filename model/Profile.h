// Version profiles (SEMANTICS.md §0.2) and test-only runtime mutations.
// Every behaviour that differs between CPython releases is one field of
// Profile, read in one place; the runtime never asks "which version".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lifecheck::model {

enum class ProfileId : uint8_t { P311, P312, P313, P313L, P314i, P314i4, P314g, P313t, P314t };

enum class GcAlgorithm : uint8_t {
  Generational,  // G7: gen0/gen1/gen2 (P311-P313L, P314g)
  Incremental,   // G-I1..G-I7: young + two old spaces (P314i, P314i4)
  FreeThreaded,  // F-G1..F-G4: whole heap, stop-the-world phases, worklists (P313t, P314t)
};

// How reference counts are kept (SEMANTICS.md §4.2).
enum class Refcounting : uint8_t {
  Single,  // one ob_refcnt, guarded by the GIL (R1.1)
  Biased,  // F1-F8: owner thread, local and shared counts, merge queues
};

// Where an automatic collection may start (G3).
enum class AutoGcPoint : uint8_t {
  InsideAllocation,            // P311: synchronously inside the allocating call
  EvalBreakerAnyThread,        // P312: interpreter-wide flag, first thread to check
  EvalBreakerAllocatingThread  // P313+: the allocating thread's next check
};

// How deep chains are destroyed (SEMANTICS.md §5).
enum class Trashcan : uint8_t {
  NestingCounter,  // TC1 (3.11, 3.12): deposit at 50 nested deallocs, drain at 0
  DeepOnly,        // TC2/TC3 (3.13+): keyed on the C stack; only near exhaustion,
                   // far deeper than any modelled chain, so never at model scale
};

// What touching the instance dict of an object that tp_clear has cleared
// does: reachable from Python code through a weakref that survived into
// tp_clear (gh-91636, before the second weakref pass).
enum class ClearedDict : uint8_t {
  Crash,            // 3.11: vars() builds a dict over the cleared inline values: a crash
  CrashAfterStore,  // 3.12: the same after a store into the cleared object
  Zombie,           // 3.13: a zombie with an empty dict; later stores show in it
};

// FN13a: which class calls CPython specializes (CALL_ALLOC_AND_ENTER_INIT)
// once their site has run: the arguments then move into __init__'s frame
// and no eval-breaker check follows the call.
enum class InitCallSpecializes : uint8_t {
  Never,         // 3.11, 3.12 (no such instruction), 3.13t (no specialization)
  InlineValues,  // 3.13: a class whose instances keep inline values (no
                 // __slots__, or __slots__ naming only __dict__, __weakref__)
  Always,        // 3.14, 3.14t: any class deriving from object (inferred)
};

// SU1-SU3: what `super().m(args)` (and `super(C, obj).m(args)`) runs.
enum class SuperCall : uint8_t {
  SuperObject,    // 3.11: a call of `super` makes a super object (a CALL, then
                  // its check); LOAD_METHOD on it binds a method object
  LoadSuperAttr,  // 3.12+: LOAD_SUPER_ATTR; its first run is the generic one
                  // (a super object, a bound method), later runs are
                  // LOAD_SUPER_ATTR_METHOD (function and self, nothing made)
  Unspecialized,  // 3.13t: LOAD_SUPER_ATTR, always the generic run
};

// Runtime mutations: deliberately broken collectors and deallocators, used
// to show that each built-in property can fail. Each names the property it
// is meant to break and SEMANTICS.md's "rt:" counterexample it models.
enum class RuntimeBug : uint8_t {
  FinalizeWithoutIncref,        // P7.1: finalize_garbage without Py_INCREF
  ClearWithoutIncref,           // P7.2: delete_garbage without Py_INCREF
  FinalizeAndClearInterleaved,  // P7.3: finalize(a), clear(a), finalize(b)
  NoFinalizedMark,              // P7.4: the finalized bit is never set
  UntrackClearsFinalized,       // P7.5: _PyObject_GC_UNTRACK wipes _gc_prev
  GcIgnoresFrameRefs,           // P7.6: update_refs forgets frame references
  OverlappingGcFinalizers,      // P7.7: finalizers of one isolate overlap
  ClearSurvivorsAgain,          // P7.8: delete_garbage retries a survivor
  DeallocLeavesTracked,         // P7.9: subtype_dealloc skips the final untrack
  ResurrectionContinues,        // P7.18: dealloc goes on after resurrection
  CallbacksWhileClearing,       // P7.19: callbacks run before all refs cleared
  CallbacksOldestFirst,         // P7.20: new callback refs appended at the tail
  CallbackErrorStops,           // P7.21: ClearWeakRefs stops at a failing callback
  TrashWeakrefCallbacks,        // P7.22: callbacks of weakrefs in the garbage run
  NoSecondWeakrefPass,          // P7.23/P7.29: pre-gh-91636 behaviour
  StopCallbacksEarly,           // P7.25: "stop" before delete_garbage
  SkipTpClear,                  // quiescence: delete_garbage never clears
  FinalizeLegacyGarbage,        // P7.26: what a tp_del object reaches stays garbage
  // free-threaded runtime mutations (P313t, P314t)
  MergeKeepsQueueReference,  // quiescence: the owner's merge forgets the queue's reference (F6)
  FreeGarbageMidCollection,  // P7.2: the FT worklist holds no reference (F-G3)
  DeallocOnDroppingThread,   // memory-safety: a non-owner deallocates at shared count 0 (F4)
  StwDuringCCode,            // P7.9: the world stops while a thread runs C code (F12)
  Count
};

struct RuntimeBugInfo {
  RuntimeBug bug;
  const char* name;
  const char* breaks;  // property id
  const char* summary;
  // The profile whose runtime it mutates when none is given (the
  // free-threaded mutations change code only those profiles run).
  const char* profile = nullptr;
};

const std::vector<RuntimeBugInfo>& runtime_bugs();
std::optional<RuntimeBug> find_runtime_bug(const std::string& name);
const RuntimeBugInfo& runtime_bug_info(RuntimeBug bug);

struct Profile {
  ProfileId id = ProfileId::P314g;
  const char* name = "P314g";
  const char* releases = "3.14.5+";
  const char* summary = "";

  // G12/G15: 1 = weakrefs cleared once, before finalizers; 2 = plus a pass
  // without callbacks after resurrection (gh-91636, 3.13.13+, 3.14.4+).
  int weakref_passes = 2;
  GcAlgorithm gc_algorithm = GcAlgorithm::Generational;
  AutoGcPoint auto_gc_point = AutoGcPoint::EvalBreakerAllocatingThread;
  int threshold0 = 2000;  // G2
  Trashcan trashcan = Trashcan::DeepOnly;
  // _PyFrame_ClearLocals: 3.11-3.13 release a returning frame's locals first
  // to last (the stacktop loop); 3.14 walks the stack pointer down, last to
  // first.
  bool locals_last_to_first = true;
  // X7: 3.14 reports an exception escaping __del__, a weakref callback or a
  // gc callback with PyErr_FormatUnraisable("Exception ignored while
  // calling ... %R"), object None; earlier releases with
  // PyErr_WriteUnraisable(callable).
  bool unraisable_names_call = true;
  // Up to 3.13 a dict holding no GC object is not tracked, and full
  // collections untrack such dicts (untrack_dicts); 3.14 dropped this
  // (GH-127010).
  bool lazy_dict_tracking = false;
  // 3.14 untracks a tuple of atomic values as soon as it is built; earlier
  // releases leave that to the next collection's untrack_tuples (G10).
  bool atomic_tuples_untracked_at_creation = true;
  ClearedDict cleared_dict = ClearedDict::Zombie;
  // 3.12+ specializes a list.append call site on its second run, and
  // CALL_LIST_APPEND has no eval-breaker check; 3.11 quickens code only
  // after 8 runs of its code object, modelled here as never.
  bool list_append_specializes = true;
  // LK5: 3.14 compiles `with` to LOAD_SPECIAL and CALL (a check after
  // __enter__ returns); 3.11-3.13's BEFORE_WITH calls it with no check.
  bool with_enter_checks = true;
  // WT1: 3.11-3.13's BEFORE_WITH binds __enter__ and __exit__ (method
  // objects; the bound __exit__ stays on the stack for the block); 3.14's
  // LOAD_SPECIAL pushes the function and the object, no method object.
  bool with_binds_methods = false;
  InitCallSpecializes init_call_specializes = InitCallSpecializes::Always;
  // R1.15c: from 3.13 on, instances of a class with a dict and __slots__
  // members (at any level) have no inline values (Py_TPFLAGS_INLINE_VALUES
  // needs a bare object layout): their dict is a dict object of its own,
  // made by the first attribute store. 3.11 and 3.12 keep every managed
  // dict's values beside the object.
  bool slotted_dict_is_object = true;
  // R1.15d: vars(x) of an instance whose attributes are inline values makes
  // a dict that the instance keeps. 3.11, 3.12, 3.13.13+ and 3.14.4+
  // (gh-130327): subtype_traverse visits that dict, and the dict its
  // values. 3.13.0-3.13.12 and 3.14.0-3.14.3 (true here): while the dict
  // points at the instance's inline values, subtype_traverse visits the
  // values and not the dict, dict_traverse visits nothing, and a store
  // through the instance does not retrack the dict.
  bool vars_dict_shares_inline_values = false;
  // Y4: gen_close on a just-created generator releases its frame's locals
  // (3.11 by throwing into it; 3.13.15 observed, 3.14 assumed: by
  // gen_clear_frame); 3.12.1 and 3.13.0 only mark it completed, and the
  // locals live until gen_dealloc.
  bool gen_close_clears_created = true;
  // TL3: the order a finishing thread's threading.local dicts are released
  // in (PyThreadState_Clear). 3.11-3.12: Py_CLEAR(tstate->dict) frees one
  // localdummy per local in the order the thread first used them; 3.13+
  // (and 3.13t/3.14t): Py_CLEAR(threading_local_sentinel) calls the
  // sentinel's weakref callbacks (clear_locals), newest first.
  bool thread_locals_newest_first = true;

  // sys.getrefcount (model/GcModule.cpp, rules RC1-RC3). What an immortal
  // object's count reads as (Py_REFCNT of an immortal object): none before
  // 3.12 (PEP 683); _Py_IMMORTAL_REFCNT = UINT_MAX in 3.12-3.13 and 3.13t;
  // _Py_IMMORTAL_INITIAL_REFCNT = 3 << 30 in 3.14 (Include/refcount.h).
  uint64_t immortal_refcount = 3221225472ull;
  // 3.12 and the free-threaded build make every interned string immortal
  // (all-name-character string constants); 3.13 interns them mortal again
  // (observed on 3.13.0, 3.13.15 and 3.13.15t).
  bool interned_strings_immortal = false;
  // The free-threaded build makes the int and tuple constants of code
  // objects immortal (_PyCode_New's intern_constants; observed on
  // 3.13.15t: 1000, ('a',); a string of other characters stays mortal).
  bool code_constants_immortal = false;
  // 3.14's compiler loads a local whose reference the next instruction
  // consumes with LOAD_FAST_BORROW (Python/flowgraph.c optimize_load_fast):
  // the argument of sys.getrefcount(x) then owns no reference.
  bool borrowed_local_loads = true;

  // The free-threaded build (§4.2, §4.3).
  Refcounting refcounting = Refcounting::Single;  // F1-F8
  // T1-T4. Without it (F12's model of threads): other threads run between
  // any two steps of a C slot, not only at `call` and `release_gil`, and
  // two threads touching one C field outside a critical section race
  // (the data-race property).
  bool gil = true;
  // F9: PyUnstable_Object_EnableDeferredRefcount exists and marks the
  // object (3.14t); elsewhere it is a no-op returning 0.
  bool deferred_refcount_api = false;
  // F9a: what the runtime itself gives a deferred count when it makes it
  // (_PyObject_SetDeferredRefcount, free-threaded build only): module
  // objects (moduleobject.c track_module) and function objects whose code
  // is not CO_NESTED, i.e. a def or lambda of the module code
  // (funcobject.c _PyFunction_FromConstructor). Dropping their last
  // reference frees nothing; the next collection does.
  bool deferred_modules = false;
  bool deferred_module_level_functions = false;
  // F9b (3.13t only, gh-117783): creating the first non-main thread state
  // (new_threadstate) runs _PyGC_ImmortalizeDeferredObjects, which makes
  // every tracked deferred object immortal, and from then on
  // _PyObject_SetDeferredRefcount makes new ones immortal at once. 3.14
  // removed this (gh-125900): deferred objects stay collectable.
  bool immortalize_deferred_on_new_thread = false;
  // F6, T1: main runs Python code between starting the threads (or the end
  // of its body) and blocking in join (Thread.start returning,
  // threading._shutdown / Thread.join entered: RESUME checks the eval
  // breaker), so it may merge its own queue there while the others run.
  // With the GIL that check is only a GIL hand-off the statement boundary
  // already gives; without it, a merge (MainStage::PreJoin).
  bool main_checks_before_join = false;
  // Y7: gen_send_ex2 reads gi_frame_state (the "already executing" check)
  // and later stores FRAME_EXECUTING with plain accesses and no critical
  // section (Objects/genobject.c in 3.13.15 and 3.14; gh-120321's atomic
  // gen_try_set_executing is in 3.15 only), and YIELD_VALUE stores
  // FRAME_SUSPENDED before gen_send_ex2 reads it back to tell a yield from
  // a return. Without the GIL another thread may run in both windows.
  bool gen_frame_state_races = false;
  // AX3/AX4 (Modules/atexitmodule.c): 3.14 keeps the registered functions
  // as (func, args, kwargs) tuples in a list and calls them from a copy of
  // it, so a function unregistered while the exit functions run is still
  // called, and each entry dies as a tuple: args, then func. 3.11-3.13
  // keep C structs, call from the array (an unregistered entry is a hole)
  // and release func, then args.
  bool atexit_entries_are_tuples = true;
  // F-G3a: the free-threaded collector walks the heaps thread by thread,
  // so a live thread's garbage is one section of the worklist; false: every
  // order of the garbage (the GIL build has no such walk; tests compare
  // the two).
  bool heap_sections = false;
  // F-G3b: a free-threaded collection whose heap orders no code, property
  // or expect line can tell apart places its garbage in one of them; false:
  // every order is explored (tests compare the two). A reduction, the same
  // for every profile.
  bool quiet_heap_order = true;
  // F-G3a: 3.14 takes bound method objects from a per-thread freelist
  // (PyMethod_New, method_dealloc: _Py_FREELIST_POP/_FREE of
  // pymethodobjects; added by gh-128594 in January 2025, before 3.14's
  // feature freeze), as both series do exact lists, tuples and dicts;
  // 3.13's PyMethod_New always allocates.
  bool method_freelist = true;

  // SU1-SU3: the super object and bound method a `super().m()` call makes.
  SuperCall super_call = SuperCall::LoadSuperAttr;

  // The default-build profile of the same release, for `--profile all`
  // comparisons; null for default-build profiles.
  const char* gil_twin = nullptr;

  uint32_t bugs = 0;  // bit set of RuntimeBug
  bool has(RuntimeBug bug) const { return (bugs >> static_cast<int>(bug)) & 1u; }
  void add(RuntimeBug bug) { bugs |= 1u << static_cast<int>(bug); }

  // "P314g" or "P314g+no-finalized-mark"
  std::string display_name() const;
  // Documented guarantees these releases themselves break (CPython bugs
  // fixed later), as "P7.23 (gh-91636)"-style entries: the property id and
  // why. Scenarios of correct code may still violate these here.
  std::vector<std::pair<std::string, std::string>> release_bugs() const;
};

// All profiles: the default-build ones oldest first, then the free-threaded ones.
const std::vector<Profile>& all_profiles();
const Profile& default_profile();
// Accepts profile names (P314g) and release spellings (3.14, 3.13.5, 3.11).
std::optional<Profile> find_profile(const std::string& name);

}  // namespace lifecheck::model
