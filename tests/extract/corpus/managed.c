/* A heap type with Py_TPFLAGS_MANAGED_DICT and MANAGED_WEAKREF, written as
   the 3.13 C-API docs recommend (reduced from the new-user review's
   managed.c). The managed dict is not modelled: the two calls are no step
   and the flag is a warning. Declared here for older headers. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if PY_VERSION_HEX < 0x030D0000
int PyObject_VisitManagedDict(PyObject *obj, visitproc visit, void *arg);
void PyObject_ClearManagedDict(PyObject *obj);
#endif
#ifndef Py_TPFLAGS_MANAGED_WEAKREF
#define Py_TPFLAGS_MANAGED_WEAKREF (1 << 3)
#endif

typedef struct {
    PyObject_HEAD
    PyObject *callback;
} MObject;

static int M_traverse(PyObject *op, visitproc visit, void *arg)
{
    MObject *self = (MObject *)op;
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->callback);
    return PyObject_VisitManagedDict(op, visit, arg);
}

static int M_clear(PyObject *op)
{
    MObject *self = (MObject *)op;
    Py_CLEAR(self->callback);
    PyObject_ClearManagedDict(op);
    return 0;
}

static void M_dealloc(PyObject *op)
{
    PyTypeObject *tp = Py_TYPE(op);
    PyObject_GC_UnTrack(op);
    PyObject_ClearWeakRefs(op);
    M_clear(op);
    tp->tp_free(op);
    Py_DECREF(tp);
}

static PyType_Slot M_slots[] = {
    {Py_tp_dealloc, M_dealloc},
    {Py_tp_traverse, M_traverse},
    {Py_tp_clear, M_clear},
    {0, NULL},
};

static PyType_Spec M_spec = {
    .name = "m.M",
    .basicsize = sizeof(MObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE
             | Py_TPFLAGS_MANAGED_WEAKREF | Py_TPFLAGS_MANAGED_DICT,
    .slots = M_slots,
};
