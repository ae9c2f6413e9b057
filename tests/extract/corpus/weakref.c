/* Two watchers that hold a weakref to their owner and a cache that may
 * hold the owner's last strong reference. Watcher reads the owner with
 * PyWeakref_GetObject (borrowed) and uses it after releasing the cache;
 * SafeWatcher takes a strong reference with PyWeakref_GetRef (3.13+) and
 * a compatible one before. */
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *owner_ref;
    PyObject *cache;
} Watcher;

extern void notify_owner(PyObject *owner);

static void
Watcher_dealloc(Watcher *self)
{
    PyObject_GC_UnTrack(self);
    PyObject *owner = PyWeakref_GetObject(self->owner_ref);
    Py_CLEAR(self->cache);
    if (owner != Py_None) {
        notify_owner(owner);
    }
    Py_CLEAR(self->owner_ref);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
Watcher_traverse(Watcher *self, visitproc visit, void *arg)
{
    Py_VISIT(self->owner_ref);
    Py_VISIT(self->cache);
    return 0;
}

static PyTypeObject Watcher_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "weakref.Watcher",
    .tp_basicsize = sizeof(Watcher),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)Watcher_dealloc,
    .tp_traverse = (traverseproc)Watcher_traverse,
};

static void
SafeWatcher_dealloc(Watcher *self)
{
    PyObject_GC_UnTrack(self);
    PyObject *owner;
    if (PyWeakref_GetRef(self->owner_ref, &owner) == 1) {
        Py_CLEAR(self->cache);
        notify_owner(owner);
        Py_DECREF(owner);
    }
    Py_CLEAR(self->owner_ref);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
SafeWatcher_clear(Watcher *self)
{
    PyObject *owner = Py_NewRef(PyWeakref_GetObject(self->owner_ref));
    Py_CLEAR(self->cache);
    notify_owner(owner);
    Py_XDECREF(owner);
    Py_CLEAR(self->owner_ref);
    return 0;
}

static PyTypeObject SafeWatcher_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "weakref.SafeWatcher",
    .tp_basicsize = sizeof(Watcher),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)SafeWatcher_dealloc,
    .tp_traverse = (traverseproc)Watcher_traverse,
    .tp_clear = (inquiry)SafeWatcher_clear,
};
