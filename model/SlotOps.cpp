// Names of the C slot steps (SlotOp), as reports and the C emitter spell
// them.
#include "model/CFieldCall.h"
#include "model/Program.h"

namespace lifecheck::model {

std::string slot_step_text(const Program& program, const SlotStep& s) {
  std::string w = slot_op_name(s.op);
  switch (s.op) {
    case SlotOp::ClearField:
      return "clear " + program.field_names[s.field];
    case SlotOp::DecrefField:
      return "decref " + program.field_names[s.field];
    case SlotOp::XDecrefField:
      return "xdecref " + program.field_names[s.field];
    case SlotOp::SetRefField:
      return std::string(s.arg & 1 ? "xsetref " : "setref ") + program.field_names[s.field] +
             (s.arg & 4   ? ""
              : s.arg & 2 ? " none"
                          : " null");
    case SlotOp::FinalizerFromDealloc:
      return s.arg ? "finalizer_from_dealloc unchecked" : w;
    case SlotOp::ReleaseResource:
      return s.arg ? "release_resource if_held" : w;
    case SlotOp::CriticalSectionBegin:
      return s.arg ? w + " " + program.field_names[s.field] : w;
    case SlotOp::Init:
      return "init " + program.field_names[s.field] + (s.arg ? " null" : "");
    case SlotOp::NullField:
    case SlotOp::WeakrefGetObject:
    case SlotOp::WeakrefGetRef:
    case SlotOp::Visit:
    case SlotOp::Incref:
    case SlotOp::Decref:
      return w + " " + program.field_names[s.field];
    case SlotOp::Call: {
      std::string out = w;
      if (s.arg & kCallField)
        out += " " + program.field_names[s.field];
      else if (s.func != kNoFunc)
        out += " " + program.funcs[s.func].name;
      if (s.arg & kCallSelf) out += " self";
      if (s.arg & kCallIfSet) out += " if_set";
      if (s.arg & kCallObjArgs) out += " objargs";
      return out;
    }
    case SlotOp::Free:
      return s.arg ? "free wrong" : w;
    case SlotOp::WriteUnraisable:
      return s.arg == kClearErrorOnly ? "clear_error" : w;
    case SlotOp::Alloc:
      return s.arg ? "generic_alloc" : "alloc";
    case SlotOp::StoreSelf:
    case SlotOp::Publish:
      return w + " " + program.globals[s.global];
    default:
      return w;
  }
}

const char* slot_op_name(SlotOp op) {
  switch (op) {
    case SlotOp::Alloc:
      return "alloc";
    case SlotOp::Init:
      return "init";
    case SlotOp::Track:
      return "track";
    case SlotOp::Untrack:
      return "untrack";
    case SlotOp::FinalizerFromDealloc:
      return "finalizer_from_dealloc";
    case SlotOp::ClearWeakrefs:
      return "clear_weakrefs";
    case SlotOp::ClearWeakrefsNoCallbacks:
      return "clear_weakrefs_no_callbacks";
    case SlotOp::CallClear:
      return "clear";
    case SlotOp::TpDel:
      return "tp_del";
    case SlotOp::ClearField:
      return "Py_CLEAR";
    case SlotOp::DecrefField:
      return "Py_DECREF";
    case SlotOp::NullField:
      return "null";
    case SlotOp::Free:
      return "free";
    case SlotOp::DecrefType:
      return "decref_type";
    case SlotOp::ReadType:
      return "read_type";
    case SlotOp::Call:
      return "call";
    case SlotOp::StoreSelf:
      return "store_self";
    case SlotOp::ReleaseResource:
      return "release_resource";
    case SlotOp::SaveError:
      return "save_error";
    case SlotOp::RestoreError:
      return "restore_error";
    case SlotOp::RaiseError:
      return "raise_error";
    case SlotOp::WriteUnraisable:
      return "write_unraisable";
    case SlotOp::ReleaseGil:
      return "release_gil";
    case SlotOp::AcquireGil:
      return "acquire_gil";
    case SlotOp::Visit:
      return "visit";
    case SlotOp::VisitType:
      return "visit type";
    case SlotOp::VisitWeakrefs:
      return "visit weakrefs";
    case SlotOp::Incref:
      return "incref";
    case SlotOp::Decref:
      return "decref";
    case SlotOp::XDecrefField:
      return "Py_XDECREF";
    case SlotOp::SetRefField:
      return "Py_SETREF";
    case SlotOp::CallFinalize:
      return "tp_finalize";
    case SlotOp::BaseDealloc:
      return "base_dealloc";
    case SlotOp::BaseClear:
      return "base_clear";
    case SlotOp::BaseTraverse:
      return "base_traverse";
    case SlotOp::TrashcanBegin:
      return "trashcan_begin";
    case SlotOp::TrashcanEnd:
      return "trashcan_end";
    case SlotOp::Publish:
      return "publish";
    case SlotOp::CriticalSectionBegin:
      return "critical_section";
    case SlotOp::CriticalSectionEnd:
      return "end_critical_section";
    case SlotOp::WeakrefGetObject:
      return "weakref_getobject";
    case SlotOp::WeakrefGetRef:
      return "weakref_getref";
    case SlotOp::TryIncrefRef:
      return "tryincref_ref";
    case SlotOp::IncrefRef:
      return "incref_ref";
    case SlotOp::UseRef:
      return "use_ref";
    case SlotOp::DropRef:
      return "drop_ref";
    case SlotOp::EnableDeferredRefcount:
      return "enable_deferred_refcount";
  }
  return "?";
}

}  // namespace lifecheck::model
