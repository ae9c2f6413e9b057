/* The forms Cython 3 writes for a cdef class (reduced from the new-user
   review's cython_forms.c and cython_style.c): tp_clear resets a field to
   None through a temporary, tp_traverse calls the visitproc through a
   pointer, tp_dealloc calls tp_free through a pointer; Watcher's
   __dealloc__ runs with the refcount bumped and the error state saved. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

typedef struct { PyObject_HEAD PyObject *a; PyObject *b; } CyObject;

static int Cy_traverse(PyObject *o, visitproc v, void *arg)
{
    int e;
    CyObject *p = (CyObject *)o;
    if (p->a) { e = (*v)(p->a, arg); if (e) return e; }
    Py_VISIT(p->b);
    return 0;
}

static int Cy_clear(PyObject *o)
{
    PyObject *tmp;
    CyObject *p = (CyObject *)o;
    tmp = ((PyObject *)p->a);
    p->a = Py_None; Py_INCREF(Py_None);
    Py_XDECREF(tmp);
    Py_XSETREF(p->b, Py_NewRef(Py_None));
    return 0;
}

static void Cy_dealloc(PyObject *o)
{
    CyObject *p = (CyObject *)o;
    PyObject_GC_UnTrack(o);
    Py_CLEAR(p->a);
    Py_CLEAR(p->b);
    (*Py_TYPE(o)->tp_free)(o);
}

static PyTypeObject Cy_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "cy.Cy",
    .tp_basicsize = sizeof(CyObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = Cy_dealloc,
    .tp_traverse = Cy_traverse,
    .tp_clear = Cy_clear,
    .tp_new = PyType_GenericNew,
};

struct __pyx_obj_Watcher {
    PyObject_HEAD
    PyObject *callback;
    PyObject *__weakref__;
};

static void __pyx_pf_Watcher___dealloc__(struct __pyx_obj_Watcher *self)
{
    PyObject *r = PyObject_CallOneArg(self->callback, Py_None);
    Py_XDECREF(r);
}

static void __pyx_tp_dealloc_Watcher(PyObject *o)
{
    struct __pyx_obj_Watcher *p = (struct __pyx_obj_Watcher *)o;
    if (Py_TYPE(o)->tp_finalize != NULL && !PyObject_GC_IsFinalized(o)) {
        if (Py_TYPE(o)->tp_dealloc == __pyx_tp_dealloc_Watcher) {
            if (PyObject_CallFinalizerFromDealloc(o)) return;
        }
    }
    PyObject_GC_UnTrack(o);
    {
        PyObject *etype, *eval, *etb;
        PyErr_Fetch(&etype, &eval, &etb);
        Py_SET_REFCNT(o, Py_REFCNT(o) + 1);
        __pyx_pf_Watcher___dealloc__(p);
        Py_SET_REFCNT(o, Py_REFCNT(o) - 1);
        PyErr_Restore(etype, eval, etb);
    }
    if (p->__weakref__) PyObject_ClearWeakRefs(o);
    Py_CLEAR(p->callback);
    (*Py_TYPE(o)->tp_free)(o);
}

static int __pyx_tp_traverse_Watcher(PyObject *o, visitproc v, void *a)
{
    int e;
    struct __pyx_obj_Watcher *p = (struct __pyx_obj_Watcher *)o;
    if (p->callback) {
        e = (*v)(p->callback, a); if (e) return e;
    }
    return 0;
}

static int __pyx_tp_clear_Watcher(PyObject *o)
{
    PyObject *tmp;
    struct __pyx_obj_Watcher *p = (struct __pyx_obj_Watcher *)o;
    tmp = ((PyObject *)p->callback);
    p->callback = Py_None; Py_INCREF(Py_None);
    Py_XDECREF(tmp);
    return 0;
}

static PyObject *__pyx_tp_new_Watcher(PyTypeObject *t, PyObject *a, PyObject *k)
{
    struct __pyx_obj_Watcher *p;
    PyObject *o = t->tp_alloc(t, 0);
    if (!o) return 0;
    p = (struct __pyx_obj_Watcher *)o;
    p->callback = Py_None; Py_INCREF(Py_None);
    return o;
}

static PyTypeObject __pyx_type_Watcher = {
    PyVarObject_HEAD_INIT(0, 0)
    .tp_name = "mod.Watcher",
    .tp_basicsize = sizeof(struct __pyx_obj_Watcher),
    .tp_dealloc = __pyx_tp_dealloc_Watcher,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = __pyx_tp_traverse_Watcher,
    .tp_clear = __pyx_tp_clear_Watcher,
    .tp_weaklistoffset = offsetof(struct __pyx_obj_Watcher, __weakref__),
    .tp_new = __pyx_tp_new_Watcher,
};
