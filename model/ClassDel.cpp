// A class's __del__ set or deleted at run time (rule R1.14): `C.__del__ = f`
// and `del C.__del__` go through type_setattro, whose update_slot finds
// the slotdefs entry of __del__ and sets tp_finalize to slot_tp_finalize
// (or clears it when no __del__ is left in the MRO) (Objects/typeobject.c,
// the same in 3.11-3.14). Everything that asks whether a type has a
// finalizer reads tp_finalize when it asks: subtype_dealloc at the death
// of an instance created before the change, the collector's
// finalize_garbage (PyObject_CallFinalizer) and the monitors; and
// slot_tp_finalize looks __del__ up at the call, so replacing it calls the
// new function. GC tracking does not change, and the legacy check of the
// collector (has_legacy_finalizer: tp_del) never sees __del__. The change
// also deoptimizes the type's specialized class call sites (FN13a).
#include "model/Machine.h"

namespace lifecheck::model {

FuncId Machine::finalizer_of(ClassId type) const {
  if (!state_.class_del.empty()) return state_.class_del[type];
  return program_.types[type].finalizer;
}

void Machine::set_class_del(ClassId type, FuncId func) {
  // del C.__del__ without one: type_setattro's dict deletion fails
  if (func == kNoFunc && finalizer_of(type) == kNoFunc) raise("AttributeError");
  if (state_.class_del.empty()) {
    state_.class_del.resize(program_.types.size());
    for (size_t t = 0; t < program_.types.size(); ++t)
      state_.class_del[t] = program_.types[t].finalizer;
  }
  state_.class_del[type] = func;
  deoptimize_class_calls(type);
}

// FN13a: the assignment gives the type a new version tag, so a class call
// site specialized for the old one misses (DEOPT_IF on tp_version_tag) and
// runs the generic call; it would specialize again only after 52 misses
// (adaptive_counter_cooldown), more than a scenario runs: modelled as
// never. A site that has run once but not yet specialized specializes on
// its next run, for the new version.
void Machine::deoptimize_class_calls(ClassId type) {
  if (state_.warm.empty()) return;
  for (const FuncInfo& fn : program_.funcs)
    for (const Op& op : fn.code)
      if (op.code == OpCode::NewInit && op.a == type && op.site != kNoAppendSite &&
          state_.warm[op.site] == kSiteSpecialized)
        state_.warm[op.site] = kSiteDeoptimized;
}

}  // namespace lifecheck::model
