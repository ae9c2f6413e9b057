#include "model/Event.h"

namespace lifecheck::model {

const char* event_name(EventKind kind) {
  switch (kind) {
    case EventKind::Alloc:
      return "ALLOC";
    case EventKind::Incref:
      return "INCREF";
    case EventKind::Decref:
      return "DECREF";
    case EventKind::DeallocBegin:
      return "DEALLOC_BEGIN";
    case EventKind::DeallocEnd:
      return "DEALLOC_END";
    case EventKind::FinalizeBegin:
      return "FINALIZE_BEGIN";
    case EventKind::FinalizeEnd:
      return "FINALIZE_END";
    case EventKind::Resurrect:
      return "RESURRECT";
    case EventKind::ClearWeakref:
      return "CLEARWR";
    case EventKind::CallbackBegin:
      return "WRCB_BEGIN";
    case EventKind::CallbackEnd:
      return "WRCB_END";
    case EventKind::ClearBegin:
      return "CLEAR_BEGIN";
    case EventKind::ClearEnd:
      return "CLEAR_END";
    case EventKind::Track:
      return "TRACK";
    case EventKind::Untrack:
      return "UNTRACK";
    case EventKind::Free:
      return "FREE";
    case EventKind::TypeDecref:
      return "DECREF_TYPE";
    case EventKind::GcStart:
      return "GC_START";
    case EventKind::GcPhase:
      return "GC_PHASE";
    case EventKind::GcStop:
      return "GC_STOP";
    case EventKind::GcReentrant:
      return "GC_REENTRANT";
    case EventKind::GcCallbackBegin:
      return "GC_CALLBACK_BEGIN";
    case EventKind::GcCallbackEnd:
      return "GC_CALLBACK_END";
    case EventKind::GarbageAppend:
      return "GARBAGE_APPEND";
    case EventKind::Log:
      return "LOG";
    case EventKind::Unraisable:
      return "UNRAISABLE";
    case EventKind::ThreadStart:
      return "THREAD_START";
    case EventKind::ThreadEnd:
      return "THREAD_END";
    case EventKind::ThreadException:
      return "THREAD_EXCEPTION";
    case EventKind::EndOfThreads:
      return "END_OF_THREADS";
    case EventKind::ExceptHook:
      return "EXCEPT_HOOK";
    case EventKind::TpDel:
      return "TP_DEL";
    case EventKind::ResourceRelease:
      return "RESOURCE_RELEASE";
    case EventKind::TrashDeposit:
      return "TRASH_DEPOSIT";
    case EventKind::CStep:
      return "C_STEP";
    case EventKind::TrashPop:
      return "TRASH_POP";
    case EventKind::Enter:
      return "ENTER";
    case EventKind::BrcQueue:
      return "BRC_QUEUE";
    case EventKind::WorldStop:
      return "STOP_THE_WORLD";
    case EventKind::WorldStart:
      return "START_THE_WORLD";
  }
  return "?";
}

}  // namespace lifecheck::model
