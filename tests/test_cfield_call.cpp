// A C slot calling the Python callable stored in a field (`call F`, rules
// CB1-CB3 of docs/semantics.md): what runs, what a raised exception does to
// the rest of tp_dealloc, NULL and None fields, the shipped
// scenarios/ctypes/callback-*.life verdicts, the emitted C, and the input
// errors (lang_error_cases_cfield, run by test_lang_errors.cpp).
#include <gtest/gtest.h>

#include <algorithm>

#include "LangErrorCases.h"
#include "TestSupport.h"
#include "emit/CEmitter.h"
#include "lang/Compiler.h"

namespace lifecheck::testing {

std::vector<BadScenario> lang_error_cases_cfield() {
  return {
      {"CFieldCallBadModifier", "ctype B:\n    fields: cb\n    dealloc: call cb twice; free\n", 3,
       22, "expected self, if_set or objargs after 'call cb', not 'twice'"},
      {"CFieldCallTooManyWords",
       "ctype B:\n    fields: cb\n    dealloc: call cb self if_set objargs; free\n", 3, 34,
       "unexpected 'objargs' after 'call cb self if_set'"},
      {"CFieldCallAmbiguous",
       "ctype B:\n    fields: cb\n    dealloc: call cb; free\ndef cb():\n    pass\n", 3, 19,
       "'cb' is both a field of B and a module-level function"},
      {"CFieldCallInClear", "ctype B:\n    fields: cb\n    clear: call cb\n", 3, 12,
       "'call' is not a step of 'clear:'"},
      {"CFieldCallIfSetTwice",
       "ctype B:\n    fields: cb\n    dealloc: call cb if_set if_set; free\n", 3, 29,
       "unexpected 'if_set' after 'call cb if_set'"},
      // TI1: a class over a C type may define __init__ now; the C type itself may not
      {"InitOnACType", "ctype H:\n    fields: cb\n    def __init__(self, cb):\n        pass\n", 3,
       5, "a C type's tp_init is its 'init:' line, not a def __init__"},
      {"ClearErrorInNew", "ctype B:\n    fields: cb\n    new: alloc; clear_error\n", 3, 17,
       "'clear_error' is not a step of 'new:'"},
  };
}

namespace {

using checker::Verdict;

std::string verdict_of(const std::string& text) { return verdict_text(load_text(text)); }

std::string message_of(const std::string& text) {
  auto r = check(load_text(text));
  return r.verdict == Verdict::Violated ? r.failure.message : "";
}

// The log lines and unraisable reports of the scenario's first run.
std::vector<std::string> seen(const std::string& text) {
  model::Program p = load_text(text);
  std::vector<std::string> out;
  for (const std::string& s : observable(p, run_first(p)))
    if (s.rfind("log: ", 0) == 0 || s.rfind("unraisable", 0) == 0) out.push_back(s);
  return out;
}

std::string closer(const std::string& dealloc, const std::string& rest) {
  return "ctype Closer:\n    flags: gc\n    fields: on_close\n    dealloc: " + dealloc + "\n" +
         rest;
}

const char* kRaises = "def handler():\n    log(\"cb\")\n    raise OSError\n";
const char* kLogs = "def handler():\n    log(\"cb\")\n";

// CB1: the callable's code runs inside tp_dealloc, on this thread, before
// the steps after it.
TEST(CFieldCall, RunsTheStoredFunctionInsideTheSlot) {
  std::string s =
      closer("untrack; call on_close; clear; free",
             std::string(kLogs) + "class P:\n    def __del__(self):\n        log(\"P\")\n" +
                 "c = Closer(handler)\nc.on_close = handler\ndel c\nlog(\"after\")\n");
  EXPECT_EQ(verdict_of(s), "holds");
  EXPECT_EQ(seen(s), (std::vector<std::string>{"log: cb", "log: after"}));
}

// A bound method gets its instance first; a lambda's closure is there.
TEST(CFieldCall, BoundMethodsAndClosures) {
  std::string bound = closer("untrack; call on_close; clear; free",
                             "class W:\n    def closed(self):\n        log(\"closed\", self)\n"
                             "w = W()\nc = Closer(w.closed)\ndel c\n");
  EXPECT_EQ(verdict_of(bound), "holds");
  EXPECT_EQ(seen(bound), (std::vector<std::string>{"log: closed w"}));
  std::string closure = closer("untrack; call on_close; clear; free",
                               "def make(tag):\n    return lambda: log(\"lambda\", tag)\n"
                               "c = Closer(make(3))\ndel c\n");
  EXPECT_EQ(verdict_of(closure), "holds");
  EXPECT_EQ(seen(closure), (std::vector<std::string>{"log: lambda 3"}));
}

// What the callback raises stays set: returning with it breaks P7.14;
// write_unraisable reports it; clear_error drops it; restore_error after
// save_error drops it too (CB3).
TEST(CFieldCall, TheCallbacksExceptionIsTheSlotsToHandle) {
  std::string tail = std::string(kRaises) + "c = Closer(handler)\ndel c\nlog(\"after\")\n";
  EXPECT_EQ(verdict_of(closer("untrack; call on_close; clear; free", tail)), "violates P7.14");
  EXPECT_NE(message_of(closer("untrack; call on_close; clear; free", tail))
                .find("tp_dealloc of c#1 returns with an exception set"),
            std::string::npos);
  std::string reported = closer("untrack; call on_close; write_unraisable; clear; free", tail);
  EXPECT_EQ(verdict_of(reported), "holds");
  EXPECT_EQ(seen(reported),
            (std::vector<std::string>{"log: cb", "unraisable OSError", "log: after"}));
  std::string cleared = closer("untrack; call on_close; clear_error; clear; free", tail);
  EXPECT_EQ(verdict_of(cleared), "holds");
  EXPECT_EQ(seen(cleared), (std::vector<std::string>{"log: cb", "log: after"}));
  std::string restored =
      closer("save_error; untrack; call on_close; clear; free; restore_error", tail);
  EXPECT_EQ(verdict_of(restored), "holds");
  EXPECT_EQ(seen(restored), (std::vector<std::string>{"log: cb", "log: after"}));
}

// CB2: a NULL field crashes PyObject_CallNoArgs; if_set skips it; objargs
// sets SystemError. None is not callable: TypeError, nothing runs.
TEST(CFieldCall, NullAndNoneFields) {
  std::string null_field = "c = Closer(None)\ndel c.on_close\ndel c\n";
  EXPECT_EQ(verdict_of(closer("untrack; call on_close; clear; free", null_field)),
            "violates memory-safety");
  EXPECT_NE(message_of(closer("untrack; call on_close; clear; free", null_field))
                .find("PyObject_CallNoArgs(c#1->on_close), which is NULL"),
            std::string::npos);
  EXPECT_EQ(verdict_of(closer("untrack; call on_close if_set; clear; free", null_field)), "holds");
  EXPECT_EQ(verdict_of(closer("untrack; call on_close objargs; clear; free", null_field)),
            "violates P7.14");
  EXPECT_EQ(verdict_of(closer("untrack; call on_close objargs; write_unraisable; clear; free",
                              null_field)),
            "holds");
  std::string none =
      closer("untrack; call on_close; write_unraisable; clear; free", "c = Closer(None)\ndel c\n");
  EXPECT_EQ(verdict_of(none), "holds");
  EXPECT_EQ(seen(none), (std::vector<std::string>{"unraisable TypeError"}));
}

// A pending exception when the callback is called: P7.14, as `call FUNC`.
TEST(CFieldCall, CallingWithAnExceptionSetIsP714) {
  std::string s = closer("untrack; raise_error; call on_close; write_unraisable; clear; free",
                         std::string(kLogs) + "c = Closer(handler)\ndel c\n");
  EXPECT_EQ(verdict_of(s), "violates P7.14");
  EXPECT_NE(message_of(s).find("calls into Python with an exception set"), std::string::npos);
}

// `call F self` at refcount 0: the callee's reference is the last one again.
TEST(CFieldCall, PassingSelfAtRefcountZeroDeallocatesTwice) {
  std::string s = closer("untrack; call on_close self; clear; free",
                         "def handler(x):\n    pass\nc = Closer(handler)\ndel c\n");
  EXPECT_EQ(verdict_of(s), "violates P7.9 memory-safety");
}

// The shipped pairs.
TEST(CFieldCall, ShippedScenarios) {
  auto verdict_file = [](const std::string& name) {
    return verdict_text(lang::load_scenario(source_path("scenarios/ctypes/" + name)));
  };
  EXPECT_EQ(verdict_file("callback-dealloc-error-left-bug.life"), "violates P7.14");
  EXPECT_EQ(verdict_file("callback-dealloc-unraisable-ok.life"), "holds");
  EXPECT_EQ(verdict_file("callback-dealloc-restore-drops-ok.life"), "holds");
  EXPECT_EQ(verdict_file("callback-cleared-by-gc-bug.life"), "violates memory-safety");
  EXPECT_EQ(verdict_file("callback-in-finalize-ok.life"), "holds");
}

// The step's text and its C.
TEST(CFieldCall, EmittedC) {
  model::Program p = load_text(closer(
      "untrack; call on_close; call on_close if_set; call on_close self objargs; clear_error; "
      "clear; free",
      std::string(kLogs) + "c = Closer(handler)\ndel c\n"));
  const model::TypeInfo& t = *std::find_if(
      p.types.begin(), p.types.end(), [](const model::TypeInfo& x) { return x.name == "Closer"; });
  EXPECT_EQ(model::slot_step_text(p, t.dealloc_steps[1]), "call on_close");
  EXPECT_EQ(model::slot_step_text(p, t.dealloc_steps[2]), "call on_close if_set");
  EXPECT_EQ(model::slot_step_text(p, t.dealloc_steps[3]), "call on_close self objargs");
  EXPECT_EQ(model::slot_step_text(p, t.dealloc_steps[4]), "clear_error");
  std::string c = emit::emit_c(p, "_lc_test");
  EXPECT_NE(c.find("PyObject *lc_r = PyObject_CallNoArgs(((lc_Closer_Object *)self)->f_on_close);"),
            std::string::npos)
      << c;
  EXPECT_NE(c.find("if (((lc_Closer_Object *)self)->f_on_close != NULL) {"), std::string::npos);
  EXPECT_NE(c.find("PyObject_CallFunctionObjArgs(((lc_Closer_Object *)self)->f_on_close, self, "
                   "NULL)"),
            std::string::npos);
  EXPECT_NE(c.find("/* clear_error */\n    PyErr_Clear();"), std::string::npos);
}

}  // namespace
}  // namespace lifecheck::testing
