#include "model/Program.h"

namespace lifecheck::model {

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
