/* The macro forms of releasing, storing and visiting a field, the trashcan
 * and the GIL release, each as users write them. */
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *a;
    PyObject *b;
    PyObject *c;
    PyObject *d;
    PyObject *e;
    int closed;
} Obj;

static int
Obj_clear(Obj *self)
{
    Py_CLEAR(self->a);               /* NULL first, then Py_DECREF */
    Py_XDECREF(self->b);             /* Py_XDECREF, then NULL */
    self->b = NULL;
    Py_XSETREF(self->c, NULL);
    if (self->d) {                   /* release only if set */
        Py_DECREF(self->d);
        self->d = NULL;
    }
    PyObject *tmp = self->e;         /* Py_CLEAR written out */
    self->e = NULL;
    Py_XDECREF(tmp);
    return 0;
}

static int
Obj_traverse(Obj *self, visitproc visit, void *arg)
{
    Py_VISIT(self->a);
    Py_VISIT(self->b);
    int r = visit(self->c, arg);     /* Py_VISIT written out */
    if (r) {
        return r;
    }
    Py_VISIT(self->d);
    Py_VISIT(self->e);
    return 0;
}

static void
Obj_dealloc(Obj *self)
{
    PyObject_GC_UnTrack(self);
    Py_TRASHCAN_BEGIN(self, Obj_dealloc)
    if (!self->closed) {
        Py_BEGIN_ALLOW_THREADS
        self->closed = 1;
        Py_END_ALLOW_THREADS
    }
    Py_SETREF(self->a, Py_NewRef(Py_None));
    Py_DECREF(self->a);
    self->a = NULL;
    (void)Obj_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
    Py_TRASHCAN_END
}

static PyTypeObject Obj_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "macros.Obj",
    .tp_basicsize = sizeof(Obj),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)Obj_dealloc,
    .tp_traverse = (traverseproc)Obj_traverse,
    .tp_clear = (inquiry)Obj_clear,
};
