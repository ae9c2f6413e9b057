// R1.15d: vars(x) of an instance with inline values makes a dict that the
// instance keeps (model/InstanceDict.cpp), per profile: held and visited
// from the instance (3.11, 3.12, 3.13.13+, 3.14.4+), or sharing the
// instance's inline values (3.13.0-3.13.12, 3.14.0-3.14.3).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

using Logs = std::vector<std::string>;

const char* const kHeldProfiles[] = {"3.11", "3.12", "3.13", "3.14", "3.13t", "3.14t"};
const char* const kSharingProfiles[] = {"3.13.0", "3.14.0"};

// The message of the model limit that the first run of `body` under
// `profile` stops at (empty, and a failure, if it does not stop at one).
std::string limit_under(const std::string& profile, const std::string& body) {
  const model::Program p = load_text("profile " + profile + "\n" + body);
  const model::Trace t = run_first(p);
  EXPECT_EQ(t.outcome.kind, checker::StepResult::Kind::Limit) << profile;
  return t.outcome.kind == checker::StepResult::Kind::Limit ? t.outcome.message : "";
}

// The instance and its dict are garbage together: a collection counts
// both where the instance visits the dict, only the instance where it
// visits its values instead (observed: 2 on 3.11.7, 3.12.1, 3.13.15; 1 on
// 3.13.0).
TEST(InstanceDict, VarsDictIsCountedWithItsInstance) {
  const std::string body =
      "class N:\n    pass\n"
      "a = N()\n"
      "a.me = a\n"
      "d = vars(a)\n"
      "del d\n"
      "del a\n"
      "n = gc.collect()\n"
      "log(n)\n";
  for (const char* profile : kHeldProfiles)
    EXPECT_EQ(logs_under(profile, body), Logs{"2"}) << profile;
  for (const char* profile : kSharingProfiles)
    EXPECT_EQ(logs_under(profile, body), Logs{"1"}) << profile;
}

// An instance reachable only from its own dict, the dict held from
// outside: the dict keeps it alive where the dict visits its values; on
// 3.13.0 the dict visits none and the collector takes the reachable
// instance for garbage (gh-130327; observed: 0 on 3.11.7, 3.12.1,
// 3.13.15; 1 on 3.13.0), which the model reports as a P7.6 violation.
TEST(InstanceDict, DictHeldFromOutsideKeepsItsInstance) {
  const std::string body =
      "class N:\n    pass\n"
      "a = N()\n"
      "a.me = a\n"
      "d = vars(a)\n"
      "del a\n"
      "n = gc.collect()\n"
      "log(n, len(d))\n";
  for (const char* profile : kHeldProfiles)
    EXPECT_EQ(logs_under(profile, body), Logs{"0 1"}) << profile;
  for (const char* profile : kSharingProfiles) {
    const model::Program p = load_text("profile " + std::string(profile) + "\n" + body);
    const model::Trace t = run_first(p);
    ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation) << profile;
    EXPECT_EQ(t.outcome.properties, std::vector<std::string>{"P7.6"}) << profile;
  }
}

// The same dict every time, stores and deletes through the instance show
// in it, and it outlives the instance with the values (not a copy).
TEST(InstanceDict, VarsReturnsTheInstancesOwnDict) {
  expect_logs_under_every_profile(
      "class V:\n"
      "    def __del__(self):\n"
      "        log('V dies')\n"
      "class N:\n    pass\n"
      "x = N()\n"
      "x.a = 1\n"
      "d = vars(x)\n"
      "x.b = V()\n"
      "x.c = 3\n"
      "del x.a\n"
      "log(vars(x) is d, len(d), x.c)\n"
      "d['e'] = 5\n"
      "log(x.e)\n"
      "del x\n"
      "log('x gone', len(d))\n"
      "del d\n"
      "log('end')\n",
      {"True 2 3", "5", "x gone 3", "V dies", "end"});
}

// MAINTAIN_TRACKING: a store through the instance retracks its dict,
// except where the dict shares the inline values (observed: True on
// 3.11.7, 3.12.1, 3.13.15; False on 3.13.0); 3.14 tracks every dict.
TEST(InstanceDict, StoreThroughTheInstanceRetracksTheDict) {
  const std::string body =
      "class N:\n    pass\n"
      "x = N()\n"
      "x.a = 1\n"
      "d = vars(x)\n"
      "t0 = gc.is_tracked(d)\n"
      "x.b = N()\n"
      "t1 = gc.is_tracked(d)\n"
      "log(t0, t1)\n";
  for (const char* profile : {"3.11", "3.12", "3.13", "3.13t"})
    EXPECT_EQ(logs_under(profile, body), Logs{"False True"}) << profile;
  EXPECT_EQ(logs_under("3.13.0", body), Logs{"False False"});
  for (const char* profile : {"3.14", "3.14t"})
    EXPECT_EQ(logs_under(profile, body), Logs{"True True"}) << profile;
}

// A fifth attribute cannot join the dict vars() made (the model's dicts
// hold four entries): a model limit, naming the cause.
TEST(InstanceDict, VarsOfMoreThanFourAttributesIsALimit) {
  const std::string body =
      "class N:\n    pass\n"
      "x = N()\n"
      "x.a = 1\n"
      "x.b = 2\n"
      "x.c = 3\n"
      "x.d = 4\n"
      "x.e = 5\n"
      "log(len(vars(x)))\n";
  const std::string message = limit_under("3.12", body);
  EXPECT_NE(message.find("vars() of an object with more than 4 attributes: the dict"),
            std::string::npos)
      << message;
}

// R1.15c: from 3.13 the dict of a class with __slots__ members is a dict
// object, held to the model's four entries; the limit says what to change
// (3.11 and 3.12 keep the attributes inline and take a fifth).
TEST(InstanceDict, FifthAttributeOfASlottedDictSaysWhatToDo) {
  const std::string body =
      "class S:\n    __slots__ = ('m', '__dict__')\n"
      "x = S()\n"
      "x.a = 1\n"
      "x.b = 2\n"
      "x.c = 3\n"
      "x.d = 4\n"
      "x.e = 5\n"
      "log('stored')\n";
  EXPECT_EQ(logs_under("3.12", body), Logs{"stored"});
  const std::string message = limit_under("3.13", body);
  EXPECT_NE(message.find("a fifth attribute ('e') in the dict of a 'S' instance"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("name the others in __slots__"), std::string::npos) << message;
}

}  // namespace
}  // namespace lifecheck::testing
