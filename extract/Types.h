// What extract finds in a C file before writing it out: the types, their
// flags and members, and each slot's function (Types.cpp), then each slot
// translated into steps (Slots.cpp).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "extract/Clang.h"
#include "extract/Extract.h"

namespace lifecheck::extract {

// One step of a slot: the words of the scenario language ("clear data"),
// the C line it came from and what the C said there.
struct Step {
  std::string words;
  unsigned line = 0;
  std::string c_text;  // e.g. "Py_CLEAR(self->data)"
};

// A slot's function, or a function of the Python C API in its place
// (PyType_GenericNew as tp_new, PyObject_GC_Del as tp_free).
struct SlotFunction {
  std::string name;
  CXCursor definition = clang_getNullCursor();  // null unless defined in the file
  bool defined() const { return !clang_Cursor_isNull(definition); }
};

struct TypeDecl {
  std::string variable;  // Buffer_Type, Buffer_spec
  std::string tp_name;   // "mod.Buffer"
  std::string name;      // the ctype's name in the scenario
  Place place;
  bool spec = false;  // PyType_Spec: a heap type made by PyType_FromSpec
  bool gc = false, heap = false, basetype = false, weakrefable = false;
  bool managed_dict = false;    // Py_TPFLAGS_MANAGED_DICT: not modelled (a warning)
  std::string instance_struct;  // from tp_basicsize = sizeof(...)
  std::string weaklist_member, dict_member;
  std::vector<std::string> c_fields;          // PyObject* members, C names
  std::vector<std::string> fields;            // as named in the scenario
  std::map<std::string, SlotFunction> slots;  // "tp_dealloc" -> function
  std::string base_variable;                  // tp_base / Py_tp_base
  const TypeDecl* base = nullptr;             // when the base is found in the file

  bool has(const std::string& slot) const { return slots.count(slot) != 0; }
  const SlotFunction* slot(const std::string& s) const {
    auto it = slots.find(s);
    return it == slots.end() ? nullptr : &it->second;
  }
  std::string field_name(const std::string& c_member) const;
};

// Finds every static PyTypeObject with an initialiser and every
// PyType_Spec in the main file, in the order they are written.
std::vector<TypeDecl> find_types(const Source& source, std::vector<Warning>& warnings);

enum class SlotKind { New, Dealloc, Clear, Traverse, Finalize };

// Translates one slot function (and the functions of the file it calls)
// into steps; what it cannot translate becomes a warning.
std::vector<Step> translate_slot(const Source& source, const TypeDecl& type, SlotKind kind,
                                 const SlotFunction& function, std::vector<Warning>& warnings);

}  // namespace lifecheck::extract
