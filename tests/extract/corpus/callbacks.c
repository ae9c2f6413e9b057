/* Slots that call the Python callable stored in a field (call F, rules CB1-CB3
   of docs/semantics.md): the result ignored, tested, reported or cleared; a
   NULL test around the call; the calling conventions that take no argument
   or self; a tp_finalize that saves and restores the exception. */
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *on_close;
    PyObject *on_error;
} CloserObject;

static int Closer_traverse(CloserObject *self, visitproc visit, void *arg) {
    Py_VISIT(self->on_close);
    Py_VISIT(self->on_error);
    return 0;
}

static int Closer_clear(CloserObject *self) {
    Py_CLEAR(self->on_close);
    Py_CLEAR(self->on_error);
    return 0;
}

/* the result ignored: an exception is left set */
static void Closer_dealloc(CloserObject *self) {
    PyObject_GC_UnTrack(self);
    PyObject *r = PyObject_CallNoArgs(self->on_close);
    Py_XDECREF(r);
    Py_XDECREF(PyObject_CallObject(self->on_error, NULL));
    Closer_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* the template's shape: saved, tested, reported, restored */
static void Safe_dealloc(CloserObject *self) {
    PyObject *exc = PyErr_GetRaisedException();
    PyObject_GC_UnTrack(self);
    if (self->on_close != NULL) {
        PyObject *r = PyObject_CallNoArgs(self->on_close);
        if (r == NULL) {
            PyErr_WriteUnraisable((PyObject *)self);
        }
        else {
            Py_DECREF(r);
        }
    }
    PyObject *r2 = PyObject_CallFunctionObjArgs(self->on_error, NULL);
    if (!r2)
        PyErr_Clear();
    Py_XDECREF(r2);
    Closer_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
    PyErr_SetRaisedException(exc);
}

/* PyObject_Call with an empty tuple; PyObject_CallOneArg with self; a
   tuple the model does not see */
static void Args_dealloc(CloserObject *self) {
    PyObject_GC_UnTrack(self);
    PyObject *args = PyTuple_New(0);
    PyObject *r = PyObject_Call(self->on_close, args, NULL);
    Py_XDECREF(r);
    Py_XDECREF(args);
    if (PyObject_CallOneArg(self->on_error, (PyObject *)self) == NULL)
        PyErr_WriteUnraisable(NULL);
    PyObject *t = Py_BuildValue("(i)", 1);
    Py_XDECREF(PyObject_Call(self->on_error, t, NULL));
    Py_XDECREF(t);
    Closer_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* the callback in tp_finalize, the exception saved and restored */
static void Final_finalize(CloserObject *self) {
    PyObject *exc = PyErr_GetRaisedException();
    PyObject *r = PyObject_CallNoArgs(self->on_close);
    Py_XDECREF(r);
    PyErr_SetRaisedException(exc);
}

/* ... and without: what it raises stays set */
static void Bare_finalize(CloserObject *self) {
    if (self->on_close) {
        PyObject *r = PyObject_CallOneArg(self->on_close, (PyObject *)self);
        Py_XDECREF(r);
    }
}

static PyTypeObject Closer_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "cb.Closer",
    .tp_basicsize = sizeof(CloserObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)Closer_dealloc,
    .tp_traverse = (traverseproc)Closer_traverse,
    .tp_clear = (inquiry)Closer_clear,
};

static PyTypeObject Safe_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "cb.Safe",
    .tp_basicsize = sizeof(CloserObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)Safe_dealloc,
    .tp_traverse = (traverseproc)Closer_traverse,
    .tp_clear = (inquiry)Closer_clear,
};

static PyTypeObject Args_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "cb.Args",
    .tp_basicsize = sizeof(CloserObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)Args_dealloc,
    .tp_traverse = (traverseproc)Closer_traverse,
    .tp_clear = (inquiry)Closer_clear,
};

static PyTypeObject Final_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "cb.Final",
    .tp_basicsize = sizeof(CloserObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_traverse = (traverseproc)Closer_traverse,
    .tp_clear = (inquiry)Closer_clear,
    .tp_finalize = (destructor)Final_finalize,
};

static PyTypeObject Bare_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "cb.Bare",
    .tp_basicsize = sizeof(CloserObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_traverse = (traverseproc)Closer_traverse,
    .tp_clear = (inquiry)Closer_clear,
    .tp_finalize = (destructor)Bare_finalize,
};
