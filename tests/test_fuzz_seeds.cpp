// The curated fuzz seeds of the newer grammar (tests/fuzz/corpus/scenario:
// generators, try/except/finally, for-range loops, for-in loops, containers,
// weakref.finalize, sys.getrefcount, gc.freeze, DEBUG_SAVEALL, nested
// defs and lambdas, module objects, weakref.proxy, __del__ set at run
// time, context managers) stay valid scenarios with the verdict they were written for, so
// the fuzzers start from inputs that reach the model rather than the
// front end's errors.
#include <gtest/gtest.h>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

struct Seed {
  const char* file;
  checker::Verdict verdict;
  const char* property;  // the violated one, if any
};

TEST(FuzzSeeds, NewerGrammarSeedsCompileAndKeepTheirVerdicts) {
  const Seed seeds[] = {
      {"generator-finally.life", checker::Verdict::Holds, ""},
      // two threads resuming one generator without the GIL (Y7)
      {"generator-close-threads.life", checker::Verdict::Violated, "memory-safety"},
      {"try-except-finally.life", checker::Verdict::Holds, ""},
      {"for-range-chain.life", checker::Verdict::Holds, ""},
      {"containers-finalize.life", checker::Verdict::Holds, ""},
      {"gc-builtins.life", checker::Verdict::Holds, ""},
      // nested def, lambda, closure cycle, module object, proxy, C.__del__ = f
      {"functions-proxies.life", checker::Verdict::Holds, ""},
      // threading.local: per-thread values, released at the thread's end
      {"thread-local.life", checker::Verdict::Holds, ""},
      // calls, return values, a default, nonlocal, f.__dict__ in a cycle
      {"calls-defaults-nonlocal.life", checker::Verdict::Holds, ""},
      // atexit with weakref.finalize's exit function, `shutdown modules`
      {"atexit-shutdown.life", checker::Verdict::Holds, ""},
      // from-imports, __init__, keyword arguments, negative indexes, print,
      // gc.garbage reads, del of a module-level def
      {"imports-init-garbage.life", checker::Verdict::Holds, ""},
      // for-in over each container and a generator, break, continue,
      // for-else, range(a, b), class calls with keywords, a warm class site
      {"iteration-class-calls.life", checker::Verdict::Holds, ""},
      // method calls: keywords, from __del__ and a thread, shadowed, through a proxy
      {"method-calls.life", checker::Verdict::Holds, ""},
      // with: as, several items, swallowing, __exit__ raising, return and
      // break through it, no protocol, a thread's with (WT1-WT6)
      {"context-managers.life", checker::Verdict::Holds, ""},
      // a lock's with among context managers (LK5a), object.__init__ (SU5)
      {"locks-managers-object-init.life", checker::Verdict::Holds, ""},
      {"weak-method.life", checker::Verdict::Holds, ""},  // WM1-WM7
  };
  for (const Seed& seed : seeds) {
    const std::string path = std::string("tests/fuzz/corpus/scenario/") + seed.file;
    const model::Program p = load_file(path);
    const auto r = check(p);
    EXPECT_EQ(r.verdict, seed.verdict) << path;
    if (seed.verdict == checker::Verdict::Violated) {
      EXPECT_EQ(r.failure.properties, std::vector<std::string>{seed.property}) << path;
    }
  }
}

}  // namespace
}  // namespace lifecheck::testing
