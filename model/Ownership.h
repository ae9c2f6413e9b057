// The strong references an object owns, by what its type stores: the one
// definition the independent oracles (Reachability.cpp) and partial-order
// reduction (Independence.cpp) walk. The collector's own tp_traverse
// (Collector.cpp) stays separate on purpose: the oracles check it.
#pragma once

#include "model/Program.h"
#include "model/State.h"

namespace lifecheck::model {

template <class Visit>
void for_each_owned(const Program& program, const Object& x, Visit visit) {
  switch (program.types[x.type].kind) {
    case TypeKind::PyClass:
    case TypeKind::CType:
    case TypeKind::List:
    case TypeKind::Tuple:
    case TypeKind::Dict:
    case TypeKind::Set:
    case TypeKind::Exception:
    case TypeKind::FrameObject:
    case TypeKind::Generator:  // its suspended frame (items; fields hold no objects)
    case TypeKind::Function:   // its closure's cells (Functions.cpp)
    case TypeKind::Cell:       // its contents
    case TypeKind::Deque:      // stale pointers (Py_DECREF without NULL) own nothing
    // its threads' dicts (ThreadLocal.cpp)
    case TypeKind::ThreadLocal:
      for (Value v : x.fields)
        if (v.is_obj()) visit(v.obj());
      for (Value v : x.items)
        if (v.is_obj()) visit(v.obj());
      break;
    case TypeKind::Weakref:
      if (x.fields[kWeakrefCallback].is_obj()) visit(x.fields[kWeakrefCallback].obj());
      break;
    case TypeKind::Method:
      if (x.fields[kMethodSelf].is_obj()) visit(x.fields[kMethodSelf].obj());
      break;
  }
}

}  // namespace lifecheck::model
