// The C API names slot translation knows (Slots.cpp).
#pragma once

#include <map>
#include <string>

namespace lifecheck::extract {

// Macros that bracket code (Py_TRASHCAN_BEGIN...): each end is one step.
const std::map<std::string, std::string>& marker_macros();
// Macros written as a statement of their own, read from their arguments.
bool is_statement_macro(const std::string& name);
// C API functions that run no Python code and touch no object the model
// knows: they are no step at all.
bool is_quiet_api(const std::string& name);
// The step a call of the C API function `name` is on an object of a GC
// (or non-GC) type, or "" when it is none of the step words.
std::string api_step(const std::string& name, bool gc);
// PyObject_VisitManagedDict, PyObject_ClearManagedDict (and the 3.12
// underscore names): the managed dict is not modelled.
bool is_managed_dict_api(const std::string& name);
// A name of the Python C API (Py..., _Py...).
bool is_python_api(const std::string& name);

}  // namespace lifecheck::extract
