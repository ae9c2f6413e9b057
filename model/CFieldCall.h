// Argument bits of the C slot steps that call Python code or handle its
// exception (rules CB1-CB3 of docs/semantics.md; model/CTypes.cpp).
#pragma once

#include <cstdint>

namespace lifecheck::model {

// SlotStep::arg of SlotOp::Call. Without kCallField the callee is
// SlotStep::func (a module-level function, `call FUNC`), or nothing (an
// opaque `call`); with it, the object in SlotStep::field (`call F`, CB1).
inline constexpr uint8_t kCallSelf = 1;     // self is the argument (PyObject_CallOneArg)
inline constexpr uint8_t kCallField = 2;    // the callable is the object in the field
inline constexpr uint8_t kCallIfSet = 4;    // `if (self->F)`: a NULL field is skipped
inline constexpr uint8_t kCallObjArgs = 8;  // PyObject_CallFunctionObjArgs: NULL sets SystemError

// SlotStep::arg of SlotOp::WriteUnraisable: 1 is `clear_error`, PyErr_Clear
// (CB3), which drops the exception without a report.
inline constexpr uint8_t kClearErrorOnly = 1;

}  // namespace lifecheck::model
