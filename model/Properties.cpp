#include "model/Properties.h"

namespace lifecheck::model {

const std::vector<PropertyInfo>& all_properties() {
  static const std::vector<PropertyInfo> props = {
      {"P7.1", "No destruction during automatic finalization",
       "Doc/c-api/typeobj.rst tp_dealloc (3.14)", "G19, R1.6"},
      {"P7.2", "No destruction during automatic clearing", "Doc/c-api/typeobj.rst tp_clear (3.14)",
       "G19"},
      {"P7.3", "Finalize before clear, within a cyclic isolate",
       "Doc/c-api/typeobj.rst tp_finalize, tp_clear; Doc/c-api/lifecycle.rst (3.14)",
       "G13 before G16"},
      {"P7.4", "No automatic finalization after automatic clearing",
       "Doc/c-api/typeobj.rst tp_finalize (3.14)", "R1.9, G13, G16"},
      {"P7.5", "At most one automatic finalization per GC object",
       "Doc/reference/datamodel.rst __del__; Doc/c-api/typeobj.rst tp_finalize", "R1.9"},
      {"P7.6", "Reachable objects are never automatically finalized or cleared",
       "Doc/c-api/typeobj.rst tp_finalize, tp_clear (3.14)", "G8-G10, G14"},
      {"P7.7", "Members of an isolate are not finalized concurrently",
       "Doc/c-api/lifecycle.rst (3.14)", "G13, T1"},
      {"P7.8", "tp_clear is not run concurrently with itself, at most once per collection",
       "Doc/c-api/typeobj.rst tp_clear (3.14)", "G5, G16"},
      {"P7.9", "tp_dealloc runs once, at refcount 0, after automatic finalize/clear return",
       "Doc/c-api/typeobj.rst tp_dealloc, tp_clear", "R1.1, R1.7, G8"},
      {"P7.10", "Untrack before invalidating traversed fields",
       "Doc/c-api/gcsupport.rst; Doc/c-api/typeobj.rst tp_dealloc", "R1.13, G8-G10"},
      {"P7.11", "Track only when valid (every traversed field initialised)",
       "Doc/c-api/gcsupport.rst PyObject_GC_Track", "G1-G3, G9"},
      {"P7.12", "tp_traverse has no side effects",
       "Doc/c-api/gcsupport.rst traverseproc; Doc/c-api/typeobj.rst tp_traverse", "G9, G10"},
      {"P7.13", "tp_traverse visits only owned references, and a heap type visits its type",
       "Doc/c-api/typeobj.rst tp_traverse", "G9, R1.12"},
      {"P7.14", "tp_dealloc and tp_finalize leave the exception state as they found it",
       "Doc/c-api/typeobj.rst tp_dealloc, tp_finalize; gh-89373", "R1.3, R1.10, R1.13", true},
      {"P7.15", "A heap-type instance releases its type last, exactly once",
       "Doc/c-api/typeobj.rst tp_dealloc", "R1.7b step 13, R1.12"},
      {"P7.16", "The matching allocator frees (PyObject_GC_Del for GC objects)",
       "Doc/c-api/gcsupport.rst", "R1.11", true},
      {"P7.17", "Resurrection comes only from tp_finalize", "Doc/c-api/lifecycle.rst (3.14)",
       "R1.6"},
      {"P7.18", "Resurrection cancels destruction",
       "Doc/c-api/lifecycle.rst; Doc/c-api/typeobj.rst tp_finalize", "R1.6, R1.7 step 4"},
      {"P7.19", "A weakref callback runs at most once and sees its referent gone",
       "Doc/library/weakref.rst ref", "W4, W6, W7, G12"},
      {"P7.20", "Callbacks for one referent run newest first", "Doc/library/weakref.rst ref",
       "W1, W4, G12"},
      {"P7.21", "Callback errors do not propagate and do not stop other callbacks",
       "Doc/library/weakref.rst", "W4 step 4, R1.10"},
      {"P7.22", "No callback for a dead weakref",
       "Doc/library/weakref.rst ref; Modules/gc_weakref.txt", "W4, G12"},
      {"P7.23", "Weakrefs to unreachable objects are cleared before any tp_clear",
       "InternalDocs/garbage_collector.md; NEWS gh-91636", "G12, G15"},
      {"P7.24", "PyObject_ClearWeakRefs is called only at refcount 0",
       "Doc/c-api/weakref.rst PyObject_ClearWeakRefs", "W4 step 1"},
      {"P7.25", "gc.callbacks bracket every non-shutdown collection",
       "Doc/library/gc.rst gc.callbacks", "G6, G17, G18"},
      {"P7.26", "Uncollectable legacy cycles go to gc.garbage untouched",
       "Doc/library/gc.rst gc.garbage", "G11, G17"},
      {"P7.27", "Finalizers and deallocators run with an attached thread state (the GIL)",
       "Doc/c-api/typeobj.rst tp_dealloc; Doc/reference/datamodel.rst __del__", "T1-T4", true},
      {"P7.28", "The finalizer runs before any other destruction step when requested",
       "Doc/c-api/lifecycle.rst; Doc/c-api/typeobj.rst tp_dealloc", "R1.6, R1.13"},
      {"P7.29", "Non-finalized objects never see cleared objects", "Doc/c-api/lifecycle.rst (3.14)",
       "G12, G13, G15, G16"},
      {"P7.30", "PyObject_GC_Track is never called on a tracked object",
       "Doc/c-api/gcsupport.rst PyObject_GC_Track", "R1.7b step 10", true},
      {"resource-affinity",
       "An instance's external resource is released once, on the thread that created it",
       "Doc/c-api/typeobj.rst tp_dealloc (\"may be called from any Python thread\")", "T3"},
      {"data-race",
       "Without the GIL, no two threads touch one C field outside a critical section, one "
       "of them writing",
       "Doc/howto/free-threading-extensions.rst (critical sections; struct fields are not "
       "thread-safe)",
       "F12; Py_BEGIN_CRITICAL_SECTION"},
      {"finalize-keeps-referent",
       "A weakref.finalize's function and arguments do not keep its object alive",
       "Doc/library/weakref.rst finalize (func, args and kwargs must not own references to "
       "obj, directly or indirectly)",
       "W10, W11"},
      {"quiescence",
       "After the threads and a final collection, everything unreachable is freed or in "
       "gc.garbage",
       "Doc/library/gc.rst (collect, garbage)", "G8-G18; checked with Boost.Graph"},
      {"memory-safety", "No use after free, double free, refcount underflow or dangling reference",
       "Doc/c-api/refcounting.rst; Doc/c-api/typeobj.rst", "R1.1, R1.11", true},
      {"deadlock", "Some thread can always make progress until all have finished",
       "Doc/library/threading.rst (Thread.join, Lock, RLock); Doc/reference/datamodel.rst "
       "__del__ (a finalizer that takes a lock the interrupted code holds)",
       "T1, LK2-LK3 (a thread waits for a lock), LK5"},
      {"termination",
       "Every run ends: no while loop spins forever and no finalizer or callback re-creates its "
       "own work forever",
       "Doc/reference/datamodel.rst __del__ (a finalizer runs when the object dies)",
       "R1.6, TC1-TC4 (the trashcan bounds nesting), IT7-IT8 (while loops; the GIL is handed "
       "over); a state that comes back never ends"},
      {"uncaught-exception", "No exception escapes a thread body",
       "Doc/library/threading.rst excepthook", "scenario"},
      {"assert", "A scenario assert statement holds", "the scenario", "scenario"},
      {"expect", "A scenario expect line holds", "the scenario", "scenario"},
  };
  return props;
}

const PropertyInfo* find_property(const std::string& id) {
  for (const PropertyInfo& p : all_properties())
    if (id == p.id) return &p;
  return nullptr;
}

}  // namespace lifecheck::model
