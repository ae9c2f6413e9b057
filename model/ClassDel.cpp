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
// also deoptimizes the type's specialized class call sites (FN13a), and
// reaches the subclasses that define no __del__ of their own (R1.14a).
#include "model/Machine.h"

namespace lifecheck::model {

// R1.14a: State::class_del holds what each class's own dict has under
// __del__ (kNoFunc: nothing); the finalizer of a class is the first one
// found from the class down its bases, as update_slot finds it for the
// class and for each subclass that defines none (update_subclasses), and
// as slot_tp_finalize looks __del__ up at the call. A C base's
// tp_finalize, fixed, comes last.
FuncId Machine::finalizer_of(ClassId type) const {
  const TypeInfo& t = program_.types[type];
  if (state_.class_del.empty() || t.kind != TypeKind::PyClass) return t.finalizer;
  for (ClassId c = type; c != kNoType; c = program_.types[c].py_base)
    if (state_.class_del[c] != kNoFunc) return state_.class_del[c];
  return t.base == kNoType ? kNoFunc : program_.types[t.base].finalizer;
}

// The __del__ a class defines itself, as the scenario wrote it.
static FuncId written_del(const Program& p, ClassId type) {
  const TypeInfo& t = p.types[type];
  if (t.kind != TypeKind::PyClass || !t.has_finalizer() || t.finalizer_is_c) return kNoFunc;
  return p.funcs[t.finalizer].owner == type ? t.finalizer : kNoFunc;
}

void Machine::set_class_del(ClassId type, FuncId func) {
  const FuncId own =
      state_.class_del.empty() ? written_del(program_, type) : state_.class_del[type];
  // del C.__del__ without one in C's own dict: type_setattro's dict
  // deletion fails, whatever the bases have
  if (func == kNoFunc && own == kNoFunc) raise("AttributeError");
  if (state_.class_del.empty()) {
    state_.class_del.resize(program_.types.size());
    for (size_t t = 0; t < program_.types.size(); ++t)
      state_.class_del[t] = written_del(program_, static_cast<ClassId>(t));
  }
  state_.class_del[type] = func;
  deoptimize_class_calls(type);
}

// FN13a: the assignment gives the type a new version tag, and so every
// subclass (PyType_Modified goes down the subclasses), so a class call
// site specialized for the old one misses (DEOPT_IF on tp_version_tag)
// and runs the generic call; it would specialize again only after 52
// misses (adaptive_counter_cooldown), more than a scenario runs: modelled
// as never. A site that has run once but not yet specialized specializes
// on its next run, for the new version.
void Machine::deoptimize_class_calls(ClassId type) {
  if (state_.warm.empty()) return;
  auto derives = [&](ClassId c) {
    for (; c != kNoType; c = program_.types[c].py_base)
      if (c == type) return true;
    return false;
  };
  for (const FuncInfo& fn : program_.funcs)
    for (const Op& op : fn.code)
      if (op.code == OpCode::NewInit && derives(static_cast<ClassId>(op.a)) &&
          op.site != kNoAppendSite && state_.warm[op.site] == kSiteSpecialized)
        state_.warm[op.site] = kSiteDeoptimized;
}

}  // namespace lifecheck::model
