/* A C type deriving from a C base type (as Cython writes them): the derived
 * tp_dealloc releases its own field, re-tracks, and calls the base's. */
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *data;
} Base;

typedef struct {
    Base base;
    PyObject *extra;
} Derived;

static int
Base_traverse(Base *self, visitproc visit, void *arg)
{
    Py_VISIT(self->data);
    return 0;
}

static int
Base_clear(Base *self)
{
    Py_CLEAR(self->data);
    return 0;
}

static void
Base_dealloc(Base *self)
{
    PyObject_GC_UnTrack(self);
    Base_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
Derived_traverse(Derived *self, visitproc visit, void *arg)
{
    Py_VISIT(self->extra);
    return Base_traverse((Base *)self, visit, arg);
}

static int
Derived_clear(Derived *self)
{
    Py_CLEAR(self->extra);
    return Base_clear((Base *)self);
}

static void Derived_dealloc(Derived *self);

static PyTypeObject Base_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "derived.Base",
    .tp_basicsize = sizeof(Base),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
    .tp_dealloc = (destructor)Base_dealloc,
    .tp_traverse = (traverseproc)Base_traverse,
    .tp_clear = (inquiry)Base_clear,
};

static PyTypeObject Derived_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "derived.Derived",
    .tp_basicsize = sizeof(Derived),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_base = &Base_Type,
    .tp_dealloc = (destructor)Derived_dealloc,
    .tp_traverse = (traverseproc)Derived_traverse,
    .tp_clear = (inquiry)Derived_clear,
};

static void
Derived_dealloc(Derived *self)
{
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->extra);
    PyObject_GC_Track(self);
    Base_Type.tp_dealloc((PyObject *)self);
}
