// tp_init replacing what tp_new stored: Py_SETREF / Py_XSETREF (the
// "Defining Extension Types" tutorial's Custom), the older tmp swap, and a
// plain assignment that leaks the first value.
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *first;
    PyObject *last;
} NameObject;

static int Name_traverse(NameObject *self, visitproc visit, void *arg) {
    Py_VISIT(self->first);
    Py_VISIT(self->last);
    return 0;
}

static int Name_clear(NameObject *self) {
    Py_CLEAR(self->first);
    Py_CLEAR(self->last);
    return 0;
}

static void Name_dealloc(NameObject *self) {
    PyObject_GC_UnTrack(self);
    Name_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Name_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    NameObject *self = (NameObject *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->first = PyUnicode_FromString("");
    self->last = PyUnicode_FromString("");
    return (PyObject *)self;
}

/* Py_SETREF and Py_XSETREF: the new value stored, then the old released */
static int Name_init(NameObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"first", "last", NULL};
    PyObject *first = NULL, *last = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO", kwlist, &first, &last)) return -1;
    if (first) Py_SETREF(self->first, Py_NewRef(first));
    if (last) Py_XSETREF(self->last, Py_NewRef(last));
    return 0;
}

/* the older form: the old value in a temporary, released after the store */
static int Swap_init(NameObject *self, PyObject *args, PyObject *kwds) {
    PyObject *first = NULL, *last = NULL, *tmp;
    if (!PyArg_UnpackTuple(args, "Swap", 0, 2, &first, &last)) return -1;
    if (first) {
        tmp = self->first;
        Py_INCREF(first);
        self->first = first;
        Py_XDECREF(tmp);
    }
    if (last) {
        PyObject *old = self->last;
        self->last = Py_NewRef(last);
        Py_DECREF(old);
    }
    return 0;
}

/* BUG: a plain store; what tp_new stored leaks */
static int Leaky_init(NameObject *self, PyObject *args, PyObject *kwds) {
    PyObject *first = NULL, *last = NULL;
    if (!PyArg_UnpackTuple(args, "Leaky", 0, 2, &first, &last)) return -1;
    if (first) self->first = Py_NewRef(first);
    if (last) Py_SETREF(self->last, Py_NewRef(last));
    return 0;
}

static PyTypeObject Name_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "replace.Name",
    .tp_basicsize = sizeof(NameObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = Name_new,
    .tp_init = (initproc)Name_init,
    .tp_dealloc = (destructor)Name_dealloc,
    .tp_traverse = (traverseproc)Name_traverse,
    .tp_clear = (inquiry)Name_clear,
};

static PyTypeObject Swap_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "replace.Swap",
    .tp_basicsize = sizeof(NameObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = Name_new,
    .tp_init = (initproc)Swap_init,
    .tp_dealloc = (destructor)Name_dealloc,
    .tp_traverse = (traverseproc)Name_traverse,
    .tp_clear = (inquiry)Name_clear,
};

static PyTypeObject Leaky_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "replace.Leaky",
    .tp_basicsize = sizeof(NameObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = Name_new,
    .tp_init = (initproc)Leaky_init,
    .tp_dealloc = (destructor)Name_dealloc,
    .tp_traverse = (traverseproc)Name_traverse,
    .tp_clear = (inquiry)Name_clear,
};
