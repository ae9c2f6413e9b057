// A PyType_Spec type with a weakref-list member but no "__weaklistoffset__"
// member: it is not weakrefable, and its tp_finalize calls a stored
// callable.
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *cb;
    PyObject *weakreflist;
} TimerObject;

static int Timer_traverse(TimerObject *self, visitproc visit, void *arg) {
    Py_VISIT(self->cb);
    Py_VISIT(Py_TYPE(self));
    return 0;
}

static int Timer_clear(TimerObject *self) {
    Py_CLEAR(self->cb);
    return 0;
}

static void Timer_finalize(TimerObject *self) {
    PyObject *exc = PyErr_GetRaisedException();
    if (self->cb != NULL) {
        PyObject *r = PyObject_CallNoArgs(self->cb);
        Py_XDECREF(r);
    }
    PyErr_SetRaisedException(exc);
}

/* the member is never set: the guarded call never runs */
static void Timer_dealloc(TimerObject *self) {
    PyTypeObject *tp = Py_TYPE(self);
    if (PyObject_CallFinalizerFromDealloc((PyObject *)self) < 0) return;
    PyObject_GC_UnTrack(self);
    if (self->weakreflist) PyObject_ClearWeakRefs((PyObject *)self);
    Timer_clear(self);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

/* unguarded: SystemError set inside tp_dealloc */
static void Plain_dealloc(TimerObject *self) {
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    PyObject_ClearWeakRefs((PyObject *)self);
    Timer_clear(self);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyType_Slot Timer_slots[] = {
    {Py_tp_dealloc, Timer_dealloc},
    {Py_tp_traverse, Timer_traverse},
    {Py_tp_clear, Timer_clear},
    {Py_tp_finalize, Timer_finalize},
    {0, NULL},
};

static PyType_Spec Timer_spec = {
    "weaklist.Timer", sizeof(TimerObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, Timer_slots,
};

static PyType_Slot Plain_slots[] = {
    {Py_tp_dealloc, Plain_dealloc},
    {Py_tp_traverse, Timer_traverse},
    {Py_tp_clear, Timer_clear},
    {0, NULL},
};

static PyType_Spec Plain_spec = {
    "weaklist.Plain", sizeof(TimerObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, Plain_slots,
};
