// The C API names slot translation knows (Slots.cpp): bracketing macros,
// statement macros, calls that are no step, and the Python API prefix.
#include "extract/CApi.h"

#include <set>

namespace lifecheck::extract {

// Macros that bracket code: each end of the bracket is one step.
const std::map<std::string, std::string>& marker_macros() {
  static const std::map<std::string, std::string> m = {
      {"Py_TRASHCAN_BEGIN", "trashcan_begin"},      {"Py_TRASHCAN_END", "trashcan_end"},
      {"Py_TRASHCAN_SAFE_BEGIN", "trashcan_begin"}, {"Py_TRASHCAN_SAFE_END", "trashcan_end"},
      {"Py_BEGIN_ALLOW_THREADS", "release_gil"},    {"Py_END_ALLOW_THREADS", "acquire_gil"},
      {"Py_UNBLOCK_THREADS", "release_gil"},        {"Py_BLOCK_THREADS", "acquire_gil"},
  };
  return m;
}

// Macros written as a statement of their own, read from their arguments.
bool is_statement_macro(const std::string& name) {
  static const std::set<std::string> s = {"Py_CLEAR",  "Py_XDECREF", "Py_DECREF", "Py_XINCREF",
                                          "Py_INCREF", "Py_XSETREF", "Py_SETREF", "Py_VISIT"};
  return s.count(name) != 0;
}

// C API functions that run no Python code and touch no object the model
// knows: they are no step at all.
bool is_quiet_api(const std::string& name) {
  static const std::set<std::string> s = {"PyErr_Occurred",
                                          "PyErr_Clear",
                                          "PyMem_Free",
                                          "PyMem_RawFree",
                                          "PyMem_Malloc",
                                          "PyMem_RawMalloc",
                                          "PyMem_Calloc",
                                          "PyMem_Realloc",
                                          "PyObject_GC_IsTracked",
                                          "PyObject_GC_IsFinalized",
                                          "PyType_HasFeature",
                                          "PyType_GetFlags",
                                          "PyType_IS_GC",
                                          "PyObject_IS_GC",
                                          "Py_IsNone",
                                          "PyThreadState_Get",
                                          "PyGILState_Check",
                                          "Py_TYPE",
                                          "Py_REFCNT",
                                          "PyType_GetModule",
                                          "PyType_GetModuleState",
                                          "PyModule_GetState",
                                          "PyObject_TypeCheck",
                                          "PyType_GetSlot",
                                          "PyArg_ParseTuple",
                                          "PyArg_ParseTupleAndKeywords",
                                          "PyArg_UnpackTuple",
                                          "_PyArg_NoKeywords",
                                          "_PyArg_NoPositional",
                                          "Py_NewRef",
                                          "Py_XNewRef"};
  return s.count(name) != 0;
}

bool is_managed_dict_api(const std::string& name) {
  return name == "PyObject_VisitManagedDict" || name == "PyObject_ClearManagedDict" ||
         name == "_PyObject_VisitManagedDict" || name == "_PyObject_ClearManagedDict";
}

bool is_python_api(const std::string& name) {
  return name.rfind("Py", 0) == 0 || name.rfind("_Py", 0) == 0;
}

std::string api_step(const std::string& name, bool gc) {
  static const std::map<std::string, std::string> steps = {
      {"PyObject_GC_UnTrack", "untrack"},
      {"PyObject_GC_Track", "track"},
      {"PyObject_ClearWeakRefs", "clear_weakrefs"},
      {"PyUnstable_Object_ClearWeakRefsNoCallbacks", "clear_weakrefs_no_callbacks"},
      {"PyObject_CallFinalizerFromDealloc", "finalizer_from_dealloc unchecked"},  // result unused
      {"PyErr_WriteUnraisable", "write_unraisable"},
      {"PyErr_GetRaisedException", "save_error"},
      {"PyErr_Fetch", "save_error"},
      {"PyErr_SetRaisedException", "restore_error"},
      {"PyErr_Restore", "restore_error"},
      {"PyType_GenericAlloc", "generic_alloc"},
      {"PyType_GenericNew", "generic_alloc"},
      {"PyObject_GC_New", "alloc"},
      {"PyObject_New", "alloc"},
      {"_PyObject_GC_New", "alloc"},
      {"PyObject_GC_NewVar", "alloc"},
      {"PyObject_NewVar", "alloc"},
  };
  if (auto it = steps.find(name); it != steps.end()) return it->second;
  // the deallocators: the wrong one for the type is `free wrong`
  if (name == "PyObject_GC_Del") return gc ? "free" : "free wrong";
  if (name == "PyObject_Free" || name == "PyObject_Del" || name == "PyObject_FREE" ||
      name == "PyObject_DEL")
    return gc ? "free wrong" : "free";
  return "";
}

}  // namespace lifecheck::extract
