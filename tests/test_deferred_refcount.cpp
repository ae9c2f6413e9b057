// Deferred reference counting the free-threaded runtime chooses by itself
// (docs/semantics.md F9a) and 3.13t's immortalization of deferred objects
// once a second thread exists (F9b): the log orders per profile, and the
// GIL profiles unchanged.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

using Logs = std::vector<std::string>;

const char* kGilProfiles[] = {"3.11", "3.12", "3.13", "3.14"};
const char* kFreeThreadedProfiles[] = {"3.13t", "3.14t"};

// `made` makes `name` (with `head` before the callback), then a weakref
// callback is set on it, its last reference dropped and a collection run.
std::string dropped(const std::string& head, const std::string& made, const std::string& name) {
  return head + "\ndef cb(wr):\n    log(\"died\")\n\n" + made + "\nw = weakref.ref(" + name +
         ", cb)\ndel " + name + "\nlog(\"after del\")\ngc.collect()\nlog(\"after collect\")\n";
}

const std::string kModuleDropped = dropped("import types", "m = types.ModuleType(\"m\")", "m");
const std::string kLambdaDropped = dropped("", "f = lambda: None", "f");
// FN11: a module-level def whose name is deleted is a function object.
const std::string kDefDeleted = dropped("", "def handler():\n    pass\n", "handler");

const Logs kDiesAtDel = {"died", "after del", "after collect"};
const Logs kDiesInTheCollection = {"after del", "died", "after collect"};

void expect_deferred_only_without_the_gil(const std::string& body) {
  for (const char* profile : kGilProfiles)
    EXPECT_EQ(logs_under(profile, body), kDiesAtDel) << profile;
  for (const char* profile : kFreeThreadedProfiles)
    EXPECT_EQ(logs_under(profile, body), kDiesInTheCollection) << profile;
}

TEST(DeferredRefcount, ModuleObjectDiesInTheNextCollectionWithoutTheGil) {
  expect_deferred_only_without_the_gil(kModuleDropped);
}

TEST(DeferredRefcount, ModuleLevelLambdaDiesInTheNextCollectionWithoutTheGil) {
  expect_deferred_only_without_the_gil(kLambdaDropped);
}

TEST(DeferredRefcount, DeletedModuleLevelDefDiesInTheNextCollectionWithoutTheGil) {
  expect_deferred_only_without_the_gil(kDefDeleted);
}

TEST(DeferredRefcount, NestedFunctionsAreCountedAsUsualEverywhere) {
  // CO_NESTED: a lambda made in a function body, and one made in a thread
  // body, die at their last del on every profile.
  expect_logs_under_every_profile(
      dropped("def make():\n    return lambda: None\n", "f = make()", "f"), kDiesAtDel);
  expect_logs_under_every_profile(R"(
def cb(wr):
    log("died")

thread main:
    f = lambda: None
    w = weakref.ref(f, cb)
    del f
    log("after del")
    gc.collect()
    log("after collect")
)",
                                  kDiesAtDel);
}

// F9b: the function is made before the threads start; main deletes it
// once they run.
const char* kDefDeletedAfterThread = R"(
def cb(wr):
    log("died")

def handler():
    pass

w = weakref.ref(handler, cb)

thread main:
    global handler
    del handler
    log("after del")
    gc.collect()
    log("after collect", w() is None)

thread other:
    pass
)";

TEST(DeferredRefcount, FirstThreadMakesDeferredObjectsImmortalIn313tOnly) {
  EXPECT_EQ(logs_under("3.13t", kDefDeletedAfterThread),
            (Logs{"after del", "after collect False"}));
  EXPECT_EQ(logs_under("3.14t", kDefDeletedAfterThread),
            (Logs{"after del", "died", "after collect True"}));
  for (const char* profile : kGilProfiles)
    EXPECT_EQ(logs_under(profile, kDefDeletedAfterThread),
              (Logs{"died", "after del", "after collect True"}))
        << profile;
}

TEST(DeferredRefcount, ObjectDeferredOnceAThreadExistsIsImmortalAtOnceIn313t) {
  const char* body = R"(import types

def cb(wr):
    log("died")

thread main:
    m = types.ModuleType("m")
    w = weakref.ref(m, cb)
    del m
    gc.collect()
    log("after collect", w() is None)

thread other:
    pass
)";
  EXPECT_EQ(logs_under("3.13t", body), (Logs{"after collect False"}));
  EXPECT_EQ(logs_under("3.14t", body), (Logs{"died", "after collect True"}));
  EXPECT_EQ(logs_under("3.13", body), (Logs{"died", "after collect True"}));
}

TEST(DeferredRefcount, ImmortalObjectIsUntrackedByTheNextCollectionAndReadsImmortal) {
  // F9b, F10: update_refs untracks an immortal object; its count reads as
  // _Py_IMMORTAL_REFCNT.
  const char* body = R"(
f = lambda: None

thread main:
    log(gc.is_tracked(f))
    gc.collect()
    log(gc.is_tracked(f), sys.getrefcount(f))

thread other:
    pass
)";
  EXPECT_EQ(logs_under("3.13t", "import sys\n" + std::string(body)),
            (Logs{"True", "False 4294967295"}));
  const Logs deferred = logs_under("3.14t", "import sys\n" + std::string(body));
  ASSERT_EQ(deferred.size(), 2u);
  EXPECT_EQ(deferred[1].substr(0, 5), "True ");
}

TEST(DeferredRefcount, ImmortalLambdaKeepsItsDefaultToTheEndWithoutALeakReport) {
  // F9b: an immortal object is a root, so what it holds is not a leak at the
  // end of the run (quiescence).
  const char* text = R"(profile 3.13t

class Res:
    def __del__(self):
        log("res del")

f = lambda r=Res(): r

thread main:
    global f
    del f
    gc.collect()
    log("after collect")

thread other:
    pass
)";
  EXPECT_EQ(verdict_text(load_text(text)), "holds");
  expect_every_trace_logs(text, {"after collect"});
}

}  // namespace
}  // namespace lifecheck::testing
