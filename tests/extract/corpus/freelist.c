/* A free list in tp_dealloc (reduced from the new-user review's handler.c):
   the branch that parks the object in a C array and returns is left out with
   one warning; Odd's tp_clear tracks the object again, which no 'clear:'
   step can say: the step is left out so that the skeleton loads. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define MAXFREE 4
static PyObject *free_list[MAXFREE];
static int numfree = 0;

typedef struct {
    PyObject_HEAD
    PyObject *payload;
} CellObject;

static void Cell_dealloc(CellObject *self)
{
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->payload);
    if (numfree < MAXFREE) {
        free_list[numfree++] = (PyObject *)self;
        return;
    }
    PyObject_GC_Del(self);
}

static int Cell_traverse(CellObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->payload);
    return 0;
}

static int Cell_clear(CellObject *self)
{
    Py_CLEAR(self->payload);
    return 0;
}

static PyTypeObject Cell_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "h.Cell",
    .tp_basicsize = sizeof(CellObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)Cell_dealloc,
    .tp_traverse = (traverseproc)Cell_traverse,
    .tp_clear = (inquiry)Cell_clear,
};

static int Odd_clear(CellObject *self)
{
    Py_CLEAR(self->payload);
    PyObject_GC_Track(self);
    return 0;
}

static PyTypeObject Odd_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "h.Odd",
    .tp_basicsize = sizeof(CellObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)Cell_traverse,
    .tp_clear = (inquiry)Odd_clear,
};
