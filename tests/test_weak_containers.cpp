// weakref.WeakValueDictionary and weakref.WeakSet (model/WeakContainers.cpp,
// rules WC1-WC9). Misuse cases are in tests/bad-input/weak*.life; the
// scenarios in scenarios/weakref-containers pin the same rules against real
// interpreters (docs/conformance.md 7.24).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;

const std::string kObj =
    "class Obj:\n"
    "    def __del__(self):\n"
    "        log('del', self)\n";

// WC2-WC5 on the refcount path: the entry goes when the value dies, right
// after its __del__; lookups of a dead or missing key.
TEST(WeakContainers, ValueDictEntryGoesWithItsValue) {
  expect_logs_under_every_profile(
      kObj +
          "cache = weakref.WeakValueDictionary()\n"
          "o = Obj()\n"
          "cache['k'] = o\n"
          "log(len(cache), cache['k'] is o, cache.get('k') is o, not cache)\n"
          "del o\n"
          "log(len(cache), cache.get('k'), cache.get('k', 5), not cache)\n"
          "try:\n"
          "    x = cache['k']\n"
          "except KeyError:\n"
          "    log('KeyError')\n"
          "try:\n"
          "    del cache['k']\n"
          "except KeyError:\n"
          "    log('del KeyError')\n",
      {"1 True True False", "del o", "0 None 5 True", "KeyError", "del KeyError"});
}

// WC2, WC4: a value that cannot be weakly referenced is a TypeError; a
// replaced entry's KeyedRef dies uncalled; del removes the entry and the
// value's death then calls nothing.
TEST(WeakContainers, ValueDictStoreReplaceAndDelete) {
  expect_logs_under_every_profile(kObj +
                                      "def cb(wr):\n"
                                      "    log('never')\n"
                                      "cache = weakref.WeakValueDictionary()\n"
                                      "try:\n"
                                      "    cache['n'] = 1\n"
                                      "except TypeError:\n"
                                      "    log('TypeError', len(cache))\n"
                                      "a = Obj()\n"
                                      "b = Obj()\n"
                                      "cache['k'] = a\n"
                                      "cache['k'] = b\n"
                                      "cache[2] = a\n"
                                      "log(len(cache), cache['k'] is b)\n"
                                      "del cache[2]\n"
                                      "del a\n"
                                      "log(len(cache))\n"
                                      "del b\n"
                                      "log(len(cache))\n",
                                  {"TypeError 0", "2 True", "del a", "1", "del b", "0"});
}

// WC5 and G12: in a collection the entry's weakref is not garbage, so its
// callback runs before the value's __del__; on the refcount path after it.
TEST(WeakContainers, CallbackOrderFollowsThePath) {
  const std::string head = kObj +
                           "cache = weakref.WeakValueDictionary()\n"
                           "o = Obj()\n"
                           "cache['k'] = o\n";
  const std::string gc_path = head +
                              "o.me = o\n"
                              "del o\n"
                              "log('before', len(cache))\n"
                              "gc.collect()\n"
                              "log('after', len(cache))\n"
                              "expect log \"before 1\" before callback cache\n"
                              "expect callback cache before finalize o\n"
                              "expect finalize o before log \"after 0\"\n";
  const std::string rc_path = head +
                              "del o\n"
                              "expect finalize o before callback cache\n";
  for (const char* profile : kEveryProfile) {
    EXPECT_EQ(verdict_under(profile, gc_path), "holds") << profile;
    EXPECT_EQ(verdict_under(profile, rc_path), "holds") << profile;
    EXPECT_EQ(verdict_under(profile, head + "del o\nexpect callback cache before finalize o\n"),
              "violates expect")
        << profile;
  }
}

// WC7: a container that is garbage goes with all its objects (observed:
// 8 for a WeakValueDictionary with one entry, 7 for an empty WeakSet), and
// its entries' callbacks never run.
TEST(WeakContainers, GarbageContainerCountsItsObjects) {
  expect_logs_under_every_profile(kObj +
                                      "x = Obj()\n"
                                      "cache = weakref.WeakValueDictionary()\n"
                                      "cache['a'] = x\n"
                                      "cache.me = cache\n"
                                      "del cache\n"
                                      "n = gc.collect()\n"
                                      "s = weakref.WeakSet()\n"
                                      "s.me = s\n"
                                      "del s\n"
                                      "m = gc.collect()\n"
                                      "log(n, m)\n"
                                      "del x\n"
                                      "log('end')\n",
                                  {"8 7", "del x", "end"});
  const std::string never = kObj +
                            "x = Obj()\n"
                            "cache = weakref.WeakValueDictionary()\n"
                            "cache['a'] = x\n"
                            "cache.me = cache\n"
                            "del cache\n"
                            "gc.collect()\n"
                            "del x\n"
                            "expect callback cache never\n";
  for (const char* profile : kEveryProfile) EXPECT_EQ(verdict_under(profile, never), "holds");
}

// WC6: a WeakSet holds each live item once; discard and an item's death
// remove it; what cannot be weakly referenced is a TypeError.
TEST(WeakContainers, WeakSetAddDiscardAndDeath) {
  expect_logs_under_every_profile(kObj +
                                      "s = weakref.WeakSet()\n"
                                      "a = Obj()\n"
                                      "b = Obj()\n"
                                      "s.add(a)\n"
                                      "s.add(b)\n"
                                      "s.add(a)\n"
                                      "log(len(s))\n"
                                      "s.discard(b)\n"
                                      "s.discard(b)\n"
                                      "log(len(s))\n"
                                      "try:\n"
                                      "    s.add(3)\n"
                                      "except TypeError:\n"
                                      "    log('TypeError')\n"
                                      "del a\n"
                                      "log(len(s), not s)\n"
                                      "try:\n"
                                      "    s.append(b)\n"
                                      "except AttributeError:\n"
                                      "    log('AttributeError')\n",
                                  {"2", "1", "TypeError", "del a", "0 True", "AttributeError"});
}

// WC1: the container's basic weakref is its _remove's selfref, so
// weakref.ref(container) is that same object; the container is tracked.
TEST(WeakContainers, SelfrefIsTheBasicWeakref) {
  expect_logs_under_every_profile(
      "cache = weakref.WeakValueDictionary()\n"
      "r = weakref.ref(cache)\n"
      "log(r() is cache, gc.is_tracked(cache))\n"
      "s = weakref.WeakSet()\n"
      "log(weakref.ref(s)() is s, gc.is_tracked(s))\n",
      {"True True", "True True"});
}

// WC9: a WeakKeyDictionary maps its keys' weakrefs to values it holds;
// storing to a present key keeps the entry and releases the old value; a
// key's death releases its value inside the callback, right after the
// key's __del__ on the refcount path.
TEST(WeakContainers, KeyDictHoldsValuesUntilTheKeyDies) {
  expect_logs_under_every_profile(
      kObj +
          "meta = weakref.WeakKeyDictionary()\n"
          "a = Obj()\n"
          "b = Obj()\n"
          "meta[a] = 1\n"
          "meta[b] = Obj()\n"
          "meta[a] = 2\n"
          "log(len(meta), meta[a], meta.get(b) is not None, meta.get(Obj(), 'none'))\n"
          "try:\n"
          "    meta[3] = 1\n"
          "except TypeError:\n"
          "    log('TypeError')\n"
          "del b\n"
          "log(len(meta))\n"
          "del meta[a]\n"
          "try:\n"
          "    x = meta[a]\n"
          "except KeyError:\n"
          "    log('KeyError', len(meta))\n",
      {"del Obj@11", "2 2 True none", "TypeError", "del b", "del Obj@9", "1", "KeyError 0"});
}

// WC1, WC9: an empty WeakKeyDictionary in a cycle is 7 GC objects, one of
// them (its empty data dict) untracked before 3.14.
TEST(WeakContainers, EmptyKeyDictCountsBySixOrSeven) {
  const std::string text =
      "m = weakref.WeakKeyDictionary()\n"
      "m.me = m\n"
      "del m\n"
      "n = gc.collect()\n"
      "log(n)\n";
  for (const char* profile : {"3.11", "3.12", "3.13", "3.13t"})
    EXPECT_EQ(logs_under(profile, text), Strings{"6"}) << profile;
  for (const char* profile : {"3.14", "3.14t"})
    EXPECT_EQ(logs_under(profile, text), Strings{"7"}) << profile;
}

// WC2: a key that is an object is outside the model: a limit, not a
// verdict.
TEST(WeakContainers, ObjectKeysAreAModelLimit) {
  const std::string text = kObj +
                           "cache = weakref.WeakValueDictionary()\n"
                           "k = Obj()\n"
                           "cache[k] = k\n";
  EXPECT_NE(verdict_under("3.13", text).find("WeakValueDictionary key"), std::string::npos)
      << verdict_under("3.13", text);
}

// Iteration is not modelled: a limit that says so.
TEST(WeakContainers, IterationIsAModelLimit) {
  const std::string text =
      "s = weakref.WeakSet()\n"
      "for x in s:\n"
      "    log(x)\n";
  EXPECT_NE(verdict_under("3.12", text).find("not modelled"), std::string::npos)
      << verdict_under("3.12", text);
}

}  // namespace
}  // namespace lifecheck::testing
