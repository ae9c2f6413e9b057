// Interpreter shutdown past the atexit functions (`shutdown modules`,
// rules SD1-SD5 of docs/semantics.md): Python/pylifecycle.c Py_FinalizeEx,
// finalize_modules and Python/pystate.c interpreter_clear, as far as a
// scenario can see them.
//  SD1 PyGC_Collect(): a full collection with gc.callbacks, only while
//      automatic collection is enabled.
//  SD2 finalize_modules -> finalize_remove_modules sets sys.modules'
//      '__main__' to None. Nothing else holds the __main__ module (the
//      script runner dropped its reference), so module_dealloc runs; it
//      leaves the dict to its other owners: the module's functions and
//      classes (func.__globals__), a cycle. The model makes that dict now:
//      an object whose references are the global variables plus one to
//      itself (the cycle), tracked at the end of the oldest generation.
//  SD3 _PyGC_CollectNoFail(): the dict and everything only the globals
//      reach are garbage together: their finalizers run first (G13),
//      globals still readable; weakrefs that are garbage themselves get no
//      callback (G12). The dict's tp_clear (PyDict_Clear) empties it, then
//      releases the entries in order: from then on a global is a NameError.
//  SD4 _PyModule_ClearDict (names with one underscore to None, then the
//      others) reaches only modules still alive after SD3: sys, builtins,
//      extension modules, never __main__ here. Not modelled (nothing a
//      scenario makes lives there).
//  SD5 the collection at the end of finalize_modules and interpreter_clear's
//      last one (after the thread states are cleared), no gc.callbacks.
//  G6b A function left in gc.callbacks holds __main__'s dict (__globals__)
//      and the list outlives every collection (_PyGC_Fini clears it after
//      interpreter_clear's last one): the dict is never garbage, so SD2
//      makes none and the globals stay as they are through SD3-SD5. What
//      the list's release at _PyGC_Fini frees dies after the run's end
//      (no collection follows; the harness's trace is written by then).
//      The hidden gc.callbacks global (G6a) is never an entry of the dict.
// Then quiescence: with the globals gone, only gc.garbage is a root.
#include "model/Machine.h"

namespace lifecheck::model {

bool Machine::is_module_dict(ObjId o) const {
  return program_.module_dict_type != kNoType &&
         state_.objects[o].type == program_.module_dict_type;
}

ObjId module_dict_of(const Program& program, const State& state) {
  if (program.module_dict_type == kNoType) return kNoObj;
  for (size_t i = 0; i < state.objects.size(); ++i) {
    const Object& x = state.objects[i];
    if (x.live && !x.has(kFreed) && x.type == program.module_dict_type)
      return static_cast<ObjId>(i);
  }
  return kNoObj;
}

// SD2: dict_traverse over the module's namespace: each global's value, and
// the cycle through its functions, which stands as a reference to itself.
void Machine::module_dict_traverse(ObjId o, ObjList& out) const {
  out.push_back(o);
  for (size_t g = 0; g < state_.globals.size(); ++g)
    if (state_.globals[g].is_obj() && !hidden_global(g)) out.push_back(state_.globals[g].obj());
}

// SD3: PyDict_Clear: the dict is emptied first, then the entries are
// released in order (the globals in the program's order); last, the
// functions it held drop their references to it (the cycle).
void Machine::module_dict_clear(ObjId o) {
  ValueList released;
  for (size_t i = 0; i < state_.globals.size(); ++i) {
    if (hidden_global(i)) continue;  // G6b: the gc module's, not __main__'s
    Value& g = state_.globals[i];
    if (g.is_obj()) released.push_back(g);
    g = Value::unset();
  }
  released.push_back(Value::object(o));
  release_values(released);
}

// G6b: the hidden global of gc.callbacks (G6a) is not a variable of __main__.
// CA6: nor is a class attribute once 3.13t has made the classes immortal
// (a heap type has a deferred count, F9b): the class's dict is never
// cleared, and what it holds lives on.
bool Machine::hidden_global(size_t g) const {
  if (program_.class_attr_of_global(g)) return deferred_objects_immortal();
  return program_.gc_callbacks_objects() && g == program_.gc_callbacks_list;
}

void Machine::shutdown_stage() {
  auto collect = [&](bool shutdown) {  // a full collection; _PyGC_CollectNoFail's: kFinal
    Frame c;
    c.kind = FrameKind::Collect;
    c.aux = 2;
    c.flags = shutdown ? uint32_t{kFinal} : 0u;
    push_frame(c);
  };
  for (;;) {
    switch (state_.gc.final_rounds++) {
      case 0:  // SD1: PyGC_Collect, only when enabled; gc.callbacks run
        if (!state_.gc.auto_enabled) continue;
        return collect(false);
      case 1: {  // SD2: __main__ leaves sys.modules; its dict remains, cyclic
        if (gc_callbacks_hold_module()) return collect(true);  // G6b: and reachable
        // Made by the runtime's own C code: no Python allocation, so it
        // cannot trigger an automatic collection.
        const bool collecting = state_.gc.collecting;
        state_.gc.collecting = true;
        const ObjId d = alloc(program_.module_dict_type, program_.module_dict_label, false);
        state_.gc.collecting = collecting;
        switch (program_.profile.gc_algorithm) {  // where gc.unfreeze puts old objects
          case GcAlgorithm::Generational:
            list_append(kGen2, d);
            break;
          case GcAlgorithm::Incremental:
            list_append(visited_list(), d);
            break;
          case GcAlgorithm::FreeThreaded:
            list_append(kGen0, d);
            break;
        }
        emit(event(EventKind::Track, d));
        return collect(true);  // SD3
      }
      case 2:  // SD5: the end of finalize_modules
      case 3:  // SD5: interpreter_clear
        return collect(true);
      default:
        state_.main_stage = MainStage::Done;
        check_quiescence();
        thread().status = ThreadStatus::Finished;
        emit(event(EventKind::ThreadEnd));
        return;
    }
  }
}

}  // namespace lifecheck::model
