// Functions as objects (issue 12 point 6; rules FN1-FN6 of
// docs/semantics.md): nested defs and lambdas, the cells of the variables
// they capture, the frame layout CPython gives them, their death by
// refcount and in a collection, and module objects.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "TestSupport.h"
#include "emit/PythonEmitter.h"
#include "lang/Compiler.h"
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
  EXPECT_NE(
      py.find(
          "(lambda wr: (_turn(), _lc_event_obj('callback ', wr), _lc_ck(_lc_log('gone')))[-1])"),
      std::string::npos)
      << py;
  EXPECT_NE(py.find("    def cb(wr):"), std::string::npos) << py;
  EXPECT_NE(py.find("    _lc_gen(cb, 'cb')"), std::string::npos) << py;
}

// ---------------------------------------------------------------------------
// Second part (FN7-FN10): parameter defaults, calls and return values,
// nonlocal, function attributes; their emitted Python.

// FN8: a call's result, a module-level def called by scenario code.
TEST(FunctionObjects, ModuleLevelDefReturnsAValue) {
  model::Program p = load_text(std::string(kNode) + R"(
def pair(a, b):
    log("in pair", a, b)
    return [a, b]

x = pair(1, "two")
log("got", x[0], x[1])
)");
  EXPECT_EQ(only_logs(p), (Strings{"in pair 1 two", "got 1 two"}));
}

// FN8: the callee's locals go before the caller gets the result; the
// result lives on in the caller.
TEST(FunctionObjects, LocalsAreReleasedBeforeTheCallerGetsTheResult) {
  model::Program p = load_text(std::string(kNode) + R"(
def make():
    tmp = Node()
    keep = Node()
    return keep

thread T1:
    k = make()
    log("returned")
    del k
    log("dropped")
)");
  EXPECT_EQ(only_logs(p), (Strings{"del tmp", "returned", "del keep", "dropped"}));
}

// FN8: a closure returned by its maker keeps the captured cell alive.
TEST(FunctionObjects, ReturnedClosureKeepsItsCell) {
  model::Program p = load_text(std::string(kNode) + R"(
def make():
    n = Node()
    def show():
        log("sees", n)
    return show

thread T1:
    f = make()
    f()
    log("before del")
    del f
    log("after del")
)");
  EXPECT_EQ(only_logs(p), (Strings{"sees n", "before del", "del n", "after del"}));
}

// FN8: an exception leaving the callee goes on in the caller, where a try
// can catch it; the wrong number of arguments is a TypeError.
TEST(FunctionObjects, ExceptionsAndArity) {
  model::Program p = load_text(R"(
thread T1:
    def boom(x):
        raise ValueError
    try:
        boom(1)
    except ValueError:
        log("caught")
    try:
        boom()
    except TypeError:
        log("arity")
    def apply(h):
        return h(1)
    try:
        apply(5)
    except TypeError:
        log("not callable")
)");
  EXPECT_EQ(only_logs(p), (Strings{"caught", "arity", "not callable"}));
}

// FN7: the default is made once, when the def runs; calls without the
// argument share it; it dies with the function.
TEST(FunctionObjects, DefaultsLiveWithTheFunction) {
  model::Program p = load_text(std::string(kNode) + R"(
thread T1:
    log("before def")
    def f(x, keep=Node()):
        return keep
    log("after def")
    assert f(1) is f(2)
    y = f(3, None)
    log("explicit", y)
    del f
    log("deleted")
)");
  EXPECT_EQ(only_logs(p),
            (Strings{"before def", "after def", "explicit None", "del Node@8", "deleted"}));
}

// FN7: a lambda with a default serves as a weakref callback (one argument
// passed, the other bound to its default).
TEST(FunctionObjects, LambdaDefaultAsCallback) {
  model::Program p = load_text(R"(
class Node:
    pass
n = Node()
w = weakref.ref(n, lambda wr, tag="t": log("callback with", tag))
del n
log("after")
)");
  EXPECT_EQ(only_logs(p), (Strings{"callback with t", "after"}));
}

// FN9: nonlocal stores through the cell: the old value dies inside the
// nested function's store, and the owner sees the new value.
TEST(FunctionObjects, NonlocalRebindsTheEnclosingVariable) {
  model::Program p = load_text(std::string(kNode) + R"(
thread T1:
    cur = Node()
    def replace():
        nonlocal cur
        cur = 5
        log("stored")
    replace()
    log("owner sees", cur)
)");
  EXPECT_EQ(only_logs(p), (Strings{"del cur", "stored", "owner sees 5"}));
}

// FN10: attributes of a function object live in its __dict__; a cycle
// through it waits for the collector.
TEST(FunctionObjects, FunctionAttributes) {
  model::Program p = load_text(std::string(kNode) + R"(
thread T1:
    def f():
        pass
    f.tag = "x"
    log(f.tag)
    del f.tag
    try:
        log(f.tag)
    except AttributeError:
        log("gone")
    n = Node()
    f.node = n
    n.f = f
    del n
    del f
    log("deleted")
    gc.collect()
    log("collected")
)");
  EXPECT_EQ(only_logs(p), (Strings{"x", "gone", "deleted", "del n", "collected"}));
}

// G6, G6a: a module-level def and function objects share the one list, in
// append order; a callback that removes itself is released only after it
// returns (the collector holds it), and its closure with it; the entry
// after it moves into its place and is skipped this time (the loop's index
// goes on), as in invoke_gc_callback.
TEST(FunctionObjects, FunctionObjectsInGcCallbacks) {
  model::Program p = load_text(std::string(kNode) + R"(
def first(phase, info):
    log("first", phase)
def install():
    n = Node()
    def once(phase, info):
        log("once", phase)
        gc.callbacks.remove(once)
        log("removed", n)
    gc.callbacks.append(once)
gc.callbacks.append(first)
install()
gc.callbacks.append(lambda phase, info: log("lambda", phase))
gc.collect()
log("collected")
gc.collect()
)");
  EXPECT_EQ(only_logs(p),
            (Strings{"first start", "once start", "removed n", "del n", "first stop", "lambda stop",
                     "collected", "first start", "lambda start", "first stop", "lambda stop"}));
}

// G6a: removing a function object that is not in the list raises
// ValueError; a function object of the wrong arity fails when called
// (TypeError, unraisable) and the next callback still runs.
TEST(FunctionObjects, GcCallbackObjectErrors) {
  model::Program p = load_text(R"(
def make():
    def one(phase):
        log("never")
    return one
cb = make()
gc.callbacks.append(cb)
gc.callbacks.append(lambda phase, info: log("next", phase))
try:
    gc.callbacks.remove(lambda phase, info: None)
except ValueError:
    log("not there")
gc.collect()
)");
  Strings logs = only_logs(p);
  EXPECT_EQ(logs, (Strings{"not there", "next start", "next stop"}));
}

// Both outcomes of the scenarios: the ones that hold, and the mistakes
// they avoid.
TEST(FunctionObjects, ScenarioVerdicts) {
  for (const char* f : {"default-arg-lives-with-function", "default-arg-cycle", "nonlocal-rebinds",
                        "return-closure", "function-attribute-cycle", "call-on-two-threads",
                        "gc-callback-lambda-closure"}) {
    auto r = check(load_file(std::string("scenarios/functions/") + f + ".life"));
    EXPECT_EQ(r.verdict, checker::Verdict::Holds) << f << ": " << r.failure.message;
  }
  for (const char* f : {"default-arg-cycle-bug", "nonlocal-missing-bug", "return-closure-bug",
                        "function-attribute-cycle-bug", "gc-callback-lambda-closure-bug"}) {
    auto r = check(load_file(std::string("scenarios/functions/") + f + ".life"));
    ASSERT_EQ(r.verdict, checker::Verdict::Violated) << f;
    EXPECT_EQ(r.failure.properties, std::vector<std::string>{"expect"}) << f;
  }
}

// emit-python: defaults evaluated in the enclosing body, nonlocal, return,
// a call without a check after it, a lambda returning its value.
TEST(FunctionObjects, EmittedPythonOfCallsDefaultsAndNonlocal) {
  model::Program p = load_text(std::string(kNode) + R"(
def make(tag):
    n = Node()
    def show(prefix, keep=Node()):
        nonlocal n
        n = None
        return keep
    show.owner = tag
    return show

thread T1:
    f = make("t")
    k = f("p")
    g = lambda: Node()
    m = g()
)");
  std::string py = emit::emit_python(p, emit::EmitOptions{});
  EXPECT_NE(py.find("def show(prefix, keep=_lc_new(Node(), 'Node@8')):"), std::string::npos) << py;
  EXPECT_NE(py.find("nonlocal n"), std::string::npos) << py;
  EXPECT_NE(py.find("return keep"), std::string::npos) << py;
  EXPECT_NE(py.find("f = make('t')"), std::string::npos) << py;
  EXPECT_NE(py.find("k = f('p')"), std::string::npos) << py;
}

// FN11: a module-level def whose name is deleted is a function object: a
// call after `del` raises NameError, a weakref callback keeps it alive,
// and a def only called stays the constant it was (no function type).
TEST(FunctionObjects, DeletedModuleLevelDef) {
  model::Program p = load_text(std::string(kNode) + R"(
def show(x):
    log("show", x)
def other():
    pass
n = Node()
w = weakref.ref(n, show)
del show
try:
    show(n)
except NameError:
    log("unbound")
other()
del n
log("end")
)");
  EXPECT_EQ(only_logs(p), (Strings{"unbound", "del n", "show w", "end"}));
  ASSERT_NE(p.function_type, model::kNoType);
  std::string py = emit::emit_python(p, emit::EmitOptions{});
  EXPECT_NE(py.find("    def show(x):"), std::string::npos) << py;  // made by the module code
  EXPECT_NE(py.find("def other():"), std::string::npos) << py;
  EXPECT_EQ(py.find("_lc_funcs[id(show)]"), std::string::npos) << py;
  model::Program q = load_text("def f():\n    pass\nf()\n");
  EXPECT_EQ(q.function_type, model::kNoType);
}

// FN11, FN10: attributes of a module-level def; a cycle through its
// __dict__ outlives both names and dies in a collection, which counts the
// function, its __dict__, the Node and the Node's dict where it has one.
TEST(FunctionObjects, ModuleLevelDefInACycle) {
  model::Program p = load_text(std::string(kNode) + R"(
def f():
    pass
n = Node()
n.f = f
f.node = n
f.tag = "t"
log(f.tag)
del f
del n
log("names deleted")
gc.collect()
log("collected")
)");
  EXPECT_EQ(only_logs(p), (Strings{"t", "names deleted", "del n", "collected"}));
  for (const char* f : {"del-module-def", "module-def-attribute-cycle", "del-module-def-race"}) {
    auto r = check(load_file(std::string("scenarios/functions/") + f + ".life"));
    EXPECT_EQ(r.verdict, checker::Verdict::Holds) << f << ": " << r.failure.message;
  }
  auto bug = check(load_file("scenarios/functions/module-def-attribute-cycle-bug.life"));
  ASSERT_EQ(bug.verdict, checker::Verdict::Violated);
  EXPECT_EQ(bug.failure.properties, std::vector<std::string>{"expect"});
  auto race = check(load_file("scenarios/functions/del-module-def-race-bug.life"));
  ASSERT_EQ(race.verdict, checker::Verdict::Violated);
  EXPECT_EQ(race.failure.properties, std::vector<std::string>{"uncaught-exception"});
}

// FN12: keyword arguments bind by name and are evaluated as written; a
// named defaulted parameter gets the call's object; a keyword that names
// no parameter or one already bound is a TypeError before the frame.
TEST(FunctionObjects, KeywordArguments) {
  model::Program p = load_text(std::string(kNode) + R"(
def show(a, b):
    log("show", a, b)
def make():
    def pair(x, y=Node()):
        log("pair", x, y)
    return pair
show(b="B", a="A")
p = make()
p(y="Y", x="X")
p(x=Node())
try:
    p(z=1)
except TypeError:
    log("no z")
try:
    p(1, x=2)
except TypeError:
    log("x twice")
try:
    p(y=1)
except TypeError:
    log("no x")
del p
log("end")
)");
  EXPECT_EQ(only_logs(p), (Strings{"show A B", "pair X Y", "pair Node@15 Node@9", "del Node@15",
                                   "no z", "x twice", "no x", "del Node@9", "end"}));
  std::string py = emit::emit_python(p, emit::EmitOptions{});
  EXPECT_NE(py.find("show(b='B', a='A')"), std::string::npos) << py;
  auto r = check(load_file("scenarios/functions/keyword-arguments.life"));
  EXPECT_EQ(r.verdict, checker::Verdict::Holds) << r.failure.message;
  auto bug = check(load_file("scenarios/functions/keyword-arguments-bug.life"));
  ASSERT_EQ(bug.verdict, checker::Verdict::Violated);
  EXPECT_EQ(bug.failure.properties, std::vector<std::string>{"uncaught-exception"});
}

// FN12: the misuses of keyword arguments, each at the argument's column
// of the call `f(...)` on line 3 of "def f(a, b): pass".
TEST(FunctionObjects, KeywordArgumentErrors) {
  const std::vector<std::tuple<std::string, int, std::string>> calls = {
      {"f(a=1, 2)", 8, "positional argument follows keyword argument"},
      {"f(a=1, a=2)", 8, "keyword argument repeated: a"},
      {"f(1, c=2)", 8, "'f' has no parameter 'c'"},
      {"f(1, a=2)", 8, "'f' gets two values for parameter 'a'"}};
  for (const auto& [call, col, message] : calls) {
    try {
      ::lifecheck::lang::load_scenario_text("k.life", "def f(a, b):\n    pass\n" + call + "\n");
      ADD_FAILURE() << "accepted: " << call;
    } catch (const ::lifecheck::lang::ScenarioError& e) {
      EXPECT_EQ(e.loc().line, 3) << e.format();
      EXPECT_EQ(e.loc().col, col) << e.format();
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
}

// FN13: a class call with __init__, per profile: the arguments outlive
// __init__ (the caller holds them), a non-None result frees the instance
// before TypeError arrives, and an instance whose __init__ raised dies when
// the exception is cleared.
TEST(ClassInit, InitRunsWithTheArgumentsAndFailuresFreeTheInstance) {
  const std::string body =
      "class Other:\n"
      "    def __del__(self):\n"
      "        log('del other')\n"
      "class Node:\n"
      "    def __init__(self, o, mode):\n"
      "        self.name = mode\n"
      "        o = None\n"
      "        log('init', mode)\n"
      "        if mode == 'raise':\n"
      "            raise ValueError\n"
      "        if mode == 'value':\n"
      "            return 3\n"
      "    def __del__(self):\n"
      "        log('del', self.name)\n"
      "a = Node(Other(), 'ok')\n"
      "log('made', a.name)\n"
      "try:\n"
      "    b = Node(Other(), 'value')\n"
      "except TypeError:\n"
      "    log('type error')\n"
      "try:\n"
      "    b = Node(Other(), 'raise')\n"
      "except ValueError:\n"
      "    log('value error')\n"
      "log('end')\n";
  // (as pyenv 3.11.7, 3.12.1, 3.13.0 and 3.13.15t print it)
  const std::vector<std::string> expected = {"init ok",   "del other",   "made ok",    "init value",
                                             "del value", "del other",   "type error", "init raise",
                                             "del other", "value error", "del raise",  "end"};
  for (const char* profile : {"3.11", "3.12", "3.13", "3.14", "3.13t", "3.14t"})
    EXPECT_EQ(logs_under(profile, body), expected) << profile;
}

}  // namespace
}  // namespace lifecheck::testing
