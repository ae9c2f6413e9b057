// The scenario generators (include/lifecheck/generators.h): what they make
// is always a valid scenario, rendering is deterministic, and sizes grow
// with rapidcheck's size.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <iostream>

#include "TestSupport.h"
#include "lifecheck/generators.h"
#include "lifecheck/lifecheck.h"

namespace lifecheck {
namespace {

gen::GenConfig with_broken_ctypes() {
  gen::GenConfig c;
  c.broken_ctypes = true;
  return c;
}

RC_GTEST_PROP(Generators, EveryScenarioCompiles, ()) {
  const auto spec = *gen::scenario(with_broken_ctypes());
  const std::string text = spec.to_life();
  try {
    Scenario::parse(text);
  } catch (const ScenarioError& e) {
    RC_FAIL(std::string(e.what()) + "\n" + text);
  }
  RC_ASSERT(spec.to_life() == text);  // rendering is a function of the spec
}

// A generated scenario is valid text under a GIL and a free-threaded
// profile, and renders the same again; each word of `tags` it holds is
// tagged (the tags count scenarios that use it).
void compiles_everywhere(const gen::ScenarioSpec& spec, const std::vector<const char*>& tags) {
  const std::string text = spec.to_life();
  for (const std::string profile : {"3.11", "3.13", "3.13t"}) {
    try {
      Scenario::parse(text, "generated.life", LoadOptions{profile, {}});
    } catch (const ScenarioError& e) {
      RC_FAIL(profile + ": " + e.what() + "\n" + text);
    }
  }
  RC_ASSERT(spec.to_life() == text);
  for (const char* word : tags)
    if (text.find(word) != std::string::npos) RC_TAG(word);
}

// With the newer statements too: valid text, and each of them can occur.
RC_GTEST_PROP(Generators, EveryScenarioWithTheNewerStatementsCompiles, ()) {
  gen::GenConfig config = with_broken_ctypes();
  config.language = true;
  compiles_everywhere(*gen::scenario(config),
                      {"next(", ".close()", "except ValueError", "finally:", "sys.getrefcount",
                       "gc.is_tracked", "gc.freeze", "DEBUG_SAVEALL", "= make(", "= make_swap(",
                       "= lambda", "weakref.proxy(", ".append(", ".pop(", ".clear()", "for v in"});
}

// With the while statements too (GenConfig::loops).
RC_GTEST_PROP(Generators, EveryScenarioWithWhileLoopsCompiles, ()) {
  gen::GenConfig config = with_broken_ctypes();
  config.loops = true;
  config.language = *rc::gen::arbitrary<bool>();
  compiles_everywhere(*gen::scenario(config),
                      {"while len(", "while True:", "break", "is not None:\n        pass"});
}

// With the lock statements too (GenConfig::locks), nested blocks included.
RC_GTEST_PROP(Generators, EveryScenarioWithLocksCompiles, ()) {
  gen::GenConfig config = with_broken_ctypes();
  config.locks = true;
  config.language = *rc::gen::arbitrary<bool>();
  config.loops = *rc::gen::arbitrary<bool>();
  compiles_everywhere(*gen::scenario(config), {"threading.RLock()", "with L", ".acquire()\n",
                                               ".acquire(False):", ".release()\n", ".locked()",
                                               " = L0\n", ":\n            with L"});
}

// The lock statements render as the language spells them (GenConfig::
// locks): a block takes the next one or two statements of its body, a
// nested block included; RLock.locked() (3.14 only) and a release in a C
// tp_finalize (which must not raise) are log lines. A __del__ that takes
// the Lock its thread holds while it drops the object is a deadlock; with
// an RLock the owner takes it again.
TEST(Generators, LockStatementsRender) {
  gen::ScenarioSpec spec;
  spec.globals = 2;
  spec.locks = {false, true};
  using gen::Op;
  spec.classes = {gen::ClassSpec{true, {{Op::LockWith, 0, 0, 0}, {Op::Log, 1, 0, 0}}}};
  spec.ctypes = {gen::CTypeSpec{{}, true, false, {{Op::LockRelease, 0, 0, 0}}}};
  spec.setup = {{Op::New, 0, 0, 0},        {Op::LockLink, 0, 1, 1}, {Op::LockTry, 1, 0, 0},
                {Op::LockLocked, 0, 0, 0}, {Op::Log, 2, 0, 0},      {Op::LockLocked, 1, 0, 0}};
  spec.threads = {{{Op::LockPair, 1, 1, 0},
                   {Op::LockWith, 0, 1, 0},
                   {Op::Drop, 0, 0, 0},
                   {Op::Log, 3, 0, 0},
                   {Op::LockAcquire, 1, 0, 0},
                   {Op::LockRelease, 1, 0, 0}}};
  const std::string text = spec.to_life();
  for (const char* want :
       {"import threading\n", "L0 = threading.Lock()\nL1 = threading.RLock()\n",
        "    def __del__(self):\n        with L0:\n            log(\"mark 1\")\n",
        "    def tp_finalize(self):\n        log(\"skip\")\n", "    g0.f1 = L1\n",
        "if L1.acquire(False):\n    log(\"locked\", L0.locked())\n    L1.release()\n"
        "else:\n    log(\"busy\")\nlog(\"mark 2\")\nlog(\"skip\")\n",
        "    L1.acquire()\n    with L0:\n        g0 = None\n        log(\"mark 3\")\n"
        "    L1.acquire()\n    L1.release()\n    L1.release()\n"})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  const Scenario s = Scenario::parse(text, "generated.life");
  const CheckResult r = check(s, CheckOptions{});
  EXPECT_TRUE(r.violates("deadlock")) << r.message << "\n" << text;
  spec.locks = {true, true};
  const CheckResult rlocks = check(Scenario::parse(spec.to_life(), "generated.life"), {});
  EXPECT_FALSE(rlocks.violated()) << rlocks.message << "\n" << spec.to_life();
  // without locks, every lock statement is a log line and a block's
  // statements are the body's
  spec.locks.clear();
  const std::string plain = spec.to_life();
  EXPECT_EQ(plain.find("threading"), std::string::npos) << plain;
  EXPECT_NE(plain.find("    log(\"skip\")\n    log(\"skip\")\n    g0 = None\n"), std::string::npos)
      << plain;
}

// The lock statements' rate (GenConfig::locks): 400 scenarios of the size
// the meta-properties draw (bodies of up to three statements, sizes 0 to
// 99 as rapidcheck's runs go), from fixed seeds. About half use a lock
// (the rest are scenarios as without locks); some deadlock, some of them
// in a finalizer or callback that waits for a lock its own thread holds,
// and some raise RuntimeError out of a thread (a release of an unlocked
// Lock, or of another thread's RLock). The figures are printed
// (docs/property-tests.md).
TEST(Generators, LocksAtAModestRateReachDeadlocks) {
  gen::GenConfig config;
  config.max_body = 3;
  config.locks = true;
  const rc::Gen<gen::ScenarioSpec> scenarios = gen::scenario(config);
  CheckOptions bounded;
  bounded.max_states = 20000;
  constexpr int kScenarios = 400;
  int using_locks = 0, deadlocks = 0, in_finalizers = 0, errors = 0;
  for (int i = 0; i < kScenarios; ++i) {
    const std::string text = scenarios(rc::Random(1000 + i), i % 100).value().to_life();
    bool uses = false;
    for (const char* word : {"with L", ".acquire(", ".release()", ".locked()", " = L"})
      uses = uses || text.find(word) != std::string::npos;
    using_locks += uses;
    const CheckResult r = check(Scenario::parse(text, "generated.life"), bounded);
    if (r.violates("deadlock")) {
      ++deadlocks;
      // the failing state's threads: one waits inside a finalizer or callback
      const size_t threads = r.report.rfind("\nthreads:\n");
      for (const char* frame :
           {"__del__, at line", "tp_finalize, at line", "cb1, at line", "cb2, at line"})
        if (threads != std::string::npos && r.report.find(frame, threads) != std::string::npos) {
          ++in_finalizers;
          break;
        }
    }
    if (r.violates("uncaught-exception") && r.message.find("RuntimeError") != std::string::npos)
      ++errors;
  }
  std::cout << "  of " << kScenarios << " scenarios: " << using_locks << " use locks, " << deadlocks
            << " deadlock (" << in_finalizers << " in a finalizer or callback), " << errors
            << " raise RuntimeError\n";
  EXPECT_GE(using_locks, kScenarios * 3 / 10);
  EXPECT_LE(using_locks, kScenarios * 8 / 10);
  EXPECT_GE(deadlocks, kScenarios / 100);
  EXPECT_GE(in_finalizers, 2);
  EXPECT_GE(errors, 2);
}

// Each newer statement renders as the scenario language spells it.
TEST(Generators, NewerStatementsRender) {
  gen::ScenarioSpec spec;
  spec.globals = 2;
  spec.generators = 1;
  spec.classes = {gen::ClassSpec{}};
  using gen::Op;
  spec.setup = {{Op::New, 0, 0, 0},       {Op::GenNew, 0, 0, 0},    {Op::GenLink, 0, 0, 0},
                {Op::GenNext, 0, 0, 0},   {Op::Refcount, 0, 0, 0},  {Op::IsTracked, 0, 0, 0},
                {Op::TryExcept, 0, 1, 0}, {Op::Freeze, 0, 0, 0},    {Op::Freeze, 1, 0, 0},
                {Op::SaveAll, 0, 0, 0},   {Op::SaveAll, 1, 0, 0},   {Op::GenClose, 0, 0, 0},
                {Op::GenDrop, 0, 0, 0},   {Op::TryFinally, 0, 0, 0}};
  spec.threads = {{{Op::GenNext, 0, 0, 0}}};
  const std::string text = spec.to_life();
  for (const char* want :
       {"def gen0(x):", "q0 = gen0(g0)", "g0.f0 = q0", "log(\"next\", next(q0))",
        "sys.getrefcount(g0)", "gc.is_tracked(g0)", "except ValueError:\n    g1 = None",
        "gc.freeze()", "gc.unfreeze()", "gc.set_debug(gc.DEBUG_SAVEALL)", "gc.garbage.clear()",
        "q0.close()", "q0 = None", "finally:\n    gc.collect()", "    s = q0\n"})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  const Scenario s = Scenario::parse(text, "generated.life");
  // the generator ends in a cycle with g0 (g0.f0 = q0, its frame holds g0):
  // its finally runs in the final collection or at close()
  const CheckResult r = check(s, CheckOptions{});
  EXPECT_FALSE(r.violated()) << r.message << "\n" << text;
}

// The function and proxy statements render as the language spells them,
// and the scenario they make holds: closures, a nonlocal swap, a lambda
// with a default, attributes of a function and cycles through them, and
// proxies.
TEST(Generators, FunctionAndProxyStatementsRender) {
  gen::ScenarioSpec spec;
  spec.globals = 2;
  spec.functions = 2;
  spec.proxies = 1;
  spec.classes = {gen::ClassSpec{}};
  using gen::Op;
  spec.setup = {{Op::New, 0, 0, 0},      {Op::New, 1, 0, 0},      {Op::FuncNew, 0, 0, 0},
                {Op::FuncNew, 1, 1, 1},  {Op::FuncCall, 1, 0, 1}, {Op::FuncLink, 0, 0, 0},
                {Op::FuncAttr, 1, 1, 1}, {Op::ProxyNew, 1, 0, 1}, {Op::ProxyUse, 0, 0, 0},
                {Op::FuncNew, 1, 0, 2},  {Op::FuncCall, 1, 0, 0}, {Op::ProxyDrop, 0, 0, 0},
                {Op::FuncDrop, 0, 0, 0}};
  spec.threads = {{{Op::FuncCall, 1, 1, 0}, {Op::FuncAttr, 1, 0, 0}}};
  const std::string text = spec.to_life();
  for (const char* want :
       {"def make(x):", "def make_swap(x):", "nonlocal x", "h0 = make(g0)", "h1 = make_swap(g1)",
        "g1 = h1(g0)", "g0.f0 = h0", "h1.f1 = g1", "p0 = weakref.proxy(g1)", "p0.f0 is None",
        "except ReferenceError:", "h1 = lambda x, keep=g0: log(\"lambda\", keep is None)",
        "p0 = None", "h0 = None", "    u = h1\n"})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  const Scenario s = Scenario::parse(text, "generated.life");
  const CheckResult r = check(s, CheckOptions{});
  EXPECT_FALSE(r.violated()) << r.message << "\n" << text;
}

// The list statements render as the language spells them, and the
// scenario they make holds: appends bounded at 4 items, a pop that finds
// the list empty, a cycle through a list (collected), iteration over a list
// another thread changes.
TEST(Generators, ListStatementsRender) {
  gen::ScenarioSpec spec;
  spec.globals = 2;
  spec.containers = 1;
  spec.classes = {gen::ClassSpec{true, {{gen::Op::Log, 1, 0, 0}}}};
  using gen::Op;
  spec.setup = {{Op::New, 0, 0, 0},      {Op::ListAppend, 0, 0, 0}, {Op::ListLink, 0, 1, 0},
                {Op::ListIter, 0, 0, 0}, {Op::ListPop, 0, 1, 0},    {Op::ListPop, 0, 0, 0},
                {Op::Drop, 0, 0, 0},     {Op::New, 1, 0, 0},        {Op::ListAppend, 1, 0, 0},
                {Op::ListNew, 0, 0, 0}};
  spec.threads = {{{Op::ListAppend, 1, 0, 0},
                   {Op::ListIter, 0, 0, 0},
                   {Op::ListClear, 0, 0, 0},
                   {Op::ListNew, 0, 0, 0}}};
  const std::string text = spec.to_life();
  for (const char* want :
       {"k0 = []\n", "if len(k0) != 4:\n    k0.append(g0)", "g0.f1 = k0",
        "for v in k0:\n    log(\"item\", v is None)",
        "try:\n    k0.pop()\nexcept IndexError:", "k0.pop(0)", "    k0.clear()", "    global k0\n"})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  const Scenario s = Scenario::parse(text, "generated.life");
  const CheckResult r = check(s, CheckOptions{});
  EXPECT_FALSE(r.violated()) << r.message << "\n" << text;
}

// The while statements render as the language spells them (GenConfig::
// loops), the spin only in threads, and the scenario they make holds: a
// drain that another thread's appends race with, a `while True` left by
// `break`, and a spin-wait that the other thread ends by dropping the
// global (IT8: the spin waits while the other thread can go on).
TEST(Generators, WhileStatementsRender) {
  gen::ScenarioSpec spec;
  spec.globals = 2;
  spec.containers = 1;
  spec.classes = {gen::ClassSpec{true, {{gen::Op::Log, 1, 0, 0}}}};
  using gen::Op;
  spec.setup = {
      {Op::New, 0, 0, 0}, {Op::New, 1, 0, 0}, {Op::ListAppend, 0, 0, 0}, {Op::WhileSpin, 0, 0, 0}};
  spec.threads = {{{Op::WhileSpin, 1, 0, 0}, {Op::WhileDrain, 0, 0, 0}},
                  {{Op::ListAppend, 0, 0, 0}, {Op::WhileBreak, 1, 0, 0}}};
  const std::string text = spec.to_life();
  for (const char* want :
       {"log(\"skip\")\n", "    while g1 is not None:\n        pass\n",
        "    while len(k0) != 0:\n        try:\n            k0.pop()\n        except IndexError:\n",
        "    while True:\n        if g1 is None:\n            break\n        g1 = None\n",
        "    global g1\n"})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  for (const std::string profile : {"3.11", "3.14", "3.13t"}) {
    const Scenario p = Scenario::parse(text, "generated.life", LoadOptions{profile, {}});
    const CheckResult r = check(p, CheckOptions{});
    EXPECT_FALSE(r.violated()) << profile << ": " << r.message << "\n" << text;
  }
  // without the thread that ends it, the spin never ends
  spec.threads.pop_back();
  const CheckResult endless = check(Scenario::parse(spec.to_life(), "generated.life"), {});
  EXPECT_TRUE(endless.violates("termination")) << spec.to_life();
}

// The atexit statements and `shutdown modules` render as the language
// spells them (GenConfig::exits), only in module code and threads, and the
// scenario they make holds: the exit function runs with the global it was
// given, after the threads, before shutdown finalizes the module globals.
TEST(Generators, AtexitAndShutdownStatementsRender) {
  gen::ScenarioSpec spec;
  spec.globals = 2;
  spec.atexit = true;
  spec.shutdown = true;
  spec.classes = {gen::ClassSpec{}};
  spec.callbacks = {{{gen::Op::Log, 1, 0, 0}}, {{gen::Op::Log, 2, 0, 0}}};
  using gen::Op;
  spec.setup = {{Op::New, 0, 0, 0},
                {Op::New, 1, 0, 0},
                {Op::AtexitRegister, 0, 0, 0},
                {Op::AtexitRegister, 1, 0, 1}};
  spec.threads = {{{Op::AtexitUnregister, 0, 0, 1}, {Op::Drop, 0, 0, 0}}};
  const std::string text = spec.to_life();
  for (const char* want : {"import atexit\n", "shutdown modules\n", "atexit.register(cb1, g0)",
                           "atexit.register(cb2, g1)", "    atexit.unregister(cb2)"})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  const Scenario s = Scenario::parse(text, "generated.life");
  const CheckResult r = check(s, CheckOptions{});
  EXPECT_FALSE(r.violated()) << r.message << "\n" << text;
  // without the option the statements are log lines, and no directive
  spec.atexit = spec.shutdown = false;
  const std::string plain = spec.to_life();
  EXPECT_EQ(plain.find("atexit"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("shutdown"), std::string::npos) << plain;
}

}  // namespace
}  // namespace lifecheck
