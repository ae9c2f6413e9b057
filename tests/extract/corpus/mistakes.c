/* The documented mistakes of docs/extension-types.md §3, one type each. */
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *data;
} Obj;

static int
Obj_traverse(Obj *self, visitproc visit, void *arg)
{
    Py_VISIT(self->data);
    Py_VISIT(Py_TYPE(self));
    return 0;
}

/* P7.10: Py_CLEAR before PyObject_GC_UnTrack */
static void
Early_dealloc(Obj *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    Py_CLEAR(self->data);
    PyObject_GC_UnTrack(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* P7.9: no untrack, then Python code */
static void
NoUntrack_dealloc(Obj *self)
{
    PyObject *r = PyObject_CallMethod(self->data, "close", NULL);
    Py_XDECREF(r);
    Py_CLEAR(self->data);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* P7.16: PyObject_Free on a GC object; P7.15: the type released before tp_free */
static void
WrongFree_dealloc(Obj *self)
{
    PyObject_GC_UnTrack(self);
    Py_DECREF(Py_TYPE(self));
    Py_CLEAR(self->data);
    PyObject_Free(self);
}

/* memory-safety: tp_clear releases without NULLing */
static int
NoNull_clear(Obj *self)
{
    Py_DECREF(self->data);
    return 0;
}

/* P7.12: a reference count change inside tp_traverse */
static int
Busy_traverse(Obj *self, visitproc visit, void *arg)
{
    Py_INCREF(self->data);
    Py_VISIT(self->data);
    Py_DECREF(self->data);
    return 0;
}

/* P7.11: tracked before the field is set; P7.30 would be tracking twice */
static PyObject *
Early_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    Obj *self = PyObject_GC_New(Obj, type);
    PyObject_GC_Track(self);
    self->data = Py_NewRef(Py_None);
    return (PyObject *)self;
}

/* P7.27: Py_CLEAR without the GIL */
static void
Unlocked_dealloc(Obj *self)
{
    PyObject_GC_UnTrack(self);
    Py_BEGIN_ALLOW_THREADS
    Py_CLEAR(self->data);
    Py_END_ALLOW_THREADS
    PyObject_GC_Del(self);
}

/* P7.28: the finalizer after a field is cleared; the result ignored */
static void
LateFinalizer_dealloc(Obj *self)
{
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->data);
    PyObject_CallFinalizerFromDealloc((PyObject *)self);
    PyObject_GC_Del(self);
}

static void
LateFinalizer_finalize(Obj *self)
{
    PyObject_Print(self->data, stdout, 0);
}

static PyTypeObject Early_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mistakes.Early",
    .tp_basicsize = sizeof(Obj),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HEAPTYPE,
    .tp_new = Early_new,
    .tp_dealloc = (destructor)Early_dealloc,
    .tp_traverse = (traverseproc)Obj_traverse,
};

static PyTypeObject NoUntrack_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    "mistakes.NoUntrack",                    /* tp_name */
    sizeof(Obj),                             /* tp_basicsize */
    0,                                       /* tp_itemsize */
    (destructor)NoUntrack_dealloc,           /* tp_dealloc */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* tp_vectorcall_offset ... tp_as_buffer */
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, /* tp_flags */
    0,                                       /* tp_doc */
    (traverseproc)Busy_traverse,             /* tp_traverse */
    (inquiry)NoNull_clear,                   /* tp_clear */
};

static PyTypeObject WrongFree_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mistakes.WrongFree",
    .tp_basicsize = sizeof(Obj),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HEAPTYPE,
    .tp_dealloc = (destructor)WrongFree_dealloc,
    .tp_traverse = (traverseproc)Obj_traverse,
};

static PyTypeObject Unlocked_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mistakes.Unlocked",
    .tp_basicsize = sizeof(Obj),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)Unlocked_dealloc,
    .tp_traverse = (traverseproc)Obj_traverse,
};

static PyTypeObject LateFinalizer_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mistakes.LateFinalizer",
    .tp_basicsize = sizeof(Obj),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)LateFinalizer_dealloc,
    .tp_traverse = (traverseproc)Obj_traverse,
    .tp_finalize = (destructor)LateFinalizer_finalize,
};
