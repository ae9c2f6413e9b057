// The order in which a set releases its members (semantics.md C1;
// CPython Objects/setobject.c set_dealloc, set_clear_internal): the table
// order follows the members' addresses (_Py_HashPointer), which the model
// does not know, so every order of the members whose deaths can be told
// apart is explored, and no other.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "TestSupport.h"
#include "model/Machine.h"

namespace lifecheck::testing {
namespace {

constexpr const char* kHandler = R"(
class H:
    def __init__(self, name):
        self.name = name
    def __del__(self):
        log("del", self.name)

class Plain:
    pass
)";

// The distinct log sequences over every schedule.
std::set<std::vector<std::string>> log_orders(const std::string& body,
                                              const char* profile = nullptr) {
  const std::string text =
      (profile ? std::string("profile ") + profile + "\n" : "") + kHandler + body;
  const model::Program p = load_text(text);
  std::set<std::vector<std::string>> out;
  for (const model::Trace& t : all_traces(p)) {
    EXPECT_TRUE(t.outcome.ok()) << t.outcome.message;
    out.insert(logs_of(p, t));
  }
  return out;
}

// How many states have a set-order choice pending.
size_t choice_states(const std::string& body) {
  const model::Program p = load_text(std::string(kHandler) + body);
  const model::Model m(p, false);
  size_t n = 0;
  for_each_state(m, 100000, [&](const model::State& s) {
    for (size_t t = 0; t < s.threads.size(); ++t)
      n += model::set_order_choices(p, s, static_cast<model::ThreadId>(t)) > 0;
  });
  return n;
}

using Logs = std::vector<std::string>;

TEST(SetOrder, DeallocExploresBothOrdersOfTwoMembers) {
  const std::string body = R"(
a = H("a")
b = H("b")
s = {a, b}
del a
del b
del s
log("end")
)";
  for (const char* profile : {"3.11", "3.12", "3.13", "3.14", "3.13t"})
    EXPECT_EQ(log_orders(body, profile),
              (std::set<Logs>{{"del a", "del b", "end"}, {"del b", "del a", "end"}}))
        << profile;
}

TEST(SetOrder, DeallocExploresEveryOrderOfThreeMembers) {
  const auto orders = log_orders(R"(
s = {H("a"), H("b"), H("c")}
del s
)");
  EXPECT_EQ(orders.size(), 6u);
}

TEST(SetOrder, ClearExploresBothOrders) {
  EXPECT_EQ(log_orders(R"(
s = set()
s.add(H("x"))
s.add(H("y"))
s.clear()
log("cleared")
)"),
            (std::set<Logs>{{"del x", "del y", "cleared"}, {"del y", "del x", "cleared"}}));
}

// Nothing in the members' deaths can be seen: no choice at all.
TEST(SetOrder, NoBranchWhenNoDeathIsObservable) {
  const std::string body = R"(
s = {Plain(), Plain(), 1, "k", None, (2, 3)}
t = {Plain(), (Plain(), 1), Plain()}
del s
del t
log("end")
)";
  EXPECT_EQ(choice_states(body), 0u);
  EXPECT_EQ(all_traces(load_text(std::string(kHandler) + body)).size(), 1u);
}

// One member with a __del__ among plain ones: its place among them shows
// nowhere, so no choice.
TEST(SetOrder, NoBranchForOneObservableMember) {
  EXPECT_EQ(choice_states(R"(
s = {Plain(), H("x"), Plain(), 5}
del s
)"),
            0u);
}

// Plain members held only by the set go where they stand; the two
// handlers' orders are the only alternatives.
TEST(SetOrder, InertMembersAddNoAlternative) {
  const model::Program p = load_text(std::string(kHandler) + R"(
s = {Plain(), H("x"), Plain(), H("y"), Plain()}
del s
)");
  const model::Model m(p, false);
  std::set<int> widths;
  for_each_state(m, 100000, [&](const model::State& s) {
    const int n = model::set_order_choices(p, s, 0);
    if (n > 0) widths.insert(n);
  });
  EXPECT_EQ(widths, (std::set<int>{2}));
  EXPECT_EQ(all_traces(p).size(), 2u);
}

// A member held elsewhere too is no longer inert: a handler's __del__
// could reach it. Two plain members held elsewhere, with no handler, still
// give no choice: no code runs between their decrefs.
TEST(SetOrder, SharedMembersBranchOnlyWithAnActiveOne) {
  EXPECT_EQ(choice_states(R"(
p = Plain()
q = Plain()
s = {p, q}
del s
)"),
            0u);
  EXPECT_GT(choice_states(R"(
p = Plain()
s = {p, H("x")}
del s
)"),
            0u);
}

// A weakref makes a plain member's death observable.
TEST(SetOrder, WeakrefMakesAMemberObservable) {
  EXPECT_EQ(log_orders(R"(
a = Plain()
b = Plain()
def gone_a(r):
    log("a gone")

def gone_b(r):
    log("b gone")

wa = weakref.ref(a, gone_a)
wb = weakref.ref(b, gone_b)
s = {a, b}
del a
del b
del s
)")
                .size(),
            2u);
}

// While a thread chooses a set member it alone runs: the choice is inside
// set_dealloc, no scheduling point.
TEST(SetOrder, NoOtherThreadRunsWhileAChoiceIsPending) {
  for (const char* profile : {"3.12", "3.13t"}) {
    const model::Program p = load_text(std::string("profile ") + profile + "\n" + kHandler + R"(
thread T1:
    s = {H("a"), H("b")}
    del s

thread T2:
    x = H("c")
    x = None
)");
    const model::Model m(p, false);
    size_t pending = 0;
    for_each_state(m, 200000, [&](const model::State& s) {
      std::vector<uint16_t> enabled;
      m.enabled(s, enabled);
      for (size_t t = 0; t < s.threads.size(); ++t) {
        if (!model::order_choice_pending(s, static_cast<model::ThreadId>(t))) continue;
        ++pending;
        for (uint16_t c : enabled) EXPECT_EQ(c & 0xFF, t) << profile;
      }
    });
    EXPECT_GT(pending, 0u) << profile;
  }
}

// The scheduler asks about set-order choices only in a program that may
// make a set: every way a scenario can make one sets the flag.
TEST(SetOrder, ProgramsThatMayMakeASetAreKnown) {
  auto may = [](const std::string& body) {
    return load_text(std::string(kHandler) + body).flags.may_make_set;
  };
  EXPECT_FALSE(may("a = H(\"a\")\nl = [a, (a, 1), {1: a}]\n"));
  EXPECT_TRUE(may("s = {H(\"a\")}\n"));
  EXPECT_TRUE(may("s = set()\n"));
  EXPECT_TRUE(may("w = weakref.WeakSet()\n"));
  EXPECT_TRUE(may("w = weakref.WeakValueDictionary()\n"));
  EXPECT_TRUE(may("w = weakref.WeakKeyDictionary()\n"));
}

}  // namespace
}  // namespace lifecheck::testing
