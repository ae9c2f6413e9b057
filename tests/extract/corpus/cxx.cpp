// A C++ source (reduced from the new-user review's handler_cxx.cpp):
// extract refuses it with one error.
#include <Python.h>

struct HandlerObject {
    PyObject_HEAD
    PyObject *callback;
};

static void Handler_dealloc(PyObject *op)
{
    auto *self = reinterpret_cast<HandlerObject *>(op);
    PyObject_GC_UnTrack(op);
    Py_CLEAR(self->callback);
    Py_TYPE(op)->tp_free(op);
}

static PyTypeObject Handler_Type = [] {
    PyTypeObject t{};
    t.tp_name = "h.Handler";
    t.tp_basicsize = sizeof(HandlerObject);
    t.tp_dealloc = Handler_dealloc;
    return t;
}();
