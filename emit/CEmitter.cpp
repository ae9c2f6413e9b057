#include "emit/CEmitter.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "model/CFieldCall.h"

namespace lifecheck::emit {

using model::FuncId;
using model::FuncInfo;
using model::FuncKind;
using model::Program;
using model::SlotOp;
using model::SlotStep;
using model::TypeInfo;
using model::TypeKind;

namespace {

// The module's own helpers: how C steps reach the Python driver.
const char* const kPrelude = R"C(#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <structmember.h>

/* What the driver registered (_lc_register): "turn", the module-level
 * functions and the C types' Python slots by their model names, "globals". */
static PyObject *lc_hooks = NULL;

/* A switch point of the model (call, release_gil): the driver's _turn(),
 * which ends this thread's step under a forced schedule. */
static inline void
lc_turn(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *turn = lc_hooks ? PyDict_GetItemString(lc_hooks, "turn") : NULL;
    if (turn != NULL) {
        PyObject *r = PyObject_CallNoArgs(turn);
        if (r == NULL) {
            PyErr_Clear();
        }
        Py_XDECREF(r);
    }
    PyErr_Restore(type, value, tb);
}

/* call FUNC / call FUNC self: the result is dropped, an exception stays set
 * (as when a C API call returns NULL). */
static inline void
lc_call(const char *name, PyObject *arg)
{
    PyObject *f = lc_hooks ? PyDict_GetItemString(lc_hooks, name) : NULL;
    if (f == NULL) {
        PyErr_Format(PyExc_SystemError, "lifecheck: %s is not registered", name);
        return;
    }
    PyObject *r = arg ? PyObject_CallOneArg(f, arg) : PyObject_CallNoArgs(f);
    Py_XDECREF(r);
}

/* A C tp_finalize or tp_del written in Python: its exception is reported as
 * unraisable and the caller's exception is kept. The object is not passed
 * to the hook: it may be at refcount 0. */
static inline void
lc_python_slot(const char *name, PyObject *self)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    lc_call(name, self);
    if (PyErr_Occurred()) {
        PyErr_WriteUnraisable(NULL);
    }
    PyErr_Restore(type, value, tb);
}

/* store_self G: Py_XSETREF(G, Py_NewRef(self)) on the driver's global. */
static inline void
lc_store_global(const char *name, PyObject *value)
{
    PyObject *globals = lc_hooks ? PyDict_GetItemString(lc_hooks, "globals") : NULL;
    if (globals != NULL && PyDict_SetItemString(globals, name, value) < 0) {
        PyErr_Clear();
    }
}

/* A method of a C type, written in Python: the registered function with
 * self first. */
static inline PyObject *
lc_method(const char *name, PyObject *self, PyObject *args)
{
    PyObject *f = lc_hooks ? PyDict_GetItemString(lc_hooks, name) : NULL;
    if (f == NULL) {
        return PyErr_Format(PyExc_SystemError, "lifecheck: %s is not registered", name);
    }
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    PyObject *all = PyTuple_New(n + 1);
    if (all == NULL) {
        return NULL;
    }
    PyTuple_SET_ITEM(all, 0, Py_NewRef(self));
    for (Py_ssize_t i = 0; i < n; i++) {
        PyTuple_SET_ITEM(all, i + 1, Py_NewRef(PyTuple_GET_ITEM(args, i)));
    }
    PyObject *r = PyObject_Call(f, all, NULL);
    Py_DECREF(all);
    return r;
}

/* _testcapi.with_tp_del: the legacy tp_del of a class, which calls its
 * __tp_del__ with the temporary resurrection of _testcapi's slot_tp_del. */
static void
lc_slot_tp_del(PyObject *self)
{
    Py_SET_REFCNT(self, 1);
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *del = PyObject_GetAttrString((PyObject *)Py_TYPE(self), "__tp_del__");
    if (del != NULL) {
        PyObject *r = PyObject_CallOneArg(del, self);
        if (r == NULL) {
            PyErr_WriteUnraisable(del);
        }
        Py_XDECREF(r);
        Py_DECREF(del);
    } else {
        PyErr_Clear();
    }
    PyErr_Restore(type, value, tb);
    Py_SET_REFCNT(self, Py_REFCNT(self) - 1);
}

static PyObject *
lc_with_tp_del(PyObject *module, PyObject *cls)
{
    (void)module;
    if (!PyType_Check(cls)) {
        return PyErr_Format(PyExc_TypeError, "with_tp_del needs a class");
    }
    ((PyTypeObject *)cls)->tp_del = lc_slot_tp_del;
    Py_RETURN_NONE;
}

/* PyUnstable_Object_ClearWeakRefsNoCallbacks, for every release: clear the
 * weakrefs without calling their callbacks (subtype_dealloc's loop). */
static inline void
lc_clear_weakrefs_no_callbacks(PyObject **list)
{
    while (*list != NULL) {
        _PyWeakref_ClearRef((PyWeakReference *)*list);
    }
}

/* weakref_getref: PyWeakref_GetRef (3.13+; before it, PyWeakref_GetObject
 * and a new reference taken at once): a strong reference to the referent,
 * NULL when the field is NULL or None or the referent is dead. */
static inline PyObject *
lc_weakref_get(PyObject *wr)
{
    if (wr == NULL || wr == Py_None) {
        return NULL;
    }
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *obj = NULL;
    (void)PyWeakref_GetRef(wr, &obj);
    return obj;
#else
    PyObject *obj = PyWeakref_GetObject(wr);
    return obj == NULL || obj == Py_None ? NULL : Py_NewRef(obj);
#endif
}

/* weakref_getobject: PyWeakref_GetObject, a borrowed reference (NULL for
 * None); deprecated in 3.13 for the use after free it allows. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
static inline PyObject *
lc_weakref_borrowed(PyObject *wr)
{
    if (wr == NULL || wr == Py_None) {
        return NULL;
    }
    PyObject *obj = PyWeakref_GetObject(wr);
    return obj == Py_None ? NULL : obj;
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/* tryincref_ref: PyUnstable_TryIncRef on free-threaded 3.14+; elsewhere,
 * as the model has it with the GIL, a new reference unless the object is
 * dying (refcount 0). NULL stays NULL. */
static inline PyObject *
lc_try_incref(PyObject *op)
{
    if (op == NULL) {
        return NULL;
    }
#if defined(Py_GIL_DISABLED) && PY_VERSION_HEX >= 0x030E0000
    return PyUnstable_TryIncRef(op) ? op : NULL;
#else
    if (Py_REFCNT(op) <= 0) {
        return NULL;
    }
    return Py_NewRef(op);
#endif
}

/* critical_section [F] / end_critical_section: the public critical-section
 * functions of 3.13+ (no-ops with the GIL); before 3.13 the GIL is the only
 * lock. 3.13.0's headers define the structs only for the free-threaded
 * build, so a 3.13 build with the GIL uses the no-op branch. A slot that
 * returns leaves its sections (lc_cs_end at its end). */
#if PY_VERSION_HEX >= 0x030E0000 || (PY_VERSION_HEX >= 0x030D0000 && defined(Py_GIL_DISABLED))
#define LC_CS_LOCALS PyCriticalSection lc_cs1; PyCriticalSection2 lc_cs2; int lc_cs = 0
#define lc_cs_begin(a) (PyCriticalSection_Begin(&lc_cs1, (a)), lc_cs = 1)
#define lc_cs_begin2(a, b) \
    ((b) == NULL || (b) == (a) ? (void)lc_cs_begin(a) \
                               : (void)(PyCriticalSection2_Begin(&lc_cs2, (a), (b)), lc_cs = 2))
#define lc_cs_end() \
    ((void)(lc_cs == 1 ? PyCriticalSection_End(&lc_cs1) \
                       : lc_cs == 2 ? PyCriticalSection2_End(&lc_cs2) : (void)0), lc_cs = 0)
#else
#define LC_CS_LOCALS int lc_cs = 0
#define lc_cs_begin(a) ((void)(a), lc_cs = 1)
#define lc_cs_begin2(a, b) ((void)(a), (void)(b), lc_cs = 2)
#define lc_cs_end() (lc_cs = 0)
#endif
)C";

std::string c_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

class CEmitter {
 public:
  CEmitter(const Program& p, std::string module) : p_(p), module_(std::move(module)) {
    names_ = python_names(p_);
  }

  std::string run() {
    if (auto why = interpreter_problem(p_)) throw EmitError(EmitError::Kind::NotPythonLevel, *why);
    std::string out = fmt::format(
        "/* Generated by `lifecheck emit-c` from {} (profile {}): the C types of the\n"
        " * scenario as a real extension module, for the Python driver that\n"
        " * `lifecheck emit-c` writes beside it. Build it against the interpreter's\n"
        " * headers, for example:\n"
        " *   cc -shared -fPIC $(python3-config --includes) {}.c \\\n"
        " *      -o {}$(python3-config --extension-suffix)\n"
        " * Each step of a slot is commented with the step word it stands for. */\n",
        p_.file, p_.profile.display_name(), module_, module_);
    out += kPrelude;
    for (model::ClassId t : c_types_in_order()) out += type(t);
    out += module_init();
    return out;
  }

 private:
  [[noreturn]] void unsupported(const std::string& what, int line) const {
    throw EmitError(EmitError::Kind::NotExpressible,
                    fmt::format("{}:{}: {} is not expressible in C yet", p_.file, line, what));
  }

  std::string id(model::ClassId t) const { return "lc_" + p_.types[t].name; }
  std::string obj(model::ClassId t) const { return id(t) + "_Object"; }
  std::string field(model::FieldId f) const { return "f_" + p_.field_names[f]; }
  // The type in t's chain of C bases whose struct declares field f (or,
  // with f = kWeaklist, the weakref list): a C base's struct comes first in
  // its derived type's, as in C.
  static constexpr int kWeaklist = -1;
  model::ClassId declaring(model::ClassId t, int f) const {
    for (;;) {
      const TypeInfo& ti = p_.types[t];
      if (ti.base == model::kNoType) return t;
      const TypeInfo& b = p_.types[ti.base];
      bool in_base = f == kWeaklist ? b.weakrefable : b.is_c_field(static_cast<model::FieldId>(f));
      if (!in_base) return t;
      t = ti.base;
    }
  }
  // self's member, seen through the struct that declares it
  std::string member(model::ClassId t, model::FieldId f) const {
    return fmt::format("(({} *)self)->{}", obj(declaring(t, f)), field(f));
  }
  std::string weaklist(model::ClassId t) const {
    return fmt::format("(({} *)self)->lc_weakreflist", obj(declaring(t, kWeaklist)));
  }

  // The C types, each after its C base.
  std::vector<model::ClassId> c_types_in_order() const {
    std::vector<model::ClassId> out;
    std::function<void(model::ClassId)> add = [&](model::ClassId t) {
      if (std::find(out.begin(), out.end(), t) != out.end()) return;
      if (p_.types[t].base != model::kNoType) add(p_.types[t].base);
      out.push_back(t);
    };
    for (size_t t = model::kFirstUserType; t < p_.types.size(); ++t)
      if (p_.types[t].kind == TypeKind::CType) add(static_cast<model::ClassId>(t));
    return out;
  }

  std::string type(model::ClassId t) {
    const TypeInfo& ti = p_.types[t];
    std::string out = fmt::format("\n/* ---- ctype {} (line {}) ---- */\n\n", ti.name, ti.line);
    const TypeInfo* base = ti.base == model::kNoType ? nullptr : &p_.types[ti.base];
    out += base ? fmt::format("typedef struct {{\n    {} lc_base;\n", obj(ti.base))
                : "typedef struct {\n    PyObject_HEAD\n";
    for (model::FieldId f : ti.c_fields)
      if (!base || !base->is_c_field(f)) out += fmt::format("    PyObject *{};\n", field(f));
    if (ti.weakrefable && !(base && base->weakrefable)) out += "    PyObject *lc_weakreflist;\n";
    out += fmt::format("}} {};\n\nstatic PyTypeObject *{}_type;\n", obj(t), id(t));
    out += new_function(t);
    if (p_.types[t].own_init) out += new_function(t, true);  // TI1
    out += dealloc_function(t);
    if (ti.has_clear) out += clear_function(t);
    if (ti.gc) out += traverse_function(t);
    for (FuncId f = 0; f < p_.funcs.size(); ++f) {
      const FuncInfo& fi = p_.funcs[f];
      if (fi.owner != t) continue;
      if (f == ti.finalizer)
        out += fmt::format(
            "\nstatic void\n{}_finalize(PyObject *self)\n{{\n    lc_python_slot({}, self);\n}}\n",
            id(t), c_string(fi.name));
      else if (f == ti.legacy_del)
        out += fmt::format(
            "\nstatic void\n{}_del(PyObject *self)\n{{\n    lc_python_slot({}, self);\n}}\n", id(t),
            c_string(fi.name));
      else if (fi.kind == FuncKind::Method)
        out += fmt::format(
            "\nstatic PyObject *\n{}_m_{}(PyObject *self, PyObject *args)\n{{\n"
            "    return lc_method({}, self, args);\n}}\n",
            id(t), names_.funcs[f], c_string(fi.name));
    }
    out += type_object(t);
    return out;
  }

  // ------------------------------------------------------------------ new
  // new: is tp_new (with tp_alloc; and tp_init unless the type has an
  // init: line, TI1); init: is tp_init. The arguments bind to the fields in
  // order (None when missing).
  std::string new_function(model::ClassId t, bool init = false) {
    const TypeInfo& ti = p_.types[t];
    std::string out = init
                          ? fmt::format(
                                "\n/* init: tp_init (TI1) */\nstatic int\n{0}_init(PyObject *self, "
                                "PyObject *args, PyObject *kwds)\n{{\n",
                                id(t))
                          : fmt::format(
                                "\n/* new: tp_new and tp_alloc{1} */\nstatic PyObject *\n{0}_new("
                                "PyTypeObject *type, PyObject *args, PyObject *kwds)\n{{\n"
                                "    PyObject *self = NULL;\n",
                                id(t), ti.own_init ? "" : ", tp_init too");
    out += fmt::format(
        "    PyObject *lc_ref = NULL;\n    LC_CS_LOCALS;\n    PyThreadState *lc_ts = NULL;\n"
        "    Py_ssize_t lc_n = PyTuple_GET_SIZE(args);\n");
    for (size_t i = 0; i < ti.c_fields.size(); ++i)
      out += fmt::format(
          "    PyObject *lc_arg{0} = lc_n > {0} ? PyTuple_GET_ITEM(args, {0}) : "
          "Py_None;\n",
          i);
    out += fmt::format("    if (lc_n > {}) {{\n", ti.c_fields.size()) +
           fmt::format(
               "        PyErr_Format(PyExc_TypeError, \"{}() takes at most {} "
               "arguments\");\n        return {};\n    }}\n",
               ti.name, ti.c_fields.size(), init ? "-1" : "NULL");
    for (const SlotStep& s : init ? ti.init_steps : ti.new_steps) {
      out += fmt::format("    /* {} */\n", step_words(s));
      switch (s.op) {
        case SlotOp::Alloc: {
          // A class deriving from the C type allocates through its own
          // tp_alloc (PyType_GenericAlloc), as the model does.
          std::string own = s.arg == 1 ? "type->tp_alloc(type, 0)"
                                       : fmt::format("(PyObject *){}(PyObject, type)",
                                                     ti.gc ? "PyObject_GC_New" : "PyObject_New");
          out += fmt::format(
              "    self = type == {0}_type ? {1} : type->tp_alloc(type, 0);\n"
              "    if (self == NULL) {{\n        return NULL;\n    }}\n",
              id(t), own);
          if (ti.weakrefable) out += fmt::format("    {} = NULL;\n", weaklist(t));
          break;
        }
        case SlotOp::Init: {
          if (s.arg == 1) {
            out += fmt::format("    {} = NULL;\n", member(t, s.field));
            break;
          }
          out += fmt::format("    {} = Py_NewRef({});\n", member(t, s.field), arg_of(ti, s.field));
          break;
        }
        case SlotOp::RaiseError:  // TI2: tp_init fails
          out +=
              "    PyErr_SetString(PyExc_SystemError, \"a C API call failed\");\n"
              "    lc_cs_end();\n    return -1;\n";
          break;
        case SlotOp::SetRefField:
          if (s.arg & 4) {  // tp_init replacing the field with the argument
            out +=
                fmt::format("    {}({}, Py_NewRef({}));\n", s.arg & 1 ? "Py_XSETREF" : "Py_SETREF",
                            member(t, s.field), arg_of(ti, s.field));
            break;
          }
          out += common_step(t, s, init ? "init" : "new");
          break;
        default:
          out += common_step(t, s, init ? "init" : "new");
      }
    }
    out += "    lc_cs_end();\n    (void)kwds;\n    (void)lc_ts;\n    (void)lc_ref;\n";
    return out + (init ? "    (void)args;\n    return 0;\n}\n" : "    return self;\n}\n");
  }

  // The C variable of the constructor argument a field takes.
  static std::string arg_of(const TypeInfo& ti, model::FieldId field) {
    size_t index = static_cast<size_t>(std::find(ti.c_fields.begin(), ti.c_fields.end(), field) -
                                       ti.c_fields.begin());
    return fmt::format("lc_arg{}", index);
  }

  // ------------------------------------------------------------- tp_dealloc
  std::string dealloc_function(model::ClassId t) {
    const TypeInfo& ti = p_.types[t];
    std::string out = fmt::format(
        "\nstatic void\n{}_dealloc(PyObject *self)\n{{\n"
        "    PyTypeObject *lc_tp = Py_TYPE(self);\n"
        "    PyObject *lc_et = NULL, *lc_ev = NULL, *lc_tb = NULL;\n"
        "    PyObject *lc_ref = NULL;\n"
        "    LC_CS_LOCALS;\n"
        "    PyThreadState *lc_ts = NULL;\n",
        id(t));
    for (const SlotStep& s : ti.dealloc_steps) {
      out += fmt::format("    /* {} */\n", step_words(s));
      switch (s.op) {
        case SlotOp::FinalizerFromDealloc:
          if (s.arg == 1)  // its result ignored
            out += "    (void)PyObject_CallFinalizerFromDealloc(self);\n";
          else
            out +=
                "    if (PyObject_CallFinalizerFromDealloc(self) < 0) {\n"
                "        goto lc_resurrected;\n    }\n";
          break;
        case SlotOp::CallFinalize:  // tp_finalize called directly
          out += "    lc_tp->tp_finalize(self);\n";
          break;
        case SlotOp::BaseDealloc:
          out += fmt::format("    {}_type->tp_dealloc(self);\n", id(ti.base));
          break;
        case SlotOp::TrashcanBegin:
          out += fmt::format("    Py_TRASHCAN_BEGIN(self, {}_dealloc)\n", id(t));
          break;
        case SlotOp::TrashcanEnd:
          out += "    Py_TRASHCAN_END\n";
          break;
        case SlotOp::TpDel:
          // the legacy tp_del with the temporary resurrection of
          // subtype_dealloc (R1.7b step 6)
          out += fmt::format(
              "    Py_SET_REFCNT(self, 1);\n    {}_del(self);\n"
              "    Py_SET_REFCNT(self, Py_REFCNT(self) - 1);\n"
              "    if (Py_REFCNT(self) > 0) {{\n        goto lc_resurrected;\n    }}\n",
              id(t));
          break;
        case SlotOp::DecrefType:
          out += "    Py_DECREF(lc_tp);\n";
          break;
        case SlotOp::ReadType:
          out += "    (void)*(volatile unsigned long *)&lc_tp->tp_flags;\n";
          break;
        case SlotOp::SaveError:
          out += "    PyErr_Fetch(&lc_et, &lc_ev, &lc_tb);\n";
          break;
        case SlotOp::RestoreError:  // CB3: NULLs clear the current exception
          out +=
              "    PyErr_Restore(lc_et, lc_ev, lc_tb);\n"
              "    lc_et = lc_ev = lc_tb = NULL;\n";
          break;

        case SlotOp::RaiseError:
          out += "    PyErr_SetString(PyExc_SystemError, \"a C API call failed\");\n";
          break;
        case SlotOp::WriteUnraisable:
          if (s.arg == model::kClearErrorOnly) {  // clear_error (CB3)
            out += "    PyErr_Clear();\n";
            break;
          }
          out += "    if (PyErr_Occurred()) {\n        PyErr_WriteUnraisable(NULL);\n    }\n";
          break;
        case SlotOp::CallClear:
          out += "    lc_tp->tp_clear(self);\n";
          break;
        default:
          out += common_step(t, s, "dealloc");
      }
    }
    out +=
        "    lc_cs_end();\n    (void)lc_tp;\n    (void)lc_ts;\n    (void)lc_et;\n    "
        "(void)lc_ev;\n    "
        "(void)lc_tb;\n    (void)lc_ref;\n";
    const bool resurrects =
        std::any_of(ti.dealloc_steps.begin(), ti.dealloc_steps.end(), [](const SlotStep& s) {
          return s.op == SlotOp::FinalizerFromDealloc || s.op == SlotOp::TpDel;
        });
    if (!resurrects) return out + "}\n";
    return out +
           "    return;\n"
           "lc_resurrected:\n"
           "    lc_cs_end();\n"
           "    /* a finalizer resurrected the object: the saved exception comes back */\n"
           "    if (lc_et != NULL) {\n        PyErr_Restore(lc_et, lc_ev, lc_tb);\n    }\n}\n";
  }

  // --------------------------------------------------------------- tp_clear
  std::string clear_function(model::ClassId t) {
    const TypeInfo& ti = p_.types[t];
    std::string out = fmt::format(
        "\nstatic int\n{}_clear(PyObject *self)\n{{\n    PyThreadState *lc_ts = NULL;\n"
        "    PyObject *lc_ref = NULL;\n    LC_CS_LOCALS;\n",
        id(t));
    for (const SlotStep& s : ti.clear_steps) {
      out += fmt::format("    /* {} */\n", step_words(s));
      out += common_step(t, s, "clear");
    }
    return out + "    lc_cs_end();\n    (void)lc_ts;\n    (void)lc_ref;\n    return 0;\n}\n";
  }

  // ------------------------------------------------------------ tp_traverse
  std::string traverse_function(model::ClassId t) {
    const TypeInfo& ti = p_.types[t];
    std::string out = fmt::format(
        "\nstatic int\n{}_traverse(PyObject *self, visitproc visit, void *arg)\n{{\n", id(t));
    for (const SlotStep& s : ti.traverse_steps) {
      out += fmt::format("    /* {} */\n", step_words(s));
      switch (s.op) {
        case SlotOp::Visit:
          out += fmt::format("    Py_VISIT({});\n", member(t, s.field));
          break;
        case SlotOp::VisitType:
          out += "    Py_VISIT(Py_TYPE(self));\n";
          break;
        case SlotOp::VisitWeakrefs:
          out += fmt::format("    Py_VISIT({});\n", weaklist(t));
          break;
        case SlotOp::Incref:
          out += fmt::format("    Py_XINCREF({});\n", member(t, s.field));
          break;
        case SlotOp::Decref:
          out += fmt::format("    Py_XDECREF({});\n", member(t, s.field));
          break;
        case SlotOp::Alloc:
          out += "    Py_XDECREF(PyList_New(0));\n";
          break;
        case SlotOp::BaseTraverse:
          out += fmt::format(
              "    {{\n        int lc_r = {}_type->tp_traverse(self, visit, arg);\n"
              "        if (lc_r) {{\n            return lc_r;\n        }}\n    }}\n",
              id(ti.base));
          break;
        default:
          unsupported(fmt::format("'{}' in traverse:", step_words(s)), s.line);
      }
    }
    return out + "    return 0;\n}\n";
  }

  // Steps with the same C in several slots.
  std::string common_step(model::ClassId t, const SlotStep& s, const char* slot) {
    switch (s.op) {
      case SlotOp::Track:
        return "    PyObject_GC_Track(self);\n";
      case SlotOp::Untrack:
        return "    PyObject_GC_UnTrack(self);\n";
      case SlotOp::ClearWeakrefs:
        return "    PyObject_ClearWeakRefs(self);\n";
      case SlotOp::ClearWeakrefsNoCallbacks:
        return fmt::format("    lc_clear_weakrefs_no_callbacks(&{});\n", weaklist(t));
      case SlotOp::ClearField:
        return fmt::format("    Py_CLEAR({});\n", member(t, s.field));
      case SlotOp::DecrefField:
        return fmt::format("    Py_DECREF({});\n", member(t, s.field));
      case SlotOp::NullField:
        return fmt::format("    {} = NULL;\n", member(t, s.field));
      case SlotOp::XDecrefField:
        return fmt::format("    Py_XDECREF({});\n", member(t, s.field));
      case SlotOp::SetRefField:
        return fmt::format("    {}({}, {});\n", s.arg & 1 ? "Py_XSETREF" : "Py_SETREF",
                           member(t, s.field), s.arg & 2 ? "Py_NewRef(Py_None)" : "NULL");
      case SlotOp::BaseClear:
        return fmt::format("    {}_type->tp_clear(self);\n", id(p_.types[t].base));
      case SlotOp::Free: {
        const bool gc = p_.types[t].gc;
        if (s.arg == 1) return gc ? "    PyObject_Free(self);\n" : "    PyObject_GC_Del(self);\n";
        return "    Py_TYPE(self)->tp_free(self);\n";
      }
      case SlotOp::Call:
        if (s.arg & model::kCallField) return field_call(t, s);
        if (s.func == model::kNoFunc) return "    lc_turn();\n";
        return fmt::format("    lc_call({}, {});\n", c_string(p_.funcs[s.func].name),
                           s.arg == 1 ? "self" : "NULL");
      case SlotOp::StoreSelf:
      case SlotOp::Publish:  // the dict takes its own reference, the model's incref
        return fmt::format("    lc_store_global({}, self);\n", c_string(names_.globals[s.global]));
      case SlotOp::WeakrefGetObject:
      case SlotOp::WeakrefGetRef:
        // a NULL or None field is skipped, as the model does
        return fmt::format(
            "    lc_ref = {}({});\n",
            s.op == SlotOp::WeakrefGetObject ? "lc_weakref_borrowed" : "lc_weakref_get",
            member(t, s.field));
      case SlotOp::UseRef:  // reads the object's type: freed memory crashes under -X dev
        return "    if (lc_ref != NULL) {\n"
               "        (void)*(volatile unsigned long *)&Py_TYPE(lc_ref)->tp_flags;\n    }\n";
      case SlotOp::IncrefRef:
        return "    Py_XINCREF(lc_ref);\n";
      case SlotOp::TryIncrefRef:
        return "    lc_ref = lc_try_incref(lc_ref);\n";
      case SlotOp::CriticalSectionBegin:
        return s.arg == 1 ? fmt::format("    lc_cs_begin2(self, {});\n", member(t, s.field))
                          : "    lc_cs_begin(self);\n";
      case SlotOp::CriticalSectionEnd:
        return "    lc_cs_end();\n";
      case SlotOp::EnableDeferredRefcount:  // a no-op returning 0 before 3.14 (F9)
        return "#if PY_VERSION_HEX >= 0x030E0000\n"
               "    (void)PyUnstable_Object_EnableDeferredRefcount(self);\n#endif\n";
      case SlotOp::DropRef:
        return "    Py_XDECREF(lc_ref);\n    lc_ref = NULL;\n";
      case SlotOp::ReleaseResource:
        return "    /* the external resource is released: nothing Python can see */\n";
      case SlotOp::ReleaseGil:
        return "    lc_turn();\n    lc_ts = PyEval_SaveThread();\n";
      case SlotOp::AcquireGil:
        return "    if (lc_ts != NULL) {\n        PyEval_RestoreThread(lc_ts);\n"
               "        lc_ts = NULL;\n    }\n";
      default:
        unsupported(fmt::format("'{}' in {}:", step_words(s), slot), s.line);
    }
  }

  // call F (CB1, CB2): the C a binding writes, its result dropped.
  std::string field_call(model::ClassId t, const SlotStep& s) {
    const std::string m = member(t, s.field);
    const std::string self_arg = s.arg & model::kCallSelf ? ", self" : "";
    const std::string call =
        s.arg & model::kCallObjArgs
            ? fmt::format("PyObject_CallFunctionObjArgs({}{}, NULL)", m, self_arg)
        : s.arg & model::kCallSelf ? fmt::format("PyObject_CallOneArg({}, self)", m)
                                   : fmt::format("PyObject_CallNoArgs({})", m);
    const std::string body =
        fmt::format("{{\n        PyObject *lc_r = {};\n        Py_XDECREF(lc_r);\n    }}\n", call);
    if (s.arg & model::kCallIfSet) return fmt::format("    if ({} != NULL) {}", m, body);
    return "    " + body;
  }

  std::string step_words(const SlotStep& s) const { return model::slot_step_text(p_, s); }

  // ---------------------------------------------------------- type objects
  std::string type_object(model::ClassId t) {
    const TypeInfo& ti = p_.types[t];
    std::string flags = "Py_TPFLAGS_DEFAULT";
    if (ti.gc) flags += " | Py_TPFLAGS_HAVE_GC";
    if (ti.basetype) flags += " | Py_TPFLAGS_BASETYPE";
    std::string out = fmt::format("\nstatic PyMemberDef {}_members[] = {{\n", id(t));
    // the members a C base declares are its own, inherited
    const bool own_weaklist = ti.weakrefable && declaring(t, kWeaklist) == t;
    for (model::FieldId f : ti.c_fields)
      if (declaring(t, f) == t)
        out += fmt::format("    {{{}, T_OBJECT, offsetof({}, {}), 0, NULL}},\n",
                           c_string(names_.fields[f]), obj(t), field(f));
    if (own_weaklist && ti.heap)
      out += fmt::format(
          "    {{\"__weaklistoffset__\", T_PYSSIZET, offsetof({}, lc_weakreflist), READONLY, "
          "NULL}},\n",
          obj(t));
    out += "    {NULL, 0, 0, 0, NULL},\n};\n";
    out += fmt::format("\nstatic PyMethodDef {}_methods[] = {{\n", id(t));
    for (const auto& [name, f] : ti.methods)
      out += fmt::format("    {{{}, {}_m_{}, METH_VARARGS, NULL}},\n", c_string(names_.funcs[f]),
                         id(t), names_.funcs[f]);
    out += "    {NULL, NULL, 0, NULL},\n};\n";
    std::vector<std::pair<std::string, std::string>> slots = {{"tp_new", id(t) + "_new"},
                                                              {"tp_dealloc", id(t) + "_dealloc"},
                                                              {"tp_members", id(t) + "_members"},
                                                              {"tp_methods", id(t) + "_methods"}};
    if (ti.own_init) slots.emplace_back("tp_init", id(t) + "_init");
    if (ti.has_clear) slots.emplace_back("tp_clear", id(t) + "_clear");
    if (ti.gc) slots.emplace_back("tp_traverse", id(t) + "_traverse");
    // a C base's tp_finalize is inherited (inherit_slots)
    if (ti.has_finalizer() && p_.funcs[ti.finalizer].owner == t)
      slots.emplace_back("tp_finalize", id(t) + "_finalize");
    if (ti.has_legacy_del()) slots.emplace_back("tp_del", id(t) + "_del");
    if (ti.heap) {
      // a heap type: PyType_FromSpec (Py_TPFLAGS_HEAPTYPE, R1.12)
      out += fmt::format("\nstatic PyType_Slot {}_slots[] = {{\n", id(t));
      for (auto& [slot, fn] : slots) out += fmt::format("    {{Py_{}, (void *){}}},\n", slot, fn);
      out += "    {0, NULL},\n};\n";
      out += fmt::format(
          "\nstatic PyType_Spec {0}_spec = {{\n    .name = \"{1}.{2}\",\n"
          "    .basicsize = sizeof({3}),\n    .flags = {4},\n    .slots = {0}_slots,\n}};\n",
          id(t), module_, ti.name, obj(t), flags);
      return out;
    }
    out += fmt::format(
        "\nstatic PyTypeObject {0}_static = {{\n    PyVarObject_HEAD_INIT(NULL, 0)\n"
        "    .tp_name = \"{1}.{2}\",\n    .tp_basicsize = sizeof({3}),\n    .tp_flags = {4},\n",
        id(t), module_, ti.name, obj(t), flags);
    for (auto& [slot, fn] : slots) {
      std::string cast = slot == "tp_new"                               ? "(newfunc)"
                         : slot == "tp_init"                            ? "(initproc)"
                         : slot == "tp_clear"                           ? "(inquiry)"
                         : slot == "tp_traverse"                        ? "(traverseproc)"
                         : slot == "tp_members" || slot == "tp_methods" ? ""
                                                                        : "(destructor)";
      out += fmt::format("    .{} = {}{},\n", slot, cast, fn);
    }
    if (own_weaklist)
      out += fmt::format("    .tp_weaklistoffset = offsetof({}, lc_weakreflist),\n", obj(t));
    return out + "};\n";
  }

  std::string module_init() {
    std::string out = fmt::format(
        "\n/* ---- the module ---- */\n\n"
        "static PyObject *\nlc_register(PyObject *module, PyObject *hooks)\n{{\n"
        "    (void)module;\n    Py_XSETREF(lc_hooks, Py_NewRef(hooks));\n    "
        "Py_RETURN_NONE;\n}}\n\n"
        "static PyMethodDef lc_module_methods[] = {{\n"
        "    {{\"_lc_register\", lc_register, METH_O, NULL}},\n"
        "    {{\"_lc_with_tp_del\", lc_with_tp_del, METH_O, NULL}},\n"
        "    {{NULL, NULL, 0, NULL}},\n}};\n\n"
        "static struct PyModuleDef lc_module = {{\n    PyModuleDef_HEAD_INIT, \"{0}\", NULL, -1, "
        "lc_module_methods,\n    NULL, NULL, NULL, NULL,\n}};\n\n"
        "PyMODINIT_FUNC\nPyInit_{0}(void)\n{{\n"
        "    PyObject *m = PyModule_Create(&lc_module);\n    if (m == NULL) {{\n"
        "        return NULL;\n    }}\n",
        module_);
    for (model::ClassId t : c_types_in_order()) {
      const TypeInfo& ti = p_.types[t];
      std::string i = id(t);
      std::string base = ti.base == model::kNoType ? "" : id(ti.base) + "_type";
      if (ti.heap && base.empty())
        out += fmt::format("    {0}_type = (PyTypeObject *)PyType_FromSpec(&{0}_spec);\n", i);
      else if (ti.heap)
        out += fmt::format(
            "    {0}_type = (PyTypeObject *)PyType_FromSpecWithBases(&{0}_spec, "
            "(PyObject *){1});\n",
            i, base);
      else
        out +=
            (base.empty() ? "" : fmt::format("    {}_static.tp_base = {};\n", i, base)) +
            fmt::format("    {0}_type = PyType_Ready(&{0}_static) < 0 ? NULL : &{0}_static;\n", i);
      out += fmt::format(
          "    if ({0}_type == NULL || PyModule_AddObject(m, \"{1}\", Py_NewRef({0}_type)) < 0) "
          "{{\n        Py_DECREF(m);\n        return NULL;\n    }}\n",
          i, ti.name);
      if (ti.heap) out += fmt::format("    Py_DECREF({}_type);  /* the module holds it */\n", i);
    }
    return out + "    return m;\n}\n";
  }

  const Program& p_;
  std::string module_;
  PythonNames names_;
};

}  // namespace

std::string c_module_name(const std::string& scenario_file) {
  std::string stem = std::filesystem::path(scenario_file).stem().string();
  std::string out = "_lc_";
  for (char c : stem) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

std::string emit_c(const Program& program, const std::string& module_name) {
  return CEmitter(program, module_name).run();
}

}  // namespace lifecheck::emit
