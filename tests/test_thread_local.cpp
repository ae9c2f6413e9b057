// threading.local (model/ThreadLocal.cpp, rules TL1-TL6). Misuse cases are
// in tests/bad-input/threadlocal-*.life; the scenarios in
// scenarios/threadlocal pin the same rules against real interpreters.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;
const char* kProfiles[] = {"3.11", "3.12", "3.13", "3.14", "3.13t", "3.14t"};

const std::string kNode =
    "import threading\n"
    "class Node:\n"
    "    def __del__(self):\n"
    "        log('del', self)\n";

TEST(ThreadLocal, EachThreadSeesItsOwnValuesAndMissingNamesRaise) {
  const std::string body = kNode +
                           "tl = threading.local()\n"
                           "tl.x = 1\n"
                           "log(tl.x, vars(tl), gc.is_tracked(tl))\n"
                           "try:\n"
                           "    log(tl.y)\n"
                           "except AttributeError:\n"
                           "    log('no y')\n"
                           "del tl.x\n"
                           "try:\n"
                           "    del tl.x\n"
                           "except AttributeError:\n"
                           "    log('no x')\n"
                           "thread T1:\n"
                           "    try:\n"
                           "        log(tl.x)\n"
                           "    except AttributeError:\n"
                           "        log('T1 has no x')\n"
                           "    tl.x = 2\n"
                           "    log('T1', tl.x)\n"
                           "thread main:\n"
                           "    tl.x = 3\n"
                           "    T1.join()\n"
                           "    log('main', tl.x)\n";
  for (const char* profile : kProfiles)
    EXPECT_EQ(logs_under(profile, body),
              (Strings{"1 {'x': 1} True", "no y", "no x", "T1 has no x", "T1 2", "main 3"}))
        << profile;
}

TEST(ThreadLocal, ThreadValuesDieAtItsEndOnItAfterItsFrame) {
  const std::string text = kNode +
                           "tl = threading.local()\n"
                           "thread T1:\n"
                           "    tl.x = Node()\n"
                           "    f = Node()\n"
                           "thread main:\n"
                           "    T1.join()\n"
                           "    log('joined')\n"
                           "expect finalize f before finalize tl.x\n"
                           "expect finalize tl.x on thread T1\n"
                           "expect finalize tl.x before log \"joined\"\n";
  for (const char* profile : kProfiles) EXPECT_EQ(verdict_under(profile, text), "holds") << profile;
  EXPECT_EQ(verdict_under("3.13", text + "expect finalize tl.x on thread main\n"),
            "violates expect");
}

TEST(ThreadLocal, ReleaseOrderOfAThreadsLocalsDependsOnTheRelease) {
  const std::string two = kNode + "a = threading.local()\nb = threading.local()\n";
  const std::string text =
      two +
      "thread T1:\n    b.x = Node()\n    a.x = Node()\nexpect finalize b.x before finalize a.x\n";
  EXPECT_EQ(verdict_under("3.11", text), "holds");
  EXPECT_EQ(verdict_under("3.12", text), "holds");
  for (const char* profile : {"3.13.0", "3.13", "3.14", "3.13t", "3.14t"})
    EXPECT_EQ(verdict_under(profile, text), "violates expect") << profile;
  // A local used again after another was dropped keeps its first-use place.
  const std::string redo = two +
                           "c = threading.local()\n"
                           "thread T1:\n"
                           "    global b\n"
                           "    a.x = Node()\n"
                           "    b.x = Node()\n"
                           "    del b\n"
                           "    c.x = Node()\n"
                           "    a.y = Node()\n"
                           "expect finalize a.x before finalize c.x\n"
                           "expect finalize a.x before finalize a.y\n";
  EXPECT_EQ(verdict_under("3.12", redo), "holds");
  EXPECT_EQ(verdict_under("3.14", redo), "violates expect");
}

TEST(ThreadLocal, DyingLocalReleasesEveryThreadsDictOnTheDroppingThread) {
  const std::string text = kNode +
                           "tl = threading.local()\n"
                           "tl.x = Node()\n"
                           "def gone(wr):\n"
                           "    log('local gone')\n"
                           "w = weakref.ref(tl, gone)\n"
                           "thread T1:\n"
                           "    global tl\n"
                           "    tl.y = Node()\n"
                           "    del tl\n"
                           "    log('dropped')\n"
                           "expect callback w before finalize tl.x\n"
                           "expect finalize tl.x before finalize tl.y\n"
                           "expect finalize tl.y before log \"dropped\"\n"
                           "expect finalize tl.x on thread T1\n";
  for (const char* profile : {"3.11", "3.12", "3.13", "3.14"})
    EXPECT_EQ(verdict_under(profile, text), "holds") << profile;
  // TL6: without the GIL main owns the local (F1), so T1's drop only
  // queues it for main (F4), which frees it, with main's own value, when it
  // merges its queue (F6), before or after T1's end has released T1's dict.
  const std::string ft = text.substr(0, text.find("expect ")) +
                         "expect callback w before finalize tl.x\n"
                         "expect finalize tl.x on thread main\n"
                         "expect finalize tl.y eventually\n";
  for (const char* profile : {"3.13t", "3.14t"})
    EXPECT_EQ(verdict_under(profile, ft), "holds") << profile;
}

TEST(ThreadLocal, CycleThroughAValueIsCollected) {
  const std::string body = kNode +
                           "tl = threading.local()\n"
                           "n = Node()\n"
                           "tl.n = n\n"
                           "n.tl = tl\n"
                           "w = weakref.ref(tl)\n"
                           "del n\n"
                           "del tl\n"
                           "log(w() is None)\n"
                           "gc.collect()\n"
                           "log(w() is None)\n";
  for (const char* profile : kProfiles)
    EXPECT_EQ(logs_under(profile, body), (Strings{"False", "del n", "True"})) << profile;
}

TEST(ThreadLocal, ProxyOfALocalUsesTheCallingThreadsDict) {
  const std::string body = kNode +
                           "tl = threading.local()\n"
                           "p = weakref.proxy(tl)\n"
                           "p.x = 4\n"
                           "log(tl.x, p.x)\n";
  EXPECT_EQ(logs_under("3.13", body), (Strings{"4 4"}));
}

TEST(ThreadLocal, ShippedScenariosHaveTheirVerdicts) {
  for (const char* file : {"scenarios/threadlocal/values-die-with-their-thread.life",
                           "scenarios/threadlocal/value-outlives-join-bug.life"}) {
    CliResult r = run_cli({"suite", source_path(file)});
    EXPECT_EQ(r.exit_code, 0) << file << "\n" << r.out << r.err;
  }
}

// A generator of thread-local scenarios for the property below: one or
// two locals made by the module code, one or two threads each storing new
// values into them, deleting and reading their names (the misses caught),
// every value labelled by its thread and site.
rc::Gen<std::string> thread_local_scenario() {
  return rc::gen::exec([] {
    const int locals = *rc::gen::inRange(1, 3);
    const int threads = *rc::gen::inRange(1, 3);
    std::string text = kNode;
    for (int l = 0; l < locals; ++l) text += "l" + std::to_string(l) + " = threading.local()\n";
    std::string expects;
    for (int t = 1; t <= threads; ++t) {
      const std::string tn = "T" + std::to_string(t);
      text += "thread " + tn + ":\n";
      const int ops = *rc::gen::inRange(1, 4);
      for (int i = 0; i < ops; ++i) {
        const std::string attr = "l" + std::to_string(*rc::gen::inRange(0, locals)) + ".k" +
                                 std::to_string(*rc::gen::inRange(0, 2));
        switch (*rc::gen::inRange(0, 3)) {
          case 0: {  // a new value of this thread
            const std::string v = "v" + std::to_string(t) + "_" + std::to_string(i);
            text += "    " + v + " = Node()\n    " + attr + " = " + v + "\n    del " + v + "\n";
            expects += "expect finalize " + v + " on thread " + tn + "\n";
            break;
          }
          case 1:
            text +=
                "    try:\n        del " + attr + "\n    except AttributeError:\n        pass\n";
            break;
          default:
            text += "    try:\n        log(" + attr +
                    ")\n    except AttributeError:\n        log('missing')\n";
        }
      }
    }
    return text + expects;
  });
}

// TL2, TL3: a thread's values are its own: stored, replaced, deleted and
// finally released at its end, always on that thread, in every profile;
// nothing leaks and no property breaks.
RC_GTEST_PROP(ThreadLocalProperty, ThreadsValuesDieOnThatThread, ()) {
  const std::string text = *thread_local_scenario();
  const char* profile =
      *rc::gen::elementOf(std::vector<const char*>(std::begin(kProfiles), std::end(kProfiles)));
  RC_ASSERT(verdict_under(profile, text) == std::string("holds"));
}

}  // namespace
}  // namespace lifecheck::testing
