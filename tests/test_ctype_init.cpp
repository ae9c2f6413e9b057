// tp_init apart from tp_new for C types (`init:`, rules TI1-TI5 of
// docs/semantics.md, model/CTypeInit.cpp): type_call's order, a tp_init
// called twice, a failing tp_init, Python classes over a C type with
// __init__ (super() and Base.__init__), object_init's excess arguments,
// the emitted tp_init, the shipped scenarios, and the input errors
// (lang_error_cases_ctype_init, run by test_lang_errors.cpp).
#include <gtest/gtest.h>

#include "LangErrorCases.h"
#include "TestSupport.h"
#include "emit/CEmitter.h"
#include "lang/Compiler.h"

namespace lifecheck::testing {

std::vector<BadScenario> lang_error_cases_ctype_init() {
  return {
      {"CTypeInitAlloc", "ctype B:\n    fields: d\n    init: alloc\n", 3, 11,
       "'alloc' is not a step of 'init:'"},
      {"CTypeInitTrack", "ctype B:\n    flags: gc\n    fields: d\n    init: xsetref d; track\n", 4,
       22, "'track' is not a step of 'init:'"},
      {"CTypeInitFree", "ctype B:\n    fields: d\n    init: setref d null; free\n", 3, 26,
       "'free' is not a step of 'init:'"},
      {"CTypeInitUnknownStep", "ctype B:\n    fields: d\n    init: frobnicate d\n", 3, 11,
       "unknown step 'frobnicate' in 'init:'"},
      {"CTypeInitTwice", "ctype B:\n    fields: d\n    init: init d\n    init: xsetref d\n", 4, 5,
       "a second 'init:' line"},
      {"CTypeInitDefInit", "ctype B:\n    fields: d\n    def __init__(self, d):\n        pass\n", 3,
       5, "a C type's tp_init is its 'init:' line, not a def __init__"},
      {"CTypeInitSubclassWithoutBasetype",
       "ctype B:\n    fields: d\nclass S(B):\n    def __init__(self, d):\n        pass\n", 3, 9,
       "'B' is not an acceptable base type: its flags lack 'basetype'"},
      {"CTypeInitSubclassArity",
       "ctype B:\n    flags: basetype\n    fields: d, e\nclass S(B):\n"
       "    def __init__(self, d, e):\n        pass\ns = S(1)\n",
       7, 7, "'S()' takes 2 arguments (its __init__'s), not 1"},
      {"CTypeInitThroughClassWithoutInstance",
       "ctype B:\n    fields: d\n    init: init d\nB.__init__()\n", 4, 3,
       "'B.__init__' needs the instance as its first argument"},
      {"CTypeInitKeywords",
       "ctype B:\n    fields: d\n    init: init d\nb = B(None)\nb.__init__(d=1)\n", 5, 14,
       "keyword arguments to a C type's __init__ are not modelled"},
  };
}

namespace {

std::string verdict_of(const std::string& text) { return verdict_text(load_text(text)); }

// The log lines of the scenario's first run.
std::vector<std::string> logs(const std::string& text) {
  model::Program p = load_text(text);
  std::vector<std::string> out;
  for (const std::string& s : observable(p, run_first(p)))
    if (s.rfind("log: ", 0) == 0) out.push_back(s);
  return out;
}

std::string holder(const std::string& init, const std::string& rest,
                   const std::string& flags = "gc, heaptype, basetype") {
  return "ctype Holder:\n    flags: " + flags + "\n    fields: data\n" +
         (init.empty() ? "" : "    init: " + init + "\n") +
         "class P:\n    def __del__(self):\n        log(\"released\")\n" + rest;
}

}  // namespace

// TI2: a plain store in tp_init leaks the old value when __init__ runs
// again; Py_XSETREF releases it (after the store), and clear-then-store too.
TEST(CTypeInit, SecondInitLeaksWithAPlainStoreOnly) {
  const std::string twice = "h = Holder(P())\nh.__init__(P())\nlog(\"again\")\ndel h\n";
  EXPECT_EQ(verdict_of(holder("init data", twice)), "violates quiescence");
  EXPECT_EQ(logs(holder("init data", twice)),
            (std::vector<std::string>{"log: again", "log: released"}));
  EXPECT_EQ(verdict_of(holder("xsetref data", twice)), "holds");
  EXPECT_EQ(logs(holder("xsetref data", twice)),
            (std::vector<std::string>{"log: released", "log: again", "log: released"}));
  EXPECT_EQ(verdict_of(holder("clear data; init data", twice)), "holds");
  // called once, the plain store is fine: tp_new left the field NULL
  EXPECT_EQ(verdict_of(holder("init data", "h = Holder(P())\ndel h\n")), "holds");
}

// TI1: with an init: line and no new: line, tp_new is PyType_GenericNew;
// the steps run in type_call's order.
TEST(CTypeInit, DefaultNewIsGenericAndInitRunsAfterIt) {
  model::Program p = load_text(holder("xsetref data", "h = Holder(None)\n"));
  const model::TypeInfo* t = nullptr;
  for (const auto& ti : p.types)
    if (ti.name == "Holder") t = &ti;
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->new_steps.size(), 1u);
  EXPECT_EQ(t->new_steps[0].op, model::SlotOp::Alloc);
  EXPECT_EQ(t->new_steps[0].arg, 1);  // generic_alloc
  ASSERT_EQ(t->init_steps.size(), 1u);
  EXPECT_TRUE(t->own_init);
  // a C type deriving from Holder inherits its tp_init
  model::Program d = load_text(holder("xsetref data", "ctype D(Holder):\n    pass\n"));
  for (const auto& ti : d.types)
    if (ti.name == "D") {
      EXPECT_EQ(ti.init_steps.size(), 1u);
      EXPECT_FALSE(ti.own_init);
    }
}

// TI3: a failing tp_init releases the new object before the exception
// reaches the handler; the variable is never bound.
TEST(CTypeInit, FailedInitReleasesTheNewObject) {
  const std::string s = holder("xsetref data; raise_error",
                               "try:\n    h = Holder(P())\nexcept SystemError:\n"
                               "    log(\"caught\")\n");
  EXPECT_EQ(verdict_of(s), "holds");
  EXPECT_EQ(logs(s), (std::vector<std::string>{"log: released", "log: caught"}));
}

// TI1, TI4: a class over the C type: tp_new, then its __init__, whose
// super().__init__ and Base.__init__ reach the init: steps.
TEST(CTypeInit, SubclassInitReachesTheCInit) {
  const std::string sup = holder("xsetref data",
                                 "class S(Holder):\n    def __init__(self, d):\n"
                                 "        log(\"S\", self.data)\n        super().__init__(d)\n"
                                 "        log(\"S done\", self.data)\n"
                                 "s = S(P())\ndel s\n");
  EXPECT_EQ(verdict_of(sup), "holds");
  EXPECT_EQ(logs(sup),
            (std::vector<std::string>{"log: S None", "log: S done P@13", "log: released"}));
  const std::string direct = holder("init data",
                                    "class S(Holder):\n    def __init__(self, d):\n"
                                    "        Holder.__init__(self, d)\n"
                                    "        Holder.__init__(self, d)\n"
                                    "s = S(P())\ndel s\n");
  EXPECT_EQ(verdict_of(direct), "violates quiescence");  // the plain store, twice
  // Base.__init__ on something that is not a Holder: TypeError
  const std::string wrong = holder("init data",
                                   "class Q:\n    pass\nq = Q()\ntry:\n"
                                   "    Holder.__init__(q, None)\nexcept TypeError:\n"
                                   "    log(\"TypeError\")\n");
  EXPECT_EQ(logs(wrong), (std::vector<std::string>{"log: TypeError"}));
}

// TI5: without init:, object_init: excess arguments fail only when the
// instance's type overrides __init__.
TEST(CTypeInit, ObjectInitExcessArguments) {
  const std::string s = holder("",
                               "class S(Holder):\n    def __init__(self, d):\n"
                               "        super().__init__()\n        try:\n"
                               "            super().__init__(d)\n        except TypeError:\n"
                               "            log(\"TypeError\")\n"
                               "s = S(None)\nh = Holder(None)\nh.__init__(None)\nlog(\"ok\")\n");
  EXPECT_EQ(verdict_of(s), "holds");
  EXPECT_EQ(logs(s), (std::vector<std::string>{"log: TypeError", "log: ok"}));
}

// emit-c writes a real tp_init for an own init: line, registered as a slot.
TEST(CTypeInit, EmittedCHasTpInit) {
  model::Program p = load_text(holder("xsetref data; raise_error", "h = Holder(None)\n"));
  const std::string c = emit::emit_c(p, "_lc_test");
  EXPECT_NE(c.find("lc_Holder_init(PyObject *self, PyObject *args, PyObject *kwds)"),
            std::string::npos)
      << c;
  EXPECT_NE(c.find("Py_XSETREF(((lc_Holder_Object *)self)->f_data, Py_NewRef(lc_arg0));"),
            std::string::npos)
      << c;
  EXPECT_NE(c.find("{Py_tp_init, (void *)lc_Holder_init}"), std::string::npos) << c;
  EXPECT_NE(c.find("return -1;"), std::string::npos);
  model::Program none = load_text(holder("", "h = Holder(None)\n"));
  EXPECT_EQ(emit::emit_c(none, "_lc_test").find("Py_tp_init"), std::string::npos);
}

TEST(CTypeInit, ShippedScenarios) {
  auto v = [](const std::string& name) {
    return verdict_text(lang::load_scenario(source_path("scenarios/ctypes/" + name)));
  };
  EXPECT_EQ(v("init-called-twice-leak-bug.life"), "violates quiescence");
  EXPECT_EQ(v("init-called-twice-xsetref-ok.life"), "holds");
  EXPECT_EQ(v("init-fails-releases-object-ok.life"), "holds");
  EXPECT_EQ(v("subclass-init-super-ok.life"), "holds");
  EXPECT_EQ(v("subclass-init-object-init.life"), "holds");
}

}  // namespace lifecheck::testing

namespace lifecheck::testing {

// The fuzz seed of the init: grammar stays a valid scenario that holds.
TEST(CTypeInit, FuzzSeedHolds) {
  const model::Program p = load_file("tests/fuzz/corpus/scenario/ctype-init.life");
  EXPECT_EQ(check(p).verdict, checker::Verdict::Holds);
}

}  // namespace lifecheck::testing

namespace lifecheck::testing {

// Without the GIL, two threads calling __init__ on one object race on its
// field unless tp_init holds the object's critical section.
TEST(CTypeInit, ConcurrentInitNeedsACriticalSectionWithoutTheGil) {
  auto text = [](const std::string& init) {
    return "ctype Holder:\n    flags: gc\n    fields: data\n    init: " + init +
           "\nh = Holder(None)\nthread t1:\n    h.__init__(1)\nthread t2:\n    h.__init__(2)\n";
  };
  EXPECT_EQ(verdict_under("P313t", text("xsetref data")), "violates data-race");
  EXPECT_EQ(verdict_under("P313t", text("critical_section; xsetref data; end_critical_section")),
            "holds");
  EXPECT_EQ(verdict_text(load_text(text("xsetref data"))), "holds");  // with the GIL
}

}  // namespace lifecheck::testing
