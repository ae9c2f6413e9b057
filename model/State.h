// The explored state: heap, threads with explicit frame stacks, collector
// state and monitor state. Plain data in inline vectors (SmallVec.h):
// copying a State of a usual scenario allocates nothing. Canonical
// encoding: Canonical.h.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "model/Program.h"
#include "model/SmallVec.h"
#include "model/Value.h"

namespace lifecheck::model {

// Scratch lists the runtime builds while it works (no allocation for the
// usual sizes).
using ObjList = SmallVec<ObjId, 16>;
using ValueList = SmallVec<Value, 8>;

// ---------------------------------------------------------------------------
// Objects

// GC lists (G7, G10-G16). The generation lists persist; the others exist
// only while a collection runs.
enum GcListId : uint8_t {
  kGen0,
  kGen1,
  kGen2,
  kUnreachable,       // G10: tentatively unreachable, then the garbage set
  kFinalizers,        // G11: legacy tp_del objects and what they reach
  kWrcbToCall,        // G12: weakrefs whose callbacks will run
  kSeen,              // G13: finalize_garbage's local list
  kFinalUnreachable,  // G14: still unreachable after finalizers
  kIncrement,         // G-I3: the region an incremental collection examines
  kPermanent,         // G7a: gc.freeze()'s permanent generation, never collected
  kNumLists,
  kNoList = 0xFF,
};

enum ObjFlag : uint32_t {
  kFinalized = 1 << 0,            // _PyGC_FINALIZED (R1.6, R1.9, G13)
  kCollecting = 1 << 1,           // PREV_MASK_COLLECTING (G8)
  kUnreachableMask = 1 << 2,      // NEXT_MASK_UNREACHABLE (G10)
  kCleared = 1 << 3,              // tp_clear has run on it (P7.4, P7.29)
  kClearedThisGc = 1 << 4,        // tp_clear ran in the running collection (P7.8)
  kInGarbageSet = 1 << 5,         // member of the running collection's garbage (P7.3..)
  kCallbackRan = 1 << 6,          // weakref: its callback has been called (P7.19)
  kFinalizing = 1 << 7,           // a tp_finalize call on it is running (P7.1)
  kGcFinalizing = 1 << 8,         // ... started by the collector (P7.7)
  kClearing = 1 << 9,             // a tp_clear call on it is running (P7.2, P7.8)
  kDeallocating = 1 << 10,        // tp_dealloc has started (P7.9)
  kFreed = 1 << 11,               // tp_free ran; the slot is released when dealloc returns
  kResurrected = 1 << 12,         // a finalizer left it alive in the running dealloc
  kResourceReleased = 1 << 13,    // its external resource was released
  kHoldsTypeRef = 1 << 14,        // a heap-type instance still owns a reference to its type
  kLegacyGarbage = 1 << 15,       // in the running collection's `finalizers` list (G11)
  kSelfStored = 1 << 16,          // a slot other than tp_finalize stored a reference to self
  kDeferredRc = 1 << 17,          // F9: _PyGC_BITS_DEFERRED (dies only in a collection)
  kOnWorklist = 1 << 18,          // F-G2: on the FT collector's worklist, which holds a reference
  kStoredAfterClear = 1 << 19,    // an attribute was stored after tp_clear cleared the dict
  kImmortal = 1 << 20,            // F9b: made immortal (3.13t); never freed
  kSharesInlineValues = 1 << 21,  // R1.15d: a dict vars() made, on its instance's inline values
  kWeakMethodSelf = 1 << 23,      // WM5: _cb's local `self` holds this WeakMethod (WeakMethod.cpp)
};

// F1: the low two bits of ob_ref_shared (free-threaded profiles only).
enum SharedRefState : uint8_t {
  kRefInit = 0,
  kRefMaybeWeakref = 1,  // F8: a weakref or a lock-free reader may look it up
  kRefQueued = 2,        // F4: on its owner's merge queue, which holds one reference
  kRefMerged = 3,        // F3: no owner; every count is in `shared`
};

struct Object {
  bool live = false;  // slot in use
  ClassId type = 0;
  uint8_t list = kNoList;               // GC list it is linked in; kNoList = untracked
  uint8_t finalize_count = 0;           // saturates at 3 (P7.5)
  uint8_t length = 0;                   // list/tuple items, dict pairs
  ThreadId resource_owner = kNoThread;  // thread that created its resource
  uint32_t flags = 0;
  // The true reference count. Free-threaded profiles split it (F1):
  // ob_ref_local = `local`, owned by `owner`; ob_ref_shared's count =
  // rc - local (may be negative); a queued object's queue reference is
  // counted in rc.
  int16_t rc = 0;
  int16_t local = 0;
  ThreadId owner = kNoThread;  // ob_tid; kNoThread once merged (or under the GIL)
  uint8_t ref_state = kRefInit;
  ThreadId locked_by = kNoThread;  // holder of its per-object mutex (critical sections)
  // Free-threaded: the thread whose mimalloc heap holds its memory (the
  // allocating thread, whatever ob_tid becomes), which fixes its section
  // of the collector's heap walk (F-G3a). kNoThread where that is not
  // known: memory a per-thread freelist may have taken from another
  // thread's heap, a heap abandoned by an exited thread, or the GIL build.
  ThreadId heap = kNoThread;
  // Free-threaded collector: its place on the worklist (1 + its index in
  // the heap order, F-G2), kept while a member is untracked (untracking
  // unlinks it from the list, not from CPython's worklist); 0 off it.
  uint16_t wl_rank = 0;
  int16_t gc_refs = 0;  // only meaningful while collecting
  ObjId next = kNoObj;  // intrusive GC list links (_gc_next/_gc_prev)
  ObjId prev = kNoObj;
  LabelId label = kNoLabel;
  uint16_t wl_key = 0;  // weakref: registration order among its referent's refs
  uint16_t serial = 0;  // display only: creation order on this path
  // Python instance: attribute values by FieldId. Weakref: [0] referent
  // (weak, not counted), [1] callback. Method: [0] self.
  std::array<Value, kMaxFields> fields{};
  // A container's items (see TypeKind), also of a class deriving from list
  // or dict; `length` counts them (a dict: its entries).
  std::array<Value, kMaxItems> items{};

  bool has(uint32_t f) const { return (flags & f) != 0; }
  bool tracked() const { return list != kNoList; }
};

inline constexpr int kWeakrefReferent = 0;
inline constexpr int kWeakrefCallback = 1;
inline constexpr int kMethodSelf = 0;
inline constexpr int kMethodFunc = 1;    // Value::func of the method's function
inline constexpr int kFunctionCode = 0;  // a function object's code (Value::func; Functions.cpp)
// A function object's items (Functions.cpp): released and visited last to
// first, func_clear's and func_traverse's order (FN4a)
inline constexpr int kFunctionClosure = 0;   // __closure__: a tuple of cells, or None
inline constexpr int kFunctionDict = 1;      // __dict__, or None (FN10)
inline constexpr int kFunctionDefaults = 2;  // __defaults__: a tuple (or a constant one), or None
inline constexpr int kPartialFunc = 0;       // functools.partial: pto->fn (Partial.cpp)
inline constexpr int kPartialArgs = 1;       // functools.partial: pto->args
inline constexpr int kPartialKeywords = 2;   // functools.partial: pto->kw

inline constexpr int kWeakMethodFuncRef = 2;  // weakref.WeakMethod._func_ref (WeakMethod.cpp)

// ---------------------------------------------------------------------------
// Frames: each thread's call stack, Python bodies and the runtime's own
// resumable C-level procedures (subtype_dealloc, PyObject_ClearWeakRefs,
// gc_collect_main, ...). A frame resumes at `stage` when it is on top again.

enum class FrameKind : uint8_t {
  Body,                 // Python code: func, pc, locals at [base, base+count)
  Release,              // Py_DECREF each value in [base+pc, base+count)
  Dealloc,              // tp_dealloc of obj
  FinalizeFromDealloc,  // PyObject_CallFinalizerFromDealloc(obj) (R1.6)
  ClearWeakrefs,        // PyObject_ClearWeakRefs(obj) (W4)
  Collect,              // one collection (G5-G18)
  FinalizeGc,           // one tp_finalize call by finalize_garbage (G13)
  Clear,                // tp_clear(obj)
  GcCallbacks,          // invoke gc.callbacks (G6)
  Construct,            // a C type's construction steps (tp_new/tp_alloc/tp_init)
  CDealloc,             // a C type's tp_dealloc steps (func = the C type)
  TrashDrain,           // _PyTrash_thread_destroy_chain (TC1)
  BrcMerge,             // _Py_brc_merge_refcounts: the owner drains its merge queue (F6)
  FinalizeCall,         // weakref.finalize.__call__(obj) (Finalize.cpp, W11)
  FinalizeExit,         // weakref.finalize._exitfunc at interpreter exit (W14)
};

enum FrameFlag : uint32_t {
  kHolds = 1 << 0,      // the frame owns one reference to obj (G19, R1.6)
  kUnwinding = 1 << 1,  // Body: an exception is propagating out
  kFinal = 1 << 2,      // Collect: the end-of-run collection (no gc.callbacks)
  kResult = 1 << 3,     // Dealloc: the finalizer resurrected the object
  // Collect (free-threaded, a bit Dealloc frames use for kResult): no two
  // heap orders of this collection's garbage can be told apart (F-G3b)
  kQuietOrder = 1 << 3,
  kStopPhase = 1 << 4,      // GcCallbacks: "stop" rather than "start"
  kPartialCall = 1 << 4,    // Body: the call in flight is a functools.partial's (Partial.cpp)
  kPairsShortcut = 1 << 5,  // ClearWeakrefs: the single-weakref shortcut
  // Release (a bit ClearWeakrefs frames use for kPairsShortcut): its first
  // `aux` values go in any order (C1). A flag, because a Body frame turned
  // into its Release keeps the Body's `aux`, and its flags are reset.
  kAnyOrder = 1 << 5,
  kSavedExc = 1 << 6,    // saved_exc holds the exception pending before a call
  kYielded = 1 << 7,     // a native frame stopped at a scheduling point
  kErrAtBegin = 1 << 8,  // CDealloc: an exception was pending when it began (P7.14)
  kDestroyed = 1 << 9,   // CDealloc: a destruction step has run (P7.28)
  kLegacy = 1 << 10,     // FinalizeFromDealloc: tp_del, not tp_finalize
  // Body (a bit FinalizeFromDealloc frames use for kLegacy): the class call
  // in flight was specialized (FN13a: its arguments moved into __init__)
  kInitMoved = 1 << 10,
  kExplicit = 1 << 11,      // Clear: called by tp_dealloc, not by the collector
  kLocalError = 1 << 12,    // CDealloc: SaveError stored an exception in saved_exc
  kAutomatic = 1 << 13,     // Collect: an automatic collection (G3); obj2: an object
                            // allocated by the triggering op, tracked when it ends (P311)
  kPushResult = 1 << 14,    // Collect: gc.collect() pushes its count on the body's stack
  kTrashEntered = 1 << 15,  // Dealloc: counted in the thread's trashcan nesting (TC1)
  // a runtime frame whose Python callee raised: the exception has been
  // reported and the locals its traceback kept are being released (X1)
  kTracebackDropped = 1u << 16,
  // Body: the check after this list.append call does not happen: the call
  // site is specialized (CALL_LIST_APPEND has no eval-breaker check)
  kSkipCheck = 1u << 17,
  // Dealloc: the base type's tp_dealloc, called by subtype_dealloc (a class
  // deriving from list or dict)
  kBaseDealloc = 1u << 18,
  // Collect (free-threaded): waiting to stop the world until every other
  // thread can be parked (F12)
  kStwWait = 1u << 19,
  // C slot frames (CApiFreeThreaded.cpp): `ref` came from
  // PyWeakref_GetObject (borrowed); code that may run other threads ran
  // since; the frame holds self's / obj2's critical section
  kRefBorrowed = 1u << 20,
  kRefStale = 1u << 21,
  kCritical = 1u << 22,
  kCritical2 = 1u << 23,
  // FinalizeFromDealloc: PyObject_CallFinalizerFromDealloc whose result the
  // C dealloc ignores: a resurrection does not stop it
  kUnchecked = 1u << 24,
  // FinalizeFromDealloc: tp_finalize called directly by a C dealloc: no
  // finalized mark, no resurrection check
  kDirect = 1u << 25,
  // Clear: a C base's tp_clear called by the derived type's (no begin/end)
  kBasePart = 1u << 26,
  // a slot frame (tp_dealloc, tp_clear, a finalizer or weakref clearing
  // called from tp_dealloc) whose object was freed under it, by a second
  // deallocation: `obj` no longer names it (Machine::release_slot)
  kSubjectFreed = 1u << 27,
  // Body: the weakref.finalize call this op started has returned; the op
  // runs again to take its result or raise its exception (Finalize.cpp).
  // Also: the generator frame next() resumed has yielded (Generators.cpp)
  kFinalizeReturned = 1u << 28,
  // FinalizeExit: automatic collection was enabled; _exitfunc re-enables it
  kGcReenable = 1u << 29,
  // Body: the frame of a generator (obj), resumed by next() or close()
  // (Generators.cpp); kGenClosing: resumed by gen_close with GeneratorExit
  kGenFrame = 1u << 30,
  kGenClosing = 1u << 31,
};

// FN13a: the states of a class call site in State::warm (0: cold)
inline constexpr uint8_t kSiteRanOnce = 1;
inline constexpr uint8_t kSiteSpecialized = 2;
inline constexpr uint8_t kSiteDeoptimized = 3;

struct Frame {
  FrameKind kind = FrameKind::Body;
  uint8_t stage = 0;
  uint32_t flags = 0;
  uint16_t func = 0;    // Body: function; Dealloc/Clear: type
  uint16_t pc = 0;      // Body: next instruction; loops: index
  ObjId obj = kNoObj;   // the subject
  ObjId obj2 = kNoObj;  // the object being called back / the former referent
  uint16_t base = 0;    // first value slot owned by this frame
  uint16_t count = 0;   // number of value slots owned
  uint16_t aux = 0;     // Collect: generation; ClearWeakrefs: last wl_key called;
                        // Body: where its operand stack starts in Thread::stack;
                        // Release with kAnyOrder: its first `aux` values go in any order (C1)
  StrId saved_exc = 0;  // see kSavedExc / kLocalError
  // C slot frames: the C local `ref` (weakref lookups), its serial (a freed
  // and reused slot is not the same object), the second object of a
  // two-object critical section, and the fields of obj this run touched
  // outside a critical section (bit f: read, bit 8+f: written; data-race).
  ObjId ref = kNoObj;
  uint16_t ref_serial = 0;
  ObjId locked2 = kNoObj;
  uint16_t touched = 0;

  bool has(uint32_t f) const { return (flags & f) != 0; }
};

enum class ThreadStatus : uint8_t { Waiting, Running, Finished };

// Main's program: module code, then its own body, then it waits for the
// others, then the end-of-run collections.
// AtExit: weakref.finalize's atexit function (scenarios using it only).
// PreJoin: free-threaded profiles only (Profile::main_checks_before_join),
// main's eval-breaker check between starting the threads (or its body's
// end) and blocking in join.
enum class MainStage : uint8_t { Setup, Body, PreJoin, JoinAll, AtExit, Final, Done };

struct Thread {
  ThreadStatus status = ThreadStatus::Waiting;
  StrId exc = 0;  // pending exception name when has_exc
  bool has_exc = false;
  // X7: the body a pending exception escaped, until the runtime code that
  // called it reports it (kNoFunc otherwise; only set while has_exc)
  FuncId exc_func = kNoFunc;
  bool detached = false;      // Py_BEGIN_ALLOW_THREADS: no attached thread state (P7.27)
  uint8_t gc_pending = 0;     // P313+: generation + 1 of a collection scheduled by this thread
  uint8_t trash_nesting = 0;  // TC1: nested trashcan-protected deallocs
  SmallVec<ObjId, 4> trash;   // TC1: postponed deallocations (LIFO)
  // F5/F6: objects other threads queued for this (owning) thread to merge,
  // a stack; each entry holds one reference.
  SmallVec<ObjId, 4> merge_queue;
  SmallVec<Frame, 8> frames;
  SmallVec<Value, 16> values;
  SmallVec<Value, 8> stack;  // the operand stacks of Body frames (owned references)
};

// ---------------------------------------------------------------------------
// Collector

struct GcList {
  ObjId head = kNoObj;
  ObjId tail = kNoObj;
  uint16_t size = 0;
};

struct GcState {
  bool collecting = false;              // G5
  ThreadId stopped_by = kNoThread;      // F12: the world is stopped; only this thread runs
  bool auto_enabled = false;            // gc.enable()/gc.disable(); off until a scenario enables it
  uint8_t scheduled = 0;                // P312: generation + 1 of a pending collection (any thread)
  uint8_t visited_space = 0;            // G-I1: which old space (kGen1 + n) is visited
  bool incremental_collecting = false;  // G-I3: phase COLLECT (false: MARK)
  bool final_running = false;           // the running collection is an end-of-run one
  bool start_called = false;            // P7.25 monitor: "start" callbacks ran
  bool stop_called = false;             // P7.25 monitor: "stop" callbacks ran
  uint8_t final_rounds = 0;             // end-of-run collections done
  // The last end-of-run collection found nothing unreachable (12.3): the
  // next would find nothing either, so what is left there is a leak.
  bool final_idle = false;
  uint16_t collected = 0;
  uint16_t uncollectable = 0;
  std::array<GcList, kNumLists> lists{};
  SmallVec<FuncId, 4> callbacks;  // gc.callbacks
  SmallVec<ObjId, 4> garbage;     // gc.garbage (strong references)
  bool debug_saveall = false;     // gc.set_debug(gc.DEBUG_SAVEALL): G16a (GcModule.cpp)
};

// Main and up to five threads inline: B1 with T=4 runs five threads, and a
// state whose threads spill to the heap costs an allocation per copy.
using ThreadList = SmallVec<Thread, 6>;

struct State {
  SmallVec<Object, 16> objects;
  SmallVec<Value, 16> globals;
  ThreadList threads;
  GcState gc;
  MainStage main_stage = MainStage::Setup;
  // Per user class: attribute ids in first-insertion order, the order of
  // the shared-keys table that subtype_dealloc and subtype_clear walk.
  SmallVec<std::array<uint8_t, kMaxFields>, 16> class_keys;
  SmallVec<uint8_t, 16> class_key_count;
  // One byte per expectation (see Monitors.cpp).
  SmallVec<uint8_t, 16> expect_state;
  // One byte per list.append call site: it has run once, so CPython (3.12+)
  // has specialized it.
  SmallVec<uint8_t, 8> warm;
  // (A class call site, FN13a, goes 0 -> kSiteRanOnce -> kSiteSpecialized,
  // and to kSiteDeoptimized when its class changes. The sites of a thread
  // body are its thread's: with thread symmetry their bytes move with it,
  // ThreadSymmetry::sites.)
  // Per type: its __del__ (tp_finalize) as `C.__del__ = f` / `del C.__del__`
  // left it at run time (ClassDel.cpp, rule R1.14), kNoFunc for none;
  // empty until the first such statement runs, then one entry per type.
  SmallVec<FuncId, 16> class_del;
  bool threads_ended = false;  // end-of-threads checks done; expects stop
  uint16_t next_serial = 1;    // display only
};

// The object a C local `ref` still names (CApiFreeThreaded.cpp), or kNoObj
// once that one died: its slot may hold another object since, which the
// frame does not hold.
inline ObjId held_ref(const State& s, const Frame& f) {
  if (f.ref >= s.objects.size()) return kNoObj;
  const Object& x = s.objects[f.ref];
  return x.live && !x.has(kFreed) && x.serial == f.ref_serial ? f.ref : kNoObj;
}

}  // namespace lifecheck::model
