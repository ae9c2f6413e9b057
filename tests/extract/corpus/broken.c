#include <Python.h>

static void f(PyObject *self
{
}
