/* A heap type made from a PyType_Spec: the weakref list declared through
 * the __weaklistoffset__ member, the type visited and released. */
#include <Python.h>
#include <structmember.h>

typedef struct {
    PyObject_HEAD
    PyObject *owner;
    PyObject *weakreflist;
} Handle;

static int
Handle_traverse(Handle *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->owner);
    return 0;
}

static int
Handle_clear(Handle *self)
{
    Py_CLEAR(self->owner);
    return 0;
}

static void
Handle_dealloc(Handle *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weakreflist != NULL) {
        PyObject_ClearWeakRefs((PyObject *)self);
    }
    tp->tp_clear((PyObject *)self);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyMemberDef Handle_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(Handle, weakreflist), READONLY},
    {NULL},
};

static PyType_Slot Handle_slots[] = {
    {Py_tp_dealloc, Handle_dealloc},
    {Py_tp_traverse, Handle_traverse},
    {Py_tp_clear, Handle_clear},
    {Py_tp_members, Handle_members},
    {Py_tp_new, PyType_GenericNew},
    {0, NULL},
};

static PyType_Spec Handle_spec = {
    .name = "spec.Handle",
    .basicsize = sizeof(Handle),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = Handle_slots,
};
