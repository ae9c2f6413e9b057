/* The recommended tp_dealloc of Doc/c-api/typeobj.rst (3.14), written for
 * the 3.11-3.13 API (PyErr_Fetch instead of PyErr_GetRaisedException), on a
 * GC type with a weakref list, tp_clear, tp_traverse and tp_finalize. */
#include <Python.h>
#include <stddef.h>

typedef struct {
    PyObject_HEAD
    PyObject *data;
    PyObject *weakreflist;
} BufferObject;

static void
Buffer_finalize(PyObject *self)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    Py_CLEAR(((BufferObject *)self)->data);
    PyErr_Restore(type, value, tb);
}

static int
Buffer_traverse(PyObject *op, visitproc visit, void *arg)
{
    BufferObject *self = (BufferObject *)op;
    Py_VISIT(self->data);
    return 0;
}

static int
Buffer_clear(PyObject *op)
{
    BufferObject *self = (BufferObject *)op;
    Py_CLEAR(self->data);
    return 0;
}

static void
Buffer_dealloc(PyObject *self)
{
    PyObject *err_type, *err_value, *err_tb;
    PyErr_Fetch(&err_type, &err_value, &err_tb);
    if (PyObject_CallFinalizerFromDealloc(self) < 0) {
        goto done;
    }
    PyTypeObject *tp = Py_TYPE(self);
    if (tp->tp_flags & Py_TPFLAGS_HAVE_GC) {
        PyObject_GC_UnTrack(self);
    }
    PyObject_ClearWeakRefs(self);
    if (tp->tp_clear && tp->tp_clear(self) < 0) {
        PyErr_WriteUnraisable(self);
    }
    tp->tp_free(self);
    self = NULL;
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        Py_CLEAR(tp);
    }
done:
    if (PyErr_Occurred()) {
        PyErr_WriteUnraisable(self);
    }
    PyErr_Restore(err_type, err_value, err_tb);
}

static PyObject *
Buffer_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *data = Py_None;
    if (!PyArg_ParseTuple(args, "|O", &data)) {
        return NULL;
    }
    BufferObject *self = (BufferObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->data = Py_NewRef(data);
    return (PyObject *)self;
}

static PyTypeObject Buffer_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "recommended.Buffer",
    .tp_basicsize = sizeof(BufferObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = Buffer_new,
    .tp_dealloc = Buffer_dealloc,
    .tp_traverse = Buffer_traverse,
    .tp_clear = Buffer_clear,
    .tp_finalize = Buffer_finalize,
    .tp_weaklistoffset = offsetof(BufferObject, weakreflist),
};
