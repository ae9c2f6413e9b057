#include "model/Profile.h"

#include <cstdlib>

namespace lifecheck::model {

const std::vector<RuntimeBugInfo>& runtime_bugs() {
  static const std::vector<RuntimeBugInfo> bugs = {
      {RuntimeBug::FinalizeWithoutIncref, "finalize-without-incref", "P7.1",
       "finalize_garbage calls tp_finalize without holding a reference"},
      {RuntimeBug::ClearWithoutIncref, "clear-without-incref", "P7.2",
       "delete_garbage calls tp_clear without holding a reference"},
      {RuntimeBug::FinalizeAndClearInterleaved, "finalize-and-clear-interleaved", "P7.3",
       "the collector finalizes and clears one member at a time"},
      {RuntimeBug::NoFinalizedMark, "no-finalized-mark", "P7.4",
       "the finalized mark is never set, so a cleared object is finalized at dealloc"},
      {RuntimeBug::UntrackClearsFinalized, "untrack-clears-finalized", "P7.5",
       "untracking wipes the finalized mark, so a resurrected object is finalized twice"},
      {RuntimeBug::GcIgnoresFrameRefs, "gc-ignores-frame-refs", "P7.6",
       "update_refs does not count references held by thread frames"},
      {RuntimeBug::OverlappingGcFinalizers, "overlapping-gc-finalizers", "P7.7",
       "finalize_garbage starts every member's finalizer before the first returns"},
      {RuntimeBug::ClearSurvivorsAgain, "clear-survivors-again", "P7.8",
       "delete_garbage calls tp_clear again on a member that survived its clear"},
      {RuntimeBug::DeallocLeavesTracked, "dealloc-leaves-tracked", "P7.9",
       "subtype_dealloc leaves the dying object tracked after its finalizer"},
      {RuntimeBug::ResurrectionContinues, "resurrection-continues", "P7.18",
       "subtype_dealloc goes on clearing and freeing after a resurrection"},
      {RuntimeBug::CallbacksWhileClearing, "callbacks-while-clearing", "P7.19",
       "PyObject_ClearWeakRefs calls each callback as soon as its weakref is cleared"},
      {RuntimeBug::CallbacksOldestFirst, "callbacks-oldest-first", "P7.20",
       "new weakrefs with callbacks are appended at the tail of the list"},
      {RuntimeBug::CallbackErrorStops, "callback-error-stops", "P7.21",
       "PyObject_ClearWeakRefs stops at the first callback that raises"},
      {RuntimeBug::TrashWeakrefCallbacks, "trash-weakref-callbacks", "P7.22",
       "handle_weakrefs calls the callbacks of weakrefs that are garbage themselves"},
      {RuntimeBug::NoSecondWeakrefPass, "no-second-weakref-pass", "P7.23",
       "no weakref pass after resurrection (CPython before gh-91636)"},
      {RuntimeBug::StopCallbacksEarly, "stop-callbacks-early", "P7.25",
       "gc.callbacks 'stop' runs before delete_garbage"},
      {RuntimeBug::SkipTpClear, "skip-tp-clear", "quiescence",
       "delete_garbage never calls tp_clear, so cycles leak"},
      {RuntimeBug::FinalizeLegacyGarbage, "finalize-legacy-garbage", "P7.26",
       "objects reachable from a tp_del object stay in the garbage and are finalized"},
      {RuntimeBug::MergeKeepsQueueReference, "merge-keeps-queue-reference", "quiescence",
       "free-threaded: the owner merges a queued object without dropping the queue's reference",
       "P314t"},
      {RuntimeBug::FreeGarbageMidCollection, "free-garbage-mid-collection", "P7.2",
       "free-threaded GC: the worklist holds no reference, so a member dies mid-collection",
       "P314t"},
      {RuntimeBug::DeallocOnDroppingThread, "dealloc-on-dropping-thread", "memory-safety",
       "free-threaded: a non-owner that drops the shared count to zero deallocates at once "
       "instead of queueing the object for its owner",
       "P314t"},
      {RuntimeBug::StwDuringCCode, "stw-during-c-code", "P7.9",
       "free-threaded: the world stops while another thread is inside a C slot", "P314t"},
  };
  return bugs;
}

std::optional<RuntimeBug> find_runtime_bug(const std::string& name) {
  for (const RuntimeBugInfo& b : runtime_bugs())
    if (name == b.name) return b.bug;
  return std::nullopt;
}

const RuntimeBugInfo& runtime_bug_info(RuntimeBug bug) {
  return runtime_bugs().at(static_cast<size_t>(bug));
}

std::string Profile::display_name() const {
  std::string out = name;
  for (const RuntimeBugInfo& b : runtime_bugs())
    if (has(b.bug)) out += std::string("+") + b.name;
  return out;
}

std::vector<std::pair<std::string, std::string>> Profile::release_bugs() const {
  std::vector<std::pair<std::string, std::string>> out;
  if (gc_algorithm == GcAlgorithm::FreeThreaded)
    out.emplace_back("P7.20",
                     "F-G3: the free-threaded collector calls the callbacks of one garbage "
                     "referent's weakrefs oldest first (observed in 3.13.15t)");
  if (weakref_passes == 1)
    out.emplace_back("P7.23",
                     "gh-91636: a weakref made by a finalizer to a garbage object "
                     "survives into tp_clear");
  return out;
}

const std::vector<Profile>& all_profiles() {
  static const std::vector<Profile> profiles = [] {
    std::vector<Profile> v;
    auto make = [&](ProfileId id, const char* name, const char* releases, const char* summary,
                    int passes, GcAlgorithm algo, AutoGcPoint point, int threshold0) {
      bool v311_312 = id == ProfileId::P311 || id == ProfileId::P312;
      bool v313 = id == ProfileId::P313 || id == ProfileId::P313L;
      Profile p;
      p.id = id;
      p.name = name;
      p.releases = releases;
      p.summary = summary;
      p.weakref_passes = passes;
      p.gc_algorithm = algo;
      p.auto_gc_point = point;
      p.threshold0 = threshold0;
      p.trashcan = v311_312 ? Trashcan::NestingCounter : Trashcan::DeepOnly;
      p.locals_last_to_first = !(v311_312 || v313);
      p.unraisable_names_call = !(v311_312 || v313);
      p.lazy_dict_tracking = v311_312 || v313;
      p.atomic_tuples_untracked_at_creation = !(v311_312 || v313);
      p.list_append_specializes = id != ProfileId::P311;
      p.with_enter_checks = !(v311_312 || v313);  // LK5
      p.with_binds_methods = v311_312 || v313;    // WT1
      p.init_call_specializes = v311_312 ? InitCallSpecializes::Never
                                : v313   ? InitCallSpecializes::InlineValues
                                         : InitCallSpecializes::Always;
      p.slotted_dict_is_object = !v311_312;                                                // R1.15c
      p.vars_dict_shares_inline_values = id == ProfileId::P313 || id == ProfileId::P314i;  // R1.15d
      const bool v314 = !(v311_312 || v313);
      p.immortal_refcount = id == ProfileId::P311 ? 0 : v314 ? 3221225472ull : 4294967295ull;
      p.interned_strings_immortal = id == ProfileId::P312;
      p.borrowed_local_loads = v314;
      p.gen_close_clears_created = id != ProfileId::P312 && id != ProfileId::P313;
      p.thread_locals_newest_first = !v311_312;  // TL3
      p.atexit_entries_are_tuples = v314;        // AX3, AX4
      p.method_freelist = v314;                  // F-G3a (free-threaded only)
      p.super_call = id == ProfileId::P311 ? SuperCall::SuperObject : SuperCall::LoadSuperAttr;
      // Observed on 3.11.2, 3.11.7, 3.12.1 and 3.13.0 (conformance.md D11);
      // 3.14 is assumed to keep 3.13's managed dicts.
      p.cleared_dict = id == ProfileId::P311   ? ClearedDict::Crash
                       : id == ProfileId::P312 ? ClearedDict::CrashAfterStore
                                               : ClearedDict::Zombie;
      v.push_back(p);
    };
    make(ProfileId::P311, "P311", "3.11.x",
         "generational; automatic GC inside the allocating call; one weakref pass", 1,
         GcAlgorithm::Generational, AutoGcPoint::InsideAllocation, 700);
    make(ProfileId::P312, "P312", "3.12.x",
         "generational; automatic GC at any thread's eval breaker; one weakref pass", 1,
         GcAlgorithm::Generational, AutoGcPoint::EvalBreakerAnyThread, 700);
    make(ProfileId::P313, "P313", "3.13.0-3.13.12",
         "generational; automatic GC at the allocating thread's eval breaker; one weakref pass", 1,
         GcAlgorithm::Generational, AutoGcPoint::EvalBreakerAllocatingThread, 2000);
    make(ProfileId::P313L, "P313L", "3.13.13+", "as P313, plus the second weakref pass (gh-91636)",
         2, GcAlgorithm::Generational, AutoGcPoint::EvalBreakerAllocatingThread, 2000);
    make(ProfileId::P314i, "P314i", "3.14.0-3.14.3",
         "incremental collector (young + two old spaces); one weakref pass (inferred)", 1,
         GcAlgorithm::Incremental, AutoGcPoint::EvalBreakerAllocatingThread, 2000);
    make(ProfileId::P314i4, "P314i4", "3.14.4",
         "incremental collector; second weakref pass (inferred from NEWS)", 2,
         GcAlgorithm::Incremental, AutoGcPoint::EvalBreakerAllocatingThread, 2000);
    make(ProfileId::P314g, "P314g", "3.14.5+",
         "generational collector again (gh-142516); second weakref pass", 2,
         GcAlgorithm::Generational, AutoGcPoint::EvalBreakerAllocatingThread, 2000);
    // §4.2-§4.3: no GIL, biased reference counting, the stop-the-world
    // collector. Both free-threaded series have the second weakref pass from
    // their patch releases 3.13.13 and 3.14.4 on; the profiles model those.
    auto free_threaded = [&](ProfileId id, const char* name, const char* releases,
                             const char* summary, const char* twin) {
      make(id, name, releases, summary, 2, GcAlgorithm::FreeThreaded,
           AutoGcPoint::EvalBreakerAllocatingThread, 2000);
      Profile& p = v.back();
      p.refcounting = Refcounting::Biased;
      p.gil = false;
      p.gil_twin = twin;
      p.main_checks_before_join = true;
      p.gen_frame_state_races = true;
      // 3.13t keeps 3.13's frame-local release order, lazy dict tracking
      // and tuples tracked until a collection (observed on 3.13.15t:
      // scenarios/conformance/tuple-and-dict-tracking.life); 3.14t 3.14's.
      // F9: the opt-in API exists from 3.14.
      const bool v313 = id == ProfileId::P313t;
      p.locals_last_to_first = !v313;
      p.unraisable_names_call = !v313;
      p.lazy_dict_tracking = v313;
      p.atomic_tuples_untracked_at_creation = !v313;
      p.deferred_refcount_api = !v313;
      // F9a in both series (observed on 3.13.15t: a module object and a
      // deleted module-level def die at gc.collect(), not at del); F9b in
      // 3.13t only.
      p.deferred_modules = true;
      p.deferred_module_level_functions = true;
      p.immortalize_deferred_on_new_thread = v313;
      // 3.13t compiles the specializing interpreter out (ENABLE_SPECIALIZATION
      // is 0 with Py_GIL_DISABLED, Include/internal/pycore_code.h; observed
      // for class calls on 3.13.15t); 3.14t specializes as 3.14 (gh-115999).
      // LK5, WT1: 3.13t still has BEFORE_WITH (3.13 compiles the same
      // bytecode with and without the GIL): no check after __enter__, bound
      // methods (observed on 3.13.15t, conformance.md 7.27).
      p.with_enter_checks = !v313;
      p.with_binds_methods = v313;
      if (v313) {
        p.list_append_specializes = false;
        p.init_call_specializes = InitCallSpecializes::Never;
        p.super_call = SuperCall::Unspecialized;  // SU2
      }
      p.code_constants_immortal = true;
      p.interned_strings_immortal = true;
      p.immortal_refcount = v313 ? 4294967295ull : 3221225472ull;
      p.borrowed_local_loads = !v313;
      p.atexit_entries_are_tuples = !v313;
      p.heap_sections = true;
      p.method_freelist = !v313;
    };
    free_threaded(ProfileId::P313t, "P313t", "3.13.13+ (t)",
                  "free-threaded: no GIL, biased refcounts, stop-the-world GC", "P313L");
    free_threaded(ProfileId::P314t, "P314t", "3.14.4+ (t)",
                  "free-threaded: as P313t, plus the deferred-refcount API", "P314g");
    return v;
  }();
  return profiles;
}

const Profile& default_profile() {
  for (const Profile& p : all_profiles())
    if (p.id == ProfileId::P314g) return p;
  return all_profiles().front();
}

std::optional<Profile> find_profile(const std::string& name) {
  for (const Profile& p : all_profiles())
    if (name == p.name) return p;
  auto by_id = [](ProfileId id) -> std::optional<Profile> {
    for (const Profile& p : all_profiles())
      if (p.id == id) return p;
    return std::nullopt;
  };
  // Release spellings: a minor version names its newest profile.
  auto patch_of = [&](const char* prefix) -> int {
    std::string rest = name.substr(std::string(prefix).size());
    if (rest.empty() || rest.size() > 3 ||
        rest.find_first_not_of("0123456789") != std::string::npos)
      return -1;
    return std::atoi(rest.c_str());
  };
  // Free-threaded spellings: 3.13t, 3.14t, 3.13.15t.
  if (name.size() > 1 && name.back() == 't') {
    std::string base = name.substr(0, name.size() - 1);
    if (base == "3.13" || (base.rfind("3.13.", 0) == 0 && base.size() > 5 &&
                           base.find_first_not_of("0123456789", 5) == std::string::npos))
      return by_id(ProfileId::P313t);
    if (base == "3.14" || (base.rfind("3.14.", 0) == 0 && base.size() > 5 &&
                           base.find_first_not_of("0123456789", 5) == std::string::npos))
      return by_id(ProfileId::P314t);
    return std::nullopt;
  }
  if (name == "3.11") return by_id(ProfileId::P311);
  if (name == "3.12") return by_id(ProfileId::P312);
  if (name == "3.13") return by_id(ProfileId::P313L);
  if (name == "3.14") return by_id(ProfileId::P314g);
  if (name.rfind("3.11.", 0) == 0)
    return patch_of("3.11.") < 0 ? std::nullopt : by_id(ProfileId::P311);
  if (name.rfind("3.12.", 0) == 0)
    return patch_of("3.12.") < 0 ? std::nullopt : by_id(ProfileId::P312);
  if (name.rfind("3.13.", 0) == 0) {
    int patch = patch_of("3.13.");
    if (patch < 0) return std::nullopt;
    return by_id(patch >= 13 ? ProfileId::P313L : ProfileId::P313);
  }
  if (name.rfind("3.14.", 0) == 0) {
    int patch = patch_of("3.14.");
    if (patch < 0) return std::nullopt;
    if (patch <= 3) return by_id(ProfileId::P314i);
    if (patch == 4) return by_id(ProfileId::P314i4);
    return by_id(ProfileId::P314g);
  }
  return std::nullopt;
}

}  // namespace lifecheck::model
