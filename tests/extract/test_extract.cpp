// The C front end on a corpus of small C files written for these tests
// (tests/extract/corpus/): the recommended tp_dealloc, each documented
// mistake, the macro forms, a PyType_Spec type, helpers called from
// tp_dealloc, a C type deriving from a C type; the exact step lists and the
// C line of every step; bad input; and C file to counterexample.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "TestSupport.h"
#include "extract/Extract.h"
#include "lang/Compiler.h"

namespace lifecheck::testing {
namespace {

std::string corpus(const std::string& name) { return source_path("tests/extract/corpus/" + name); }

// A step as the skeleton writes it: its words and the C line of its
// `# FILE:LINE` comment (0 when it has none).
struct StepLine {
  std::string words;
  int line = 0;
  bool operator==(const StepLine&) const = default;
};

std::ostream& operator<<(std::ostream& os, const StepLine& s) {
  return os << "{" << s.words << " @" << s.line << "}";
}

// The lines of the ctype block `type`, by slot: "dealloc" -> its steps;
// "flags", "fields" -> the line's text; "tp_finalize" -> its statements.
std::map<std::string, std::vector<StepLine>> block(const std::string& life,
                                                   const std::string& type) {
  std::map<std::string, std::vector<StepLine>> out;
  std::istringstream in(life);
  std::string line, slot;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("ctype ", 0) == 0) {
      std::string name = line.substr(6, line.find_first_of(":(") - 6);
      inside = name == type;
      slot.clear();
      continue;
    }
    if (!inside || line.rfind("        #", 0) == 0) continue;  // a step left out
    if (line.rfind("    ", 0) != 0) {
      if (!line.empty() && line[0] != '#') inside = false;
      continue;
    }
    std::string code = line.substr(0, line.find('#'));
    int c_line = 0;
    if (size_t hash = line.find("# "); hash != std::string::npos) {
      std::string origin = line.substr(hash + 2);
      size_t colon = origin.find(':');
      if (colon != std::string::npos) c_line = std::atoi(origin.c_str() + colon + 1);
    }
    while (!code.empty() && code.back() == ' ') code.pop_back();
    if (line.rfind("        ", 0) == 0) {
      out[slot].push_back(StepLine{code.substr(8), c_line});
    } else if (code.size() > 4 && code.back() == ':') {
      slot = code.substr(4, code.size() - 5);
      if (slot.rfind("def ", 0) == 0) slot = slot.substr(4, slot.find('(') - 4);
    } else if (size_t colon = code.find(": "); colon != std::string::npos) {
      out[code.substr(4, colon - 4)].push_back(StepLine{code.substr(colon + 2), 0});
    }
  }
  return out;
}

extract::ExtractResult run(const std::string& file) {
  return extract::extract_file(corpus(file), {});
}

using Steps = std::vector<StepLine>;

TEST(Extract, RecommendedDeallocIsTheDocumentedTemplate) {
  auto r = run("recommended.c");
  auto b = block(r.life, "Buffer");
  EXPECT_EQ(b["flags"], (Steps{{"gc, weakrefable", 0}}));
  EXPECT_EQ(b["fields"], (Steps{{"data", 0}}));  // the weakref list is not a field
  EXPECT_EQ(b["dealloc"], (Steps{{"save_error", 42},
                                 {"finalizer_from_dealloc", 43},
                                 {"untrack", 48},
                                 {"clear_weakrefs", 50},
                                 {"clear", 51},
                                 {"free", 54},
                                 {"write_unraisable", 61},
                                 {"restore_error", 63}}));
  EXPECT_EQ(b["clear"], (Steps{{"clear data", 34}}));
  EXPECT_EQ(b["traverse"], (Steps{{"visit data", 26}}));
  EXPECT_EQ(b["new"], (Steps{{"generic_alloc", 73}, {"init data", 77}}));
  EXPECT_EQ(b["tp_finalize"], (Steps{{"del self.data", 18}}));
  // a static type: the heap-type branch (Py_CLEAR(tp)) is not taken
  EXPECT_EQ(r.life.find("decref_type"), std::string::npos);
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front().format();
}

TEST(Extract, EachDocumentedMistakeIsItsStepList) {
  auto r = run("mistakes.c");
  // P7.10: Py_CLEAR before PyObject_GC_UnTrack; P7.11: tracked before init
  auto early = block(r.life, "Early");
  EXPECT_EQ(early["dealloc"],
            (Steps{{"clear data", 22}, {"untrack", 23}, {"free", 24}, {"decref_type", 25}}));
  EXPECT_EQ(early["new"], (Steps{{"alloc", 70}, {"track", 71}, {"init data", 72}}));
  EXPECT_EQ(early["flags"], (Steps{{"gc, heaptype", 0}}));
  // P7.9: Python code before any untrack; memory-safety: tp_clear without
  // NULL; P7.12: refcount changes in tp_traverse (a positional initialiser)
  auto nountrack = block(r.life, "NoUntrack");
  EXPECT_EQ(nountrack["dealloc"], (Steps{{"call", 32}, {"clear data", 34}, {"free", 35}}));
  EXPECT_EQ(nountrack["clear"], (Steps{{"decref data", 52}}));
  EXPECT_EQ(nountrack["traverse"],
            (Steps{{"incref data", 60}, {"visit data", 61}, {"decref data", 62}}));
  // P7.15 and P7.16
  EXPECT_EQ(block(r.life, "WrongFree")["dealloc"],
            (Steps{{"untrack", 42}, {"decref_type", 43}, {"clear data", 44}, {"free wrong", 45}}));
  // P7.27
  EXPECT_EQ(block(r.life, "Unlocked")["dealloc"], (Steps{{"untrack", 80},
                                                         {"release_gil", 81},
                                                         {"clear data", 82},
                                                         {"acquire_gil", 83},
                                                         {"free", 84}}));
  // P7.28, and PyObject_CallFinalizerFromDealloc's result ignored
  auto late = block(r.life, "LateFinalizer");
  EXPECT_EQ(late["dealloc"], (Steps{{"untrack", 91},
                                    {"clear data", 92},
                                    {"finalizer_from_dealloc unchecked", 93},
                                    {"free", 94}}));
  EXPECT_EQ(late["tp_finalize"], (Steps{{"pass", 100}}));  // an opaque call
  // the call's result, a local, is not an object of the model: the one
  // warning is that the finalizer's call may run Python code
  ASSERT_EQ(r.warnings.size(), 1u) << r.warnings.front().format();
  EXPECT_EQ(r.warnings[0].line, 100u);
  EXPECT_NE(r.warnings[0].message.find("may run Python code"), std::string::npos);
}

TEST(Extract, MacroFormsOfReleasingStoringAndVisiting) {
  auto r = run("macros.c");
  auto b = block(r.life, "Obj");
  EXPECT_EQ(b["clear"], (Steps{{"clear a", 18},
                               {"xdecref b", 19},
                               {"null b", 20},
                               {"xsetref c null", 21},
                               {"xdecref d", 23},  // Py_DECREF under if (self->d)
                               {"null d", 24},
                               {"clear e", 28}}));  // tmp = e; e = NULL; Py_XDECREF(tmp)
  EXPECT_EQ(b["traverse"], (Steps{{"visit a", 35},
                                  {"visit b", 36},
                                  {"visit c", 37},  // visit(self->c, arg) written out
                                  {"visit d", 41},
                                  {"visit e", 42}}));
  EXPECT_EQ(b["dealloc"], (Steps{{"untrack", 49},
                                 {"trashcan_begin", 50},
                                 {"release_gil", 52},
                                 {"acquire_gil", 54},
                                 {"setref a none", 56},
                                 {"decref a", 57},
                                 {"null a", 58},
                                 {"clear", 59},
                                 {"free", 60},
                                 {"trashcan_end", 61}}));
  EXPECT_EQ(b["new"], (Steps{{"generic_alloc", 64}}));  // tp_new = PyType_GenericNew
  EXPECT_EQ(b["flags"], (Steps{{"gc, basetype", 0}}));
  // a condition on a plain C member cannot be decided: a warning, located
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].line, 51u);
  EXPECT_NE(r.warnings[0].message.find("'!self->closed' is not modelled"), std::string::npos);
  EXPECT_NE(r.life.find("#   " + r.warnings[0].format()), std::string::npos);
}

TEST(Extract, TypeFromASpecIsAHeapTypeWithItsWeakrefList) {
  auto r = run("spec.c");
  auto b = block(r.life, "Handle");
  EXPECT_EQ(b["flags"], (Steps{{"gc, heaptype, weakrefable", 0}}));
  EXPECT_EQ(b["fields"], (Steps{{"owner", 0}}));
  EXPECT_EQ(b["dealloc"], (Steps{{"untrack", 31},
                                 {"clear_weakrefs", 33},
                                 {"clear", 35},
                                 {"free", 36},
                                 {"decref_type", 37}}));
  EXPECT_EQ(b["traverse"], (Steps{{"visit type", 15}, {"visit owner", 16}}));
  EXPECT_EQ(b["new"], (Steps{{"generic_alloc", 54}}));
}

TEST(Extract, HelpersAreFollowedAndOtherCodeIsAnOpaqueCall) {
  auto r = run("helper.c");
  auto b = block(r.life, "Job");
  // job_close -> free() (the C library: no step), job_notify_scheduler()
  // (not in the file: an opaque call), release_fields() (followed)
  EXPECT_EQ(b["dealloc"], (Steps{{"untrack", 34},
                                 {"call", 27},
                                 {"clear callback", 18},
                                 {"clear result", 19},
                                 {"free", 36}}));
  EXPECT_EQ(b["fields"], (Steps{{"callback, result", 0}}));  // char *buffer is not an object
  EXPECT_EQ(b["clear"], (Steps{{"none", 0}}));
}

// PyWeakref_GetObject (borrowed) and PyWeakref_GetRef / Py_NewRef around
// GetObject (strong): the local they fill is `ref`; a call passing it uses
// it, Py_DECREF releases it, a test of it takes the branch where it is set.
TEST(Extract, WeakrefReadsBorrowedAndStrong) {
  auto r = run("weakref.c");
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front().format();
  EXPECT_EQ(block(r.life, "Watcher")["dealloc"], (Steps{{"untrack", 19},
                                                        {"weakref_getobject owner_ref", 20},
                                                        {"clear cache", 21},
                                                        {"use_ref", 23},
                                                        {"call", 23},
                                                        {"clear owner_ref", 25},
                                                        {"free", 26}}));
  auto safe = block(r.life, "SafeWatcher");
  EXPECT_EQ(safe["dealloc"], (Steps{{"untrack", 49},
                                    {"weakref_getref owner_ref", 51},
                                    {"clear cache", 52},
                                    {"use_ref", 53},
                                    {"call", 53},
                                    {"drop_ref", 54},
                                    {"clear owner_ref", 56},
                                    {"free", 57}}));
  EXPECT_EQ(safe["clear"], (Steps{{"weakref_getref owner_ref", 63},
                                  {"clear cache", 64},
                                  {"use_ref", 65},
                                  {"call", 65},
                                  {"drop_ref", 66},
                                  {"clear owner_ref", 67}}));
}

TEST(Extract, CTypeDerivingFromACType) {
  auto r = run("derived.c");
  EXPECT_NE(r.life.find("ctype Derived(Base):"), std::string::npos);
  auto d = block(r.life, "Derived");
  EXPECT_EQ(d["fields"], (Steps{{"extra", 0}}));  // the base's fields are the base's
  EXPECT_EQ(d["dealloc"],
            (Steps{{"untrack", 77}, {"clear extra", 78}, {"track", 79}, {"base_dealloc", 80}}));
  EXPECT_EQ(d["clear"], (Steps{{"clear extra", 47}, {"base_clear", 48}}));
  EXPECT_EQ(d["traverse"], (Steps{{"visit extra", 40}, {"base_traverse", 41}}));
  EXPECT_EQ(block(r.life, "Base")["dealloc"],
            (Steps{{"untrack", 32}, {"clear", 33}, {"free", 34}}));
}

TEST(Extract, EveryStepNamesItsCFileAndLine) {
  auto r = run("recommended.c");
  std::istringstream in(r.life);
  int steps = 0;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("        ", 0) == 0) {
      ++steps;
      EXPECT_NE(line.find("# " + corpus("recommended.c") + ":"), std::string::npos) << line;
    }
  EXPECT_GT(steps, 10);
  EXPECT_NE(r.life.find("thread main:"), std::string::npos);
  EXPECT_EQ(r.types, std::vector<std::string>{"Buffer"});
}

TEST(Extract, OutputIsDeterministic) {
  EXPECT_EQ(run("macros.c").life, run("macros.c").life);
  CliResult a = run_cli({"extract", corpus("mistakes.c")});
  CliResult b = run_cli({"extract", corpus("mistakes.c")});
  EXPECT_EQ(a.exit_code, 0);
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.out, run("mistakes.c").life);
}

// tp_init replacing what tp_new stored (R1.17): Py_SETREF and Py_XSETREF,
// the older tmp swap, and a plain store that leaks; no warning for the
// kwlist array.
TEST(Extract, InitReplacingAFieldReleasesTheOldValue) {
  auto r = run("replace.c");
  // tp_init is an init: line of its own (TI1), after tp_new's new: line
  const Steps from_new{
      {"generic_alloc", 31}, {"call", 33}, {"init first", 33}, {"call", 34}, {"init last", 34}};
  for (const char* type : {"Name", "Swap", "Leaky"})
    EXPECT_EQ(block(r.life, type)["new"], from_new) << type;
  EXPECT_EQ(block(r.life, "Name")["init"], (Steps{{"setref first", 43}, {"xsetref last", 44}}));
  // tmp = self->first; ...; self->first = first; Py_XDECREF(tmp): the
  // store's line, with Py_DECREF(old) it is setref
  EXPECT_EQ(block(r.life, "Swap")["init"], (Steps{{"xsetref first", 55}, {"setref last", 60}}));
  EXPECT_NE(r.life.find("self->first = first; Py_XDECREF(tmp)"), std::string::npos) << r.life;
  EXPECT_EQ(block(r.life, "Leaky")["init"], (Steps{{"init first", 70}, {"setref last", 71}}));
  for (const auto& w : r.warnings) {
    EXPECT_EQ(w.message.find("is not translated"), std::string::npos) << w.format();
    EXPECT_EQ(w.message.find("xdecref"), std::string::npos) << w.format();
  }
}

// A weakref-list member without its offset: not weakrefable, no field; the
// guarded PyObject_ClearWeakRefs never runs, the unguarded one sets
// SystemError (raise_error); the finalizer's call of a stored callable is
// `pass` with a warning.
TEST(Extract, WeaklistMemberWithoutItsOffset) {
  auto r = run("weaklist.c");
  auto timer = block(r.life, "Timer");
  EXPECT_EQ(timer["flags"], (Steps{{"gc, heaptype", 0}}));
  EXPECT_EQ(timer["fields"], (Steps{{"cb", 0}}));
  EXPECT_EQ(timer["dealloc"], (Steps{{"finalizer_from_dealloc", 35},
                                     {"untrack", 36},
                                     {"clear", 38},
                                     {"free", 39},
                                     {"decref_type", 40}}));
  EXPECT_EQ(
      block(r.life, "Plain")["dealloc"],
      (Steps{
          {"untrack", 46}, {"raise_error", 47}, {"clear", 48}, {"free", 49}, {"decref_type", 50}}));
  // the stored callable's call, wrapped: the C code restores the saved
  // exception over what it raises (CB3)
  EXPECT_EQ(timer["tp_finalize"], (Steps{{"if self.cb is not None:", 0},
                                         {"    try:", 0},
                                         {"        self.cb()", 26},
                                         {"    except:", 0},
                                         {"        pass", 0}}));
  auto warned = [&](unsigned line, const std::string& text) {
    return std::any_of(r.warnings.begin(), r.warnings.end(), [&](const extract::Warning& w) {
      return w.line == line && w.message.find(text) != std::string::npos;
    });
  };
  EXPECT_TRUE(warned(61, "the member 'weakreflist' looks like a weakref list")) << r.life;
  EXPECT_TRUE(warned(47, "CPython sets SystemError")) << r.life;
  EXPECT_FALSE(warned(26, "may run Python code")) << r.life;
  // it loads
  model::Program p = lang::load_scenario_text("weaklist.life", r.life);
  EXPECT_FALSE(p.types.empty());
}

// A stored callable called from a slot (CB1-CB3): `call F` in tp_dealloc,
// `if_set` under a NULL test, `objargs` for PyObject_CallFunctionObjArgs,
// `self` for PyObject_CallOneArg(self->f, self), PyObject_Call with the
// empty tuple; the result tests take both branches; PyErr_Clear is
// clear_error; in tp_finalize, `self.f()`, in try/except when the C code
// handles what it raises.
TEST(Extract, StoredCallablesAreCallSteps) {
  auto r = run("callbacks.c");
  EXPECT_EQ(block(r.life, "Closer")["dealloc"], (Steps{{"untrack", 27},
                                                       {"call on_close", 28},
                                                       {"call on_error", 30},
                                                       {"clear", 31},
                                                       {"free", 32}}));
  EXPECT_EQ(block(r.life, "Safe")["dealloc"], (Steps{{"save_error", 37},
                                                     {"untrack", 38},
                                                     {"call on_close if_set", 40},
                                                     {"write_unraisable", 42},
                                                     {"call on_error objargs", 48},
                                                     {"clear_error", 50},
                                                     {"clear", 52},
                                                     {"free", 53},
                                                     {"restore_error", 54}}));
  EXPECT_EQ(block(r.life, "Args")["dealloc"], (Steps{{"untrack", 60},
                                                     {"call on_close", 62},
                                                     {"call on_error self", 65},
                                                     {"write_unraisable", 66},
                                                     {"call", 67},
                                                     {"call", 68},
                                                     {"clear", 70},
                                                     {"free", 71}}));
  EXPECT_EQ(block(r.life, "Final")["tp_finalize"],
            (Steps{{"try:", 0}, {"    self.on_close()", 77}, {"except:", 0}, {"    pass", 0}}));
  EXPECT_EQ(block(r.life, "Bare")["tp_finalize"],
            (Steps{{"if self.on_close is not None:", 0}, {"    self.on_close(self)", 85}}));
  auto warned = [&](unsigned line, const std::string& text) {
    return std::any_of(r.warnings.begin(), r.warnings.end(), [&](const extract::Warning& w) {
      return w.line == line && w.message.find(text) != std::string::npos;
    });
  };
  EXPECT_TRUE(warned(68, "passes arguments the model does not see")) << r.life;
  // the result tests are no warning
  EXPECT_FALSE(warned(41, "is not modelled")) << r.life;
  EXPECT_FALSE(warned(49, "is not modelled")) << r.life;
  // the skeleton checks: Closer leaves the callback's exception set
  std::string life = r.life.substr(0, r.life.find("thread main:")) +
                     "def raises():\n    raise OSError\n"
                     "thread main:\n    c = Closer()\n    c.on_close = raises\n"
                     "    c.on_error = raises\n    del c\n";
  auto checked = check(lang::load_scenario_text("callbacks.life", life));
  ASSERT_EQ(checked.verdict, checker::Verdict::Violated);
  EXPECT_EQ(checked.failure.properties, (std::vector<std::string>{"P7.14"}));
}

// What Cython writes in every extension: tp_clear resets a field to None
// through a temporary (xsetref F none, not a stale xdecref), tp_traverse
// calls the visitproc through a pointer, tp_dealloc calls tp_free through
// a pointer.
TEST(Extract, CythonFormsAreTheirSteps) {
  auto r = run("cython.c");
  auto cy = block(r.life, "Cy");
  EXPECT_EQ(cy["clear"], (Steps{{"xsetref a none", 27}, {"xsetref b none", 28}}));
  EXPECT_EQ(cy["traverse"], (Steps{{"visit a", 16}, {"visit b", 17}}));
  EXPECT_EQ(cy["dealloc"],
            (Steps{{"untrack", 35}, {"clear a", 36}, {"clear b", 37}, {"free", 38}}));
  auto w = block(r.life, "Watcher");
  EXPECT_EQ(w["clear"], (Steps{{"xsetref callback none", 102}}));
  EXPECT_EQ(w["traverse"], (Steps{{"visit callback", 91}}));
  EXPECT_EQ(w["dealloc"], (Steps{{"untrack", 72},
                                 {"save_error", 75},
                                 {"call", 60},
                                 {"restore_error", 79},
                                 {"clear_weakrefs", 81},
                                 {"clear callback", 82},
                                 {"free", 83}}));
  // the refcount guard around __dealloc__: one warning for the pair
  ASSERT_EQ(r.warnings.size(), 1u) << r.life;
  EXPECT_EQ(r.warnings[0].line, 76u);
  EXPECT_NE(r.warnings[0].message.find("the refcount stays 0 in the scenario"), std::string::npos);
}

// Py_TPFLAGS_MANAGED_DICT is not modelled: one warning on the flags, and
// PyObject_VisitManagedDict / PyObject_ClearManagedDict are no step (the
// skeleton loads: 'call' is no step of 'traverse:').
TEST(Extract, ManagedDictIsAWarningAndItsCallsNoStep) {
  auto r = run("managed.c");
  auto m = block(r.life, "M");
  EXPECT_EQ(m["flags"], (Steps{{"gc, heaptype, weakrefable, basetype", 0}}));
  EXPECT_EQ(m["traverse"], (Steps{{"visit type", 24}, {"visit callback", 25}}));
  EXPECT_EQ(m["clear"], (Steps{{"clear callback", 32}}));
  ASSERT_EQ(r.warnings.size(), 1u) << r.life;
  EXPECT_EQ(r.warnings[0].line, 57u);
  EXPECT_NE(r.warnings[0].message.find("Py_TPFLAGS_MANAGED_DICT is not modelled"),
            std::string::npos);
}

// A free list: one warning, which says the branch that parks the object is
// left out and the object is taken as freed; the path that frees it is
// translated. A step the language refuses where it stands is left out as a
// comment, with a warning, so that the skeleton loads.
TEST(Extract, FreeListAndARefusedStep) {
  auto r = run("freelist.c");
  EXPECT_EQ(block(r.life, "Cell")["dealloc"],
            (Steps{{"untrack", 19}, {"clear payload", 20}, {"free", 25}}));
  EXPECT_EQ(block(r.life, "Odd")["clear"], (Steps{{"clear payload", 52}}));
  std::vector<std::string> at21, at53;
  for (const extract::Warning& w : r.warnings) {
    if (w.line == 21 || w.line == 22 || w.line == 23) at21.push_back(w.message);
    if (w.line == 53) at53.push_back(w.message);
  }
  ASSERT_EQ(at21.size(), 1u) << r.life;
  EXPECT_NE(at21[0].find("a free list is not modelled"), std::string::npos) << at21[0];
  EXPECT_NE(at21[0].find("taken as freed"), std::string::npos) << at21[0];
  ASSERT_EQ(at53.size(), 1u) << r.life;
  EXPECT_NE(at53[0].find("'track' is not a step of 'clear:'"), std::string::npos) << at53[0];
  EXPECT_NE(r.life.find("        # left out: track"), std::string::npos) << r.life;
  for (const extract::Warning& w : r.warnings)  // the skeleton's head lists every warning
    EXPECT_NE(r.life.find("#   " + w.format()), std::string::npos) << w.format();
}

// ------------------------------------------------------ C to counterexample

// Every skeleton the corpus gives is a scenario lifecheck compiles, with
// the C line of each step kept as its origin: every file of the corpus is
// either bad input (an ExtractError) or a skeleton that loads.
TEST(ExtractEndToEnd, EverySkeletonCompiles) {
  const std::set<std::string> bad_input = {"broken.c", "notypes.c", "cxx.cpp"};
  size_t loaded = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(source_path("tests/extract/corpus"))) {
    const std::string file = entry.path().filename().string();
    if (bad_input.count(file)) {
      EXPECT_THROW(run(file), extract::ExtractError) << file;
      continue;
    }
    ++loaded;
    auto r = run(file);
    model::Program p = lang::load_scenario_text(std::string(file) + ".life", r.life);
    size_t with_origin = 0, steps = 0;
    for (const model::TypeInfo& t : p.types)
      for (const auto* list : {&t.new_steps, &t.dealloc_steps, &t.clear_steps, &t.traverse_steps})
        for (const model::SlotStep& st : *list) {
          ++steps;
          if (st.origin) {
            ++with_origin;
            EXPECT_EQ(p.origins[st.origin].rfind(corpus(file) + ":", 0), 0u)
                << p.origins[st.origin];
          }
        }
    // the defaults the language adds for slots the C file leaves out have none
    EXPECT_GT(with_origin, 0u) << file;
    EXPECT_LE(with_origin, steps) << file;
    // and `check` takes it as it is written
    std::string life = temp_file(r.life, ".life");
    CliResult c = run_cli({"check", "--max-states", "20000", life});
    EXPECT_NE(c.exit_code, 2) << file << c.out << c.err;  // no input error
    std::remove(life.c_str());
  }
  EXPECT_GE(loaded, 12u);
}

// From the C file to a counterexample that names the C lines: Early's
// tp_new tracks the object before its field is set (P7.11).
TEST(ExtractEndToEnd, CounterexampleNamesTheCLines) {
  std::string life = temp_file(run("mistakes.c").life, ".life");
  CliResult r = run_cli({"check", life});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("VIOLATION of P7.11"), std::string::npos) << r.out;
  const std::string c = corpus("mistakes.c");
  // the violation and the steps of the trace name the C lines
  EXPECT_NE(r.out.find("is initialised (at " + c + ":71)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("          " + c + ":70: alloc\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("          " + c + ":71: track\n"), std::string::npos) << r.out;
  // the JSON report's counterexample carries them too
  CliResult j = run_cli({"check", "--json", life});
  EXPECT_NE(first_counterexample(j.out).dump().find(c + ":71: track"), std::string::npos) << j.out;
  std::remove(life.c_str());
}

// The borrowed weakref read of weakref.c, driven by a main that gives the
// watcher the owner's last strong reference: the use after free names the
// C line of the use; SafeWatcher holds.
TEST(ExtractEndToEnd, BorrowedWeakrefUseAfterFree) {
  std::string skeleton = run("weakref.c").life;
  skeleton.erase(skeleton.find("# A first run"));
  auto with_main = [&](const std::string& type) {
    return temp_file(skeleton +
                         "class Owner:\n    pass\n\nthread main:\n    o = Owner()\n"
                         "    w = " +
                         type + "(weakref.ref(o), o)\n    del o\n    del w\n",
                     ".life");
  };
  std::string bug = with_main("Watcher"), ok = with_main("SafeWatcher");
  CliResult r = run_cli({"check", bug});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("uses the object PyWeakref_GetObject returned, which has been freed since"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("(at " + corpus("weakref.c") + ":23)"), std::string::npos) << r.out;
  CliResult k = run_cli({"check", ok});
  EXPECT_EQ(k.exit_code, 0) << k.out << k.err;
  std::remove(bug.c_str());
  std::remove(ok.c_str());
}

// The tutorial's Custom (replace.c's Name), the tmp swap and the leaky
// plain store, each with an argument whose death shows the accounting:
// Name and Swap hold; Leaky keeps the value tp_new stored alive (quiescence).
TEST(ExtractEndToEnd, InitReplacingAFieldHoldsAndThePlainStoreLeaks) {
  std::string skeleton = run("replace.c").life;
  skeleton.erase(skeleton.find("# A first run"));
  for (const char* type : {"Name", "Swap", "Leaky"}) {
    std::string life = temp_file(skeleton + "class Item:\n    pass\n\nthread main:\n" +
                                     "    obj = " + type + "(Item(), Item())\n    del obj\n",
                                 ".life");
    CliResult r = run_cli({"check", life});
    if (std::string(type) == "Leaky") {
      EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
      EXPECT_NE(r.out.find("VIOLATION of quiescence"), std::string::npos) << r.out;
    } else {
      EXPECT_EQ(r.exit_code, 0) << type << r.out << r.err;
    }
    std::remove(life.c_str());
  }
}

// The Cython type of the new-user review (a cycle through a bound method,
// broken by the collector through tp_clear's None reset, then tp_dealloc's
// Py_CLEAR): it holds. Written as an xdecref, the field went stale and the
// second release was a false memory-safety violation.
TEST(ExtractEndToEnd, CythonClearThatResetsToNoneHolds) {
  std::string skeleton = run("cython.c").life;
  skeleton.erase(skeleton.find("# A first run"));
  std::string life = temp_file(skeleton +
                                   "class Owner:\n    def notify(self, x):\n        log(\"n\")\n\n"
                                   "thread main:\n    w = Watcher(None)\n    o = Owner()\n"
                                   "    w.callback = o.notify\n    o.watcher = w\n    del w\n"
                                   "    del o\n    gc.collect()\n",
                               ".life");
  CliResult r = run_cli({"check", life});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::remove(life.c_str());
}

// A tp_dealloc that returns without tp_free (what the skeleton said when
// extract dropped Cython's (*tp_free)(o)): the quiescence violation says the
// memory leaks because tp_free was never called, not that a reference the
// collector cannot account for keeps the object.
TEST(ExtractEndToEnd, DeallocWithoutFreeIsNamedAsSuch) {
  std::string skeleton = run("cython.c").life;
  skeleton.erase(skeleton.find("# A first run"));
  const std::string free_line =
      "        free                              # " + corpus("cython.c") + ":38";
  ASSERT_NE(skeleton.find(free_line), std::string::npos) << skeleton;
  skeleton.replace(skeleton.find(free_line), 14, "        # free");
  std::string life = temp_file(skeleton + "thread main:\n    c = Cy()\n    del c\n", ".life");
  CliResult r = run_cli({"check", life});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("VIOLATION of quiescence"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("their refcount is 0 and tp_dealloc returned without calling tp_free"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("cannot account for"), std::string::npos) << r.out;
  std::remove(life.c_str());
}

// ------------------------------------------------------------- bad input

// C++ is refused with one error line (exit 2), nothing written: by its
// suffix, or by a flag that compiles a .c file as C++.
TEST(ExtractBadInput, CxxSourceIsRefused) {
  CliResult r = run_cli({"extract", corpus("cxx.cpp")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("cxx.cpp:1:1: error: '.cpp' is a C++ source: extract reads C only"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  for (std::vector<std::string> flags :
       {std::vector<std::string>{"-x", "c++"}, {"-xc++"}, {"-std=c++20"}}) {
    flags.insert(flags.begin(), {"extract", corpus("helper.c"), "--"});
    CliResult c = run_cli(flags);
    EXPECT_EQ(c.exit_code, 2) << flags.back();
    EXPECT_NE(c.err.find("extract reads C only"), std::string::npos) << c.err;
  }
}

TEST(ExtractBadInput, MissingFile) {
  EXPECT_THROW(run("no-such-file.c"), extract::ExtractError);
  CliResult r = run_cli({"extract", corpus("no-such-file.c")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("no-such-file.c:0:0: error: cannot read"), std::string::npos) << r.err;
}

TEST(ExtractBadInput, CThatDoesNotCompile) {
  CliResult r = run_cli({"extract", corpus("broken.c")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("broken.c:4:1: error: expected ')'"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one line
}

TEST(ExtractBadInput, OutputThatCannotBeWritten) {
  CliResult r = run_cli({"extract", corpus("helper.c"), "--out", "/no/such/folder/x.life"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("its folder does not exist"), std::string::npos) << r.err;
}

TEST(ExtractBadInput, NoTypeFound) {
  CliResult r = run_cli({"extract", corpus("notypes.c")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("notypes.c:1:1: error: no extension type found"), std::string::npos)
      << r.err;
}

TEST(ExtractBadInput, CompilerFlagsAfterTheDoubleDash) {
  // -DBROKEN makes broken code: the flags reach the compiler
  std::string c = temp_file(
      "#include <Python.h>\n#ifdef BROKEN\nint x = ;\n#endif\n"
      "static PyTypeObject T = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = \"m.T\"};\n",
      ".c");
  EXPECT_EQ(run_cli({"extract", c}).exit_code, 0);
  CliResult r = run_cli({"extract", c, "--", "-DBROKEN"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":3:9: error: expected expression"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lifecheck::testing
