// The C idioms of extension code that the step words spell
// (docs/extension-types.md §2.3, §2.15): Py_XDECREF and Py_(X)SETREF on a
// field, NULL at construction, a release only if not yet released, a
// direct tp_finalize call, PyObject_CallFinalizerFromDealloc's result
// ignored, C types deriving from C types, Py_TRASHCAN_BEGIN/END; step lines
// with their C origins; and the input errors of each.
#include <gtest/gtest.h>

#include <algorithm>

#include "TestSupport.h"
#include "lang/Diagnostic.h"

namespace lifecheck::testing {
namespace {

using checker::Verdict;

// The first violation's properties, or "holds".
std::string verdict_of(const std::string& text) {
  auto r = check(load_text(text));
  if (r.verdict == Verdict::Holds) return "holds";
  if (r.verdict != Verdict::Violated) return "limit";
  std::string out;
  for (const std::string& p : r.failure.properties) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::string message_of(const std::string& text) {
  auto r = check(load_text(text));
  return r.verdict == Verdict::Violated ? r.failure.message : "";
}

std::vector<std::string> logs(const model::Program& p, const model::Trace& t) {
  std::vector<std::string> out;
  for (const std::string& s : observable(p, t))
    if (s.rfind("log: ", 0) == 0) out.push_back(s.substr(5));
  return out;
}

std::vector<std::string> events_text(const model::Program& p, const model::Trace& t,
                                     model::EventKind kind) {
  std::vector<std::string> out;
  for (const model::Event& e : events(t))
    if (e.kind == kind) out.push_back(e.text);
  (void)p;
  return out;
}

// A tp_clear that runs twice (the collector's, then tp_dealloc's) on a cycle.
std::string twice(const std::string& clear) {
  return "ctype Buffer:\n"
         "    flags: gc, heaptype\n"
         "    fields: data\n"
         "    clear: " +
         clear +
         "\n"
         "class Node:\n    pass\n"
         "b = Buffer(None)\nn = Node()\nb.data = n\nn.buf = b\ndel n\ndel b\ngc.collect()\n";
}

TEST(CIdioms, XdecrefSkipsNullDecrefDoesNot) {
  EXPECT_EQ(verdict_of(twice("xdecref data; null data")), "holds");
  EXPECT_EQ(verdict_of(twice("decref data; null data")), "memory-safety");
  EXPECT_NE(
      message_of(twice("decref data; null data")).find("Py_DECREF of b#1->data, which is NULL"),
      std::string::npos);
  // Py_XDECREF without NULLing leaves a stale pointer: the second run
  // releases it again
  EXPECT_EQ(verdict_of(twice("xdecref data")), "memory-safety");
}

TEST(CIdioms, SetrefStoresFirstThenReleases) {
  EXPECT_EQ(verdict_of(twice("xsetref data null")), "holds");
  EXPECT_EQ(verdict_of(twice("setref data null")), "memory-safety");
  // Py_XSETREF in tp_dealloc: the old value is released there
  model::Program p = load_text(
      "ctype Box:\n    fields: data\n    dealloc: xsetref data none; free\n"
      "class Node:\n    def __del__(self):\n        log(\"del\", self)\n"
      "n = Node()\nb = Box(n)\ndel n\ndel b\nlog(\"after\")\n");
  auto t = run_first(p);
  EXPECT_TRUE(t.outcome.ok()) << t.outcome.message;
  EXPECT_EQ(logs(p, t), (std::vector<std::string>{"del n", "after"}));
}

TEST(CIdioms, InitNullLeavesTheFieldNull) {
  // PyObject_GC_New leaves fields uninitialised; self->data = NULL makes
  // them safe to traverse
  EXPECT_EQ(verdict_of("ctype B:\n    flags: gc\n    fields: data\n"
                       "    new: alloc; init data null; track\nb = B(None)\nlog(b.data)\n"),
            "holds");
  EXPECT_EQ(verdict_of("ctype B:\n    flags: gc\n    fields: data\n"
                       "    new: alloc; track\nb = B(None)\n"),
            "P7.11");
}

TEST(CIdioms, ReleaseOnlyIfHeld) {
  std::string text =
      "ctype H:\n    flags: gc, heaptype\n    fields: peer\n    resource: affinity\n"
      "    clear: release_resource WORD; clear peer\n"
      "    dealloc: untrack; clear; release_resource WORD; free; decref_type\n"
      "h = H(None)\nh.peer = h\ndel h\ngc.collect()\n";
  auto with = [&](const std::string& word) {
    std::string t = text;
    for (size_t at; (at = t.find("WORD")) != std::string::npos;) t.replace(at, 4, word);
    return t;
  };
  EXPECT_EQ(verdict_of(with("if_held")), "holds");
  std::string once = with("");
  EXPECT_EQ(verdict_of(once), "resource-affinity");
  EXPECT_NE(message_of(once).find("released twice"), std::string::npos);
}

// PyWeakref_GetRef vs the borrowed PyWeakref_GetObject in a tp_dealloc:
// releasing the other field frees the referent before its use unless ref
// is a strong reference (scenarios/ctypes/weakref-*.life).
TEST(CIdioms, WeakrefGetRefKeepsTheReferentBorrowedDoesNot) {
  auto watcher = [](const std::string& steps, const std::string& args) {
    return "ctype W:\n    flags: gc, heaptype\n    fields: wr, cache\n"
           "    dealloc: untrack; " +
           steps +
           "; clear wr; free; decref_type\n"
           "    traverse: visit wr; visit cache; visit type\n"
           "class O:\n    pass\n"
           "o = O()\nw = W(" +
           args + ")\ndel o\ndel w\n";
  };
  const std::string both = "weakref.ref(o), o";
  EXPECT_EQ(verdict_of(watcher("weakref_getref wr; clear cache; use_ref; drop_ref", both)),
            "holds");
  std::string borrowed = watcher("weakref_getobject wr; clear cache; use_ref", both);
  EXPECT_EQ(verdict_of(borrowed), "memory-safety");
  EXPECT_NE(message_of(borrowed).find("PyWeakref_GetObject returned, which has been freed"),
            std::string::npos);
  // used before the release that frees it: fine, even borrowed
  EXPECT_EQ(verdict_of(watcher("weakref_getobject wr; use_ref; clear cache", both)), "holds");
  // a borrowed reference released as if owned: one Py_DECREF too many
  EXPECT_EQ(verdict_of(watcher("weakref_getobject wr; drop_ref; clear cache; use_ref", both)),
            "memory-safety");
  // a strong reference never released: the referent outlives the run
  EXPECT_NE(verdict_of(watcher("weakref_getref wr; clear cache; use_ref", both)), "holds");
  // a dead referent (no strong reference left) gives NULL: use_ref skips it
  EXPECT_EQ(
      verdict_of(watcher("weakref_getobject wr; use_ref; clear cache", "weakref.ref(O()), None")),
      "holds");
  // a None field is skipped (`if (self->wr)`); a field that is not a
  // weakref makes the call fail, and tp_dealloc returns with it set
  EXPECT_EQ(verdict_of(watcher("weakref_getref wr; use_ref; drop_ref; clear cache", "None, o")),
            "holds");
  EXPECT_EQ(verdict_of(watcher("weakref_getref wr; use_ref; drop_ref; clear cache", "o, o")),
            "P7.14");
}

// The same steps as the free-threaded C API's (one implementation): with
// the GIL, a borrowed ref goes stale at a step that may run other code (a
// release here), even where its referent survives; a second lookup
// overwrites a strong ref, which then leaks.
TEST(CIdioms, BorrowedRefGoesStaleAtAReleaseAndALookupOverwrites) {
  auto watcher = [](const std::string& steps) {
    return "ctype W:\n    flags: gc, heaptype\n    fields: wr, cache\n"
           "    dealloc: untrack; " +
           steps +
           "; clear wr; free; decref_type\n"
           "    traverse: visit wr; visit cache; visit type\n"
           "class O:\n    pass\n"
           "o = O()\nk = O()\nw = W(weakref.ref(o), k)\ndel k\ndel w\n";
  };
  std::string stale = watcher("weakref_getobject wr; xdecref cache; use_ref");
  EXPECT_EQ(verdict_of(stale), "memory-safety");
  EXPECT_NE(message_of(stale).find("a borrowed reference from PyWeakref_GetObject, after code "
                                   "that may run other threads (a call or a decref)"),
            std::string::npos)
      << message_of(stale);
  EXPECT_EQ(verdict_of(watcher("weakref_getobject wr; use_ref; xdecref cache")), "holds");
  EXPECT_EQ(verdict_of(watcher("weakref_getref wr; xdecref cache; use_ref; drop_ref")), "holds");
  EXPECT_NE(verdict_of(watcher("weakref_getref wr; weakref_getref wr; use_ref; drop_ref")),
            "holds");
}

TEST(CIdioms, DirectTpFinalizeBypassesTheMarkAndTheResurrection) {
  // at refcount 0 the finalizer's own reference drops the count to 0 again
  EXPECT_EQ(verdict_of("ctype C:\n    flags: gc, heaptype\n"
                       "    dealloc: tp_finalize; untrack; free; decref_type\n"
                       "    def tp_finalize(self):\n        log(\"fin\")\n"
                       "c = C()\ndel c\n"),
            "P7.9, memory-safety");
  // without Python code touching self there is no second dealloc, but the
  // finalized mark is bypassed: the collector finalized and cleared the
  // object, then tp_dealloc finalizes it again (SEMANTICS.md P7.4 ext)
  model::Program p = load_text(
      "ctype C:\n    flags: gc, heaptype\n    fields: me\n"
      "    dealloc: untrack; tp_finalize; clear; free; decref_type\n"
      "    def tp_finalize(self):\n        pass\n"
      "c = C(None)\nc.me = c\ndel c\ngc.collect()\n");
  auto r = check(p);
  ASSERT_EQ(r.verdict, Verdict::Violated);
  EXPECT_NE(std::find(r.failure.properties.begin(), r.failure.properties.end(), "P7.4"),
            r.failure.properties.end())
      << r.failure.message;
}

TEST(CIdioms, UncheckedFinalizerGoesOnAfterAResurrection) {
  std::string text =
      "ctype C:\n    flags: gc, heaptype\n    dealloc: finalizer_from_dealloc WORD; untrack; free; "
      "decref_type\n    def tp_finalize(self):\n        global saved\n        saved = self\n"
      "saved = None\nc = C()\ndel c\n";
  std::string checked = text, unchecked = text;
  checked.replace(checked.find(" WORD"), 5, "");
  unchecked.replace(unchecked.find("WORD"), 4, "unchecked");
  EXPECT_EQ(verdict_of(checked), "holds");
  EXPECT_EQ(verdict_of(unchecked), "P7.18");
}

// Derived(Base): Base's fields first; its clear:, traverse: and dealloc:
// run through base_clear, base_traverse and base_dealloc.
const char* kDerived =
    "ctype Base:\n    flags: gc, heaptype, basetype\n    fields: data\n"
    "    dealloc: untrack; clear; free; decref_type\n"
    "ctype Derived(Base):\n    flags: heaptype\n    fields: extra\n"
    "    dealloc: untrack; clear extra; track; base_dealloc\n"
    "class Node:\n    def __del__(self):\n        log(\"del\", self)\n";

TEST(CIdioms, CTypeDerivingFromACType) {
  model::Program p = load_text(std::string(kDerived) +
                               "x = Node()\ny = Node()\nd = Derived(x, y)\ndel x\ndel y\n"
                               "log(d.data, d.extra)\ndel d\n");
  const model::TypeInfo& d = p.types[model::kFirstUserType + 1];
  ASSERT_EQ(d.name, "Derived");
  EXPECT_TRUE(d.gc);  // Py_TPFLAGS_HAVE_GC is inherited
  EXPECT_EQ(d.c_fields.size(), 2u);
  // the defaults delegate the base's fields to the base's slots
  ASSERT_EQ(d.clear_steps.size(), 2u);
  EXPECT_EQ(d.clear_steps[1].op, model::SlotOp::BaseClear);
  ASSERT_EQ(d.traverse_steps.size(), 2u);  // visit extra; base_traverse (the base visits the type)
  EXPECT_EQ(d.traverse_steps[1].op, model::SlotOp::BaseTraverse);
  auto t = run_first(p);
  ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
  // the arguments bind to Base's field first; the derived part releases
  // extra, then the base's tp_dealloc calls tp_clear, whose base_clear
  // releases data
  EXPECT_EQ(logs(p, t), (std::vector<std::string>{"x y", "del y", "del x"}));
  EXPECT_EQ(check(p).verdict, Verdict::Holds);
  // a cycle through the base's field is collected: base_traverse visits it
  EXPECT_EQ(verdict_of(std::string(kDerived) + "d = Derived(None, None)\nd.data = d\ndel d\n"
                                               "gc.collect()\n"),
            "holds");
}

TEST(CIdioms, StepLinesWithTheirCOrigins) {
  model::Program p = load_text(
      "ctype B:\n    flags: gc\n    fields: data\n"
      "    dealloc:\n"
      "        untrack            # buf.c:40: PyObject_GC_UnTrack(self)\n"
      "        clear data; free   # buf.c:41\n"
      "    clear: clear data  # not an origin\n"
      "b = B(None)\ndel b\n");
  const model::TypeInfo& t = p.types.back();
  ASSERT_EQ(t.dealloc_steps.size(), 3u);
  EXPECT_EQ(p.origins[t.dealloc_steps[0].origin], "buf.c:40");
  EXPECT_EQ(p.origins[t.dealloc_steps[1].origin], "buf.c:41");  // a line's steps share it
  EXPECT_EQ(p.origins[t.dealloc_steps[2].origin], "buf.c:41");
  EXPECT_EQ(t.clear_steps[0].origin, 0);
  auto trace = run_first(p);
  EXPECT_EQ(
      events_text(p, trace, model::EventKind::CStep),
      (std::vector<std::string>{"buf.c:40: untrack", "buf.c:41: clear data", "buf.c:41: free"}));
  // a step with no origin leaves no trace of its own
  model::Program plain =
      load_text("ctype B:\n    flags: gc\n    fields: data\nb = B(None)\ndel b\n");
  EXPECT_TRUE(events_text(plain, run_first(plain), model::EventKind::CStep).empty());
}

TEST(CIdioms, TrashcanPostponesDeepDeallocationsUnderP311) {
  std::string chain =
      "profile 3.11\nctype Node:\n    flags: gc\n    fields: next\n"
      "    dealloc: untrack; trashcan_begin; clear next; free; trashcan_end\n"
      "x = Node(None)\n";
  for (int i = 0; i < 54; ++i) chain += "x = Node(x)\n";
  chain += "del x\n";
  model::Program p = load_text(chain);
  auto t = run_first(p);
  ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
  size_t deposits = 0;
  for (const model::Event& e : events(t)) deposits += e.kind == model::EventKind::TrashDeposit;
  EXPECT_GT(deposits, 0u);
  // under 3.14 the macros do nothing
  std::string p314 = chain;
  p314.replace(0, 12, "profile 3.14");
  model::Program q = load_text(p314);
  size_t none = 0;
  for (const model::Event& e : events(run_first(q)))
    none += e.kind == model::EventKind::TrashDeposit;
  EXPECT_EQ(none, 0u);
}

// ------------------------------------------------------------ bad input

struct Bad {
  const char* text;
  int line, col;
  const char* message;
};

TEST(CIdiomsBadInput, EachIsRejectedAtItsToken) {
  const std::vector<Bad> cases = {
      {"ctype B:\n    fields: d\n    clear: setref d\n", 3, 12,
       "needs the new value: null or none"},
      {"ctype B:\n    fields: d\n    clear: xsetref d zero\n", 3, 22,
       "needs the new value: null or none"},
      {"ctype B:\n    fields: d\n    clear: xdecref\n", 3, 12, "'xdecref' needs a field name"},
      {"ctype B:\n    fields: d\n    dealloc: setref d; free\n", 3, 14,
       "needs the new value: null or none (the argument only in 'new:' and 'init:')"},
      {"ctype B:\n    fields: d\n    new: alloc; setref d arg\n", 3, 26,
       "needs the new value: null or none"},
      {"ctype B:\n    fields: d\n    new: alloc; init d zero\n", 3, 24, "unexpected 'zero'"},
      {"ctype B:\n    dealloc: finalizer_from_dealloc checked; free\n", 2, 37,
       "unexpected 'checked'"},
      {"ctype B:\n    resource: affinity\n    dealloc: release_resource now; free\n", 3, 31,
       "unexpected 'now'"},
      {"ctype B:\n    dealloc: tp_finalize; free\n", 2, 14, "B has no 'def tp_finalize(self):'"},
      {"ctype B:\n    dealloc: base_dealloc\n", 2, 14, "'base_dealloc' needs a C base type"},
      {"ctype B:\n    flags: gc, basetype\nctype D(B):\n    clear: base_dealloc\n", 4, 12,
       "'base_dealloc' is not a step of 'clear:'"},
      {"ctype B:\n    flags: gc\nctype D(B):\n    pass\n", 3, 9,
       "'B' is not an acceptable base type"},
      {"ctype A(B):\n    pass\nctype B(A):\n    pass\n", 1, 9, "is its own base"},
      {"class P:\n    pass\nctype D(P):\n    pass\n", 3, 9,
       "the base of a C type must be a C type"},
      {"ctype B:\n    flags: gc\n    dealloc: untrack; trashcan_end; free\n", 3, 23,
       "'trashcan_end' without 'trashcan_begin'"},
      {"ctype B:\n    flags: gc\n    dealloc: trashcan_begin; free\n", 3, 5,
       "'trashcan_begin' without 'trashcan_end'"},
      {"ctype B:\n    dealloc: trashcan_begin; free; trashcan_end\n", 2, 14,
       "'trashcan_begin' needs a GC type"},
      {"ctype B:\n    dealloc:\n    free\n", 3, 5, "expected the steps of 'dealloc:'"},
      {"ctype B:\n    fields: d\n    dealloc: use_ref; free\n", 3, 14,
       "'use_ref' needs a 'weakref_getref FIELD' or 'weakref_getobject FIELD' before it"},
      {"ctype B:\n    fields: d\n    clear: drop_ref\n", 3, 12,
       "'drop_ref' needs a 'weakref_getref FIELD' or 'weakref_getobject FIELD' before it"},
      {"ctype B:\n    fields: d\n    dealloc: weakref_getref; free\n", 3, 14,
       "'weakref_getref' needs a field name"},
      {"ctype B:\n    fields: d\n    dealloc: weakref_getobject e; free\n", 3, 32,
       "'e' is not a field of B"},
      {"ctype B:\n    flags: gc\n    fields: d\n    traverse: weakref_getref d\n", 4, 15,
       "'weakref_getref' is not a step of 'traverse:'"},
      {"ctype B:\n    fields: d\n    dealloc: weakref_getref d; use_ref now; free\n", 3, 40,
       "unexpected 'now'"},
  };
  for (const Bad& c : cases) {
    try {
      load_text(c.text);
      ADD_FAILURE() << "accepted:\n" << c.text;
    } catch (const lang::ScenarioError& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos)
          << e.format() << "\nfor:\n"
          << c.text;
      EXPECT_EQ(e.loc().line, c.line) << e.format();
      EXPECT_EQ(e.loc().col, c.col) << e.format();
    }
  }
}

}  // namespace
}  // namespace lifecheck::testing
