/* A tp_dealloc that calls helpers of the file (followed), a function of
 * another file (an opaque call) and the C library (no step). */
#include <Python.h>
#include <stdlib.h>

typedef struct {
    PyObject_HEAD
    PyObject *callback;
    PyObject *result;
    char *buffer;
} Job;

extern void job_notify_scheduler(PyObject *job);

static void
release_fields(Job *job)
{
    Py_CLEAR(job->callback);
    Py_CLEAR(job->result);
}

static void
job_close(PyObject *self)
{
    Job *job = (Job *)self;
    free(job->buffer);
    job_notify_scheduler(self);
    release_fields(job);
}

static void
Job_dealloc(PyObject *self)
{
    PyObject_GC_UnTrack(self);
    job_close(self);
    Py_TYPE(self)->tp_free(self);
}

static int
Job_traverse(Job *self, visitproc visit, void *arg)
{
    Py_VISIT(self->callback);
    Py_VISIT(self->result);
    return 0;
}

static PyTypeObject Job_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "helper.Job",
    .tp_basicsize = sizeof(Job),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = Job_dealloc,
    .tp_traverse = (traverseproc)Job_traverse,
};
