// Observable events, the vocabulary of SEMANTICS.md §9.1 plus the
// Python-level ones a scenario logs. Each carries the thread it ran on and
// the object's label and serial, so a trace reads "finalize a#1", and, in a
// trace, the scenario line it ran in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/Value.h"

namespace lifecheck::model {

enum class EventKind : uint8_t {
  Alloc,
  Incref,
  Decref,
  DeallocBegin,
  DeallocEnd,     // value = 1 when the finalizer resurrected the object
  FinalizeBegin,  // path: 0 refcount, 1 gc
  FinalizeEnd,
  Resurrect,
  ClearWeakref,   // obj = the weakref, obj2 = its referent
  CallbackBegin,  // obj = the weakref, path: 0 refcount, 1 gc
  CallbackEnd,
  ClearBegin,  // tp_clear
  ClearEnd,
  Track,
  Untrack,
  Free,             // tp_free
  TypeDecref,       // Py_DECREF(type) after tp_free (R1.12)
  GcStart,          // value = generation
  GcPhase,          // text = phase name
  GcStop,           // value = collected + uncollectable
  GcReentrant,      // gc.collect() during a collection returned 0 (G5)
  GcCallbackBegin,  // text = "start"/"stop"
  GcCallbackEnd,
  GarbageAppend,
  Log,         // text = message
  Unraisable,  // text = exception name
  ThreadStart,
  ThreadEnd,
  ThreadException,  // text = exception name
  EndOfThreads,     // every thread finished; the final collections follow
  TpDel,            // a legacy tp_del begins
  ResourceRelease,  // value = the thread that created the resource
  TrashDeposit,     // TC1: tp_dealloc postponed (too deep)
  TrashPop,         // TC1: a postponed tp_dealloc runs
  Enter,            // a finalizer or callback body is entered (after its first
                    // check): text = what the emitted script logs there
  BrcQueue,         // F5: queued for its owner to merge; value = the owner thread
  WorldStop,        // F12: _PyEval_StopTheWorld (the other threads are parked)
  WorldStart,       // F12: _PyEval_StartTheWorld
  CStep,            // a C slot step with a C origin runs; text = "f.c:12: clear data"
  ExceptHook,       // sys.excepthook reports an exception (weakref.finalize at
                    // exit, W14): text = exception name
};

const char* event_name(EventKind kind);

// A set of event kinds as a bit mask (Machine's `kinds`).
// (ExceptHook is the last kind)
static_assert(static_cast<int>(EventKind::ExceptHook) < 64, "event kinds fit a 64-bit mask");
constexpr uint64_t event_bit(EventKind kind) { return uint64_t{1} << static_cast<int>(kind); }

struct Event {
  EventKind kind = EventKind::Log;
  ThreadId thread = 0;
  uint8_t path = 0;
  ObjId obj = kNoObj;
  LabelId label = kNoLabel;
  uint16_t serial = 0;
  ClassId type = 0;
  ObjId obj2 = kNoObj;
  LabelId label2 = kNoLabel;
  uint16_t serial2 = 0;
  int32_t value = 0;
  std::string text;
  // The scenario statement it ran in (StatementTracker.h): stamped when a
  // trace is built (run_trace), 0 and kNoFunc otherwise and for runtime
  // work no statement of its thread caused. No part of the explored state.
  uint32_t line = 0;
  FuncId func = kNoFunc;
};

}  // namespace lifecheck::model
