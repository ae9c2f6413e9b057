// Functions as objects (issue 12 point 6; rules FN1-FN6 of
// docs/semantics.md): nested defs and lambdas, the cells of the variables
// they capture, the frame layout CPython gives them, their death by
// refcount and in a collection, and module objects.
#include <gtest/gtest.h>

#include <set>

#include "TestSupport.h"
#include "emit/PythonEmitter.h"
#include "model/Machine.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;

// The log lines of the run: every schedule must log the same ones.
Strings only_logs(const model::Program& p) {
  std::set<Strings> seen;
  for (const model::Trace& t : all_traces(p)) {
    EXPECT_TRUE(t.outcome.ok()) << t.outcome.message;
    Strings out;
    for (const std::string& line : observable(p, t))
      if (line.rfind("log: ", 0) == 0) out.push_back(line.substr(5));
    seen.insert(out);
  }
  EXPECT_EQ(seen.size(), 1u);
  return seen.empty() ? Strings{} : *seen.begin();
}

const char* kNode = R"(
class Node:
    def __del__(self):
        log("del", self)
)";

// FN1, FN3: the closure reads the variable through the shared cell, so a
// rebinding after the def is what the callback sees; DELETE_DEREF empties
// the cell and a later read raises UnboundLocalError in the owner.
TEST(FunctionObjects, CellsAreSharedBetweenOwnerAndClosure) {
  model::Program p = load_text(std::string(kNode) + R"(
thread main:
    x = "before"
    n = Node()
    def cb(wr):
        log("callback", x)
    w = weakref.ref(n, cb)
    x = "after"
    del n
    del x
    try:
        log(x)
    except UnboundLocalError:
        log("unbound")
)");
  EXPECT_EQ(only_logs(p), (Strings{"del n", "callback after", "unbound"}));
}

// CPython's localsplus: parameters and plain locals, then the captured
// locals (sorted), then a nested body's free variables (sorted).
TEST(FunctionObjects, CapturedLocalsComeAfterThePlainOnesSorted) {
  model::Program p = load_text(R"(
thread T1:
    zeta = 1
    plain = 2
    alpha = 3
    def cb(wr):
        log(zeta, alpha, wr)
)");
  const model::FuncInfo* body = nullptr;
  const model::FuncInfo* cb = nullptr;
  for (const model::FuncInfo& f : p.funcs) {
    if (f.name == "thread T1") body = &f;
    if (f.name == "cb") cb = &f;
  }
  ASSERT_TRUE(body && cb);
  EXPECT_EQ(body->local_names, (Strings{"plain", "cb", "alpha", "zeta"}));
  EXPECT_EQ(body->cell_slots, (std::vector<uint8_t>{2, 3}));
  EXPECT_EQ(cb->local_names, (Strings{"wr", "alpha", "zeta"}));
  EXPECT_EQ(cb->free_slots, (std::vector<uint8_t>{1, 2}));
  EXPECT_EQ(cb->parent, body - p.funcs.data());
}

// The frame releases its locals in that layout: the captured `first`
// (a cell) goes after the plain `second`, although it was assigned first
// (3.13 releases a frame's locals first to last).
TEST(FunctionObjects, FrameReleasesCellsAfterPlainLocals) {
  model::Program p = load_text("profile 3.13\n" + std::string(kNode) + R"(
thread main:
    first = Node()
    second = Node()
    def cb(wr):
        log(first)
)");
  EXPECT_EQ(only_logs(p), (Strings{"del second", "del first"}));
}

// FN4: `del` of the last name of a nested def frees the function, and its
// closure's cell, and what the cell held.
TEST(FunctionObjects, DeletingTheFunctionReleasesItsClosure) {
  model::Program p = load_text(std::string(kNode) + R"(
thread T1:
    global keep
    n = Node()
    def keep(wr):
        log(n)
thread main:
    global keep
    T1.join()
    log("joined")
    del keep
    log("deleted")
)");
  EXPECT_EQ(only_logs(p), (Strings{"joined", "del n", "deleted"}));
}

// FN5: a closure capturing its holder is a cycle only the collector frees.
TEST(FunctionObjects, ClosureCycleNeedsTheCollector) {
  model::Program p = load_text(std::string(kNode) + R"(
thread T1:
    n = Node()
    def cb(wr):
        log(n)
    n.cb = cb
thread main:
    T1.join()
    log("joined")
    gc.collect()
    log("collected")
)");
  EXPECT_EQ(only_logs(p), (Strings{"joined", "del n", "collected"}));
}

// FN2, FN3: a lambda as weakref callback and as weakref.finalize's function.
TEST(FunctionObjects, LambdasAsCallbacks) {
  model::Program p = load_text(std::string(kNode) + R"(
n = Node()
w = weakref.ref(n, lambda wr: log("weakref callback"))
f = weakref.finalize(n, lambda tag: log("finalizer", tag), "t")
del n
log("after")
)");
  EXPECT_EQ(only_logs(p), (Strings{"del n", "finalizer t", "weakref callback", "after"}));
}

// FN6: a module object in a cycle with its attribute dies in a collection;
// a weakref to it is cleared there.
TEST(FunctionObjects, ModuleInACycleDiesInACollection) {
  model::Program p = load_text(std::string(kNode) + R"(
m = types.ModuleType("m")
m.node = Node()
m.node.mod = m
w = weakref.ref(m)
del m
log("alive", w() is None)
gc.collect()
log("cleared", w() is None)
)");
  EXPECT_EQ(only_logs(p), (Strings{"alive False", "del m.node", "cleared True"}));
}

// A scenario without nested defs, lambdas or modules gets none of the new
// types, so its states are what they were.
TEST(FunctionObjects, PlainScenariosGetNoFunctionTypes) {
  model::Program p = load_text(std::string(kNode) + "n = Node()\n");
  EXPECT_EQ(p.function_type, model::kNoType);
  EXPECT_EQ(p.cell_type, model::kNoType);
  EXPECT_EQ(p.module_type, model::kNoType);
}

// emit-python writes a nested def in place, a lambda with its entry check
// and event inside one expression, and a module with types.ModuleType.
TEST(FunctionObjects, EmittedPython) {
  model::Program p = load_text(std::string(kNode) + R"(
m = types.ModuleType("m")
n = Node()
w = weakref.ref(n, lambda wr: log("gone"))
thread T1:
    x = 1
    def cb(wr):
        log(x)
)");
  std::string py = emit::emit_python(p, emit::EmitOptions{});
  EXPECT_NE(py.find("_lc_new(_lc_types.ModuleType('m'), 'm')"), std::string::npos) << py;
  EXPECT_NE(py.find("(lambda wr: (_turn(), _lc_event_obj('callback ', wr), _lc_log('gone'))[-1])"),
            std::string::npos)
      << py;
  EXPECT_NE(py.find("    def cb(wr):"), std::string::npos) << py;
  EXPECT_NE(py.find("    _lc_gen(cb, 'cb')"), std::string::npos) << py;
}

}  // namespace
}  // namespace lifecheck::testing
