// Built-in properties (SEMANTICS.md §7) checked as the runtime emits its
// events, the scenario's expect lines, and the memory-safety checks that
// always apply. Monitor state lives in the State (object flags,
// expect_state), so it is part of what the search compares.
#include <algorithm>

#include "model/Machine.h"

namespace lifecheck::model {

namespace {
// The events a trace first has room for (Machine::emit).
constexpr size_t kTraceChunk = 16;

bool owns_strongly(const Program& program, const Object& y, ObjId target) {
  switch (program.types[y.type].kind) {
    case TypeKind::PyClass:
    case TypeKind::CType:
    case TypeKind::List:
    case TypeKind::Tuple:
    case TypeKind::Dict:
    case TypeKind::Set:
    case TypeKind::Exception:
    case TypeKind::FrameObject:
    case TypeKind::Generator:
    case TypeKind::Function:  // its closure and defaults tuples, __dict__ (FN2a)
    case TypeKind::Cell:      // its contents (FN1)
    case TypeKind::Deque:     // attributes, items and C members; stale pointers own nothing
    // its threads' dicts (TL4)
    case TypeKind::ThreadLocal:
    case TypeKind::Partial: {  // fn, args, kw (Partial.cpp)
      // (a reference to target is the one value Value::object(target);
      // every slot compared, without a branch per slot)
      const uint32_t want = Value::object(target).raw();
      uint32_t hit = 0;
      for (Value v : y.fields) hit |= v.raw() == want;
      for (Value v : y.items) hit |= v.raw() == want;
      return hit != 0;
    }
    case TypeKind::Weakref:  // (a WeakMethod: its _func_ref too, WM6)
      return y.fields[kWeakrefCallback] == Value::object(target) ||
             y.fields[kWeakMethodFuncRef] == Value::object(target);
    case TypeKind::Method:
      return y.fields[kMethodSelf].is_obj() && y.fields[kMethodSelf].obj() == target;
    case TypeKind::Lock:  // owns no object (Locks.cpp)
      return false;
  }
  return false;
}
}  // namespace

std::string Machine::name_of(ObjId o) const {
  if (o == kNoObj || o >= state_.objects.size()) return "<none>";
  const Object& x = state_.objects[o];
  std::string base = x.label == kNoLabel ? program_.types[x.type].name : program_.labels[x.label];
  return base + "#" + std::to_string(x.serial);
}

Event Machine::event(EventKind kind, ObjId o) {
  Event e;
  e.kind = kind;
  e.thread = current_;
  if (o != kNoObj) {
    const Object& x = state_.objects[o];
    e.obj = o;
    e.label = x.label;
    e.serial = x.serial;
    e.type = x.type;
  }
  return e;
}

void Machine::emit(Event e) {
  if (kinds_) *kinds_ |= event_bit(e.kind);
  const bool observed = !state_.threads_ended && !program_.expects.empty();
  if (!trace_) {
    if (observed) observe_expectations(e);
    return;
  }
  // Stamped here, not at the step's start: a step may run the tail of one
  // statement and then the next, and runtime work a statement started.
  // (Only traces stamp: the search's trial steps record events without.)
  if (statements_) {
    const StatementAt at = statements_->at(program_, thread(), current_);
    e.line = at.line;
    e.func = at.func;
  }
  // Recorded first, so that an event that breaks an expect line is shown;
  // moved, not copied (its text). A trace gets room for a step's events
  // at its first, not a reallocation at every doubling.
  if (trace_->size() == trace_->capacity())
    trace_->reserve(std::max<size_t>(kTraceChunk, 2 * trace_->size()));
  trace_->push_back(std::move(e));
  if (observed) observe_expectations(trace_->back());
}

void Machine::violation(std::vector<std::string> properties, const std::string& message) {
  properties.erase(std::remove_if(properties.begin(), properties.end(),
                                  [&](const std::string& p) { return program_.ignored(p); }),
                   properties.end());
  if (properties.empty()) return;
  if (statements_) statements_->violation = statements_->at(program_, thread(), current_);
  std::string where = origin_ ? " (at " + program_.origins[origin_] + ")" : "";
  throw ViolationFound{Violation{std::move(properties), message + where}};
}

void Machine::check(bool ok, const char* property, const std::string& message) {
  if (!ok) violation({property}, message);
}

// ---------------------------------------------------------------------------
// expect lines

bool Machine::matches(const EventPattern& p, const Event& e) const {
  EventKind want;
  switch (p.kind) {
    case PatternKind::Finalize:
      want = EventKind::FinalizeBegin;
      break;
    case PatternKind::Callback:
      want = EventKind::CallbackBegin;
      break;
    case PatternKind::Clear:
      want = EventKind::ClearBegin;
      break;
    case PatternKind::Dealloc:
      want = EventKind::DeallocBegin;
      break;
    case PatternKind::Freed:
      want = EventKind::Free;
      break;
    case PatternKind::Resurrect:
      want = EventKind::Resurrect;
      break;
    case PatternKind::Log:
      return e.kind == EventKind::Log && e.text == p.text;
    case PatternKind::GcStart:
      return e.kind == EventKind::GcStart;
    case PatternKind::GcStop:
      return e.kind == EventKind::GcStop;
    case PatternKind::Unraisable:
      return e.kind == EventKind::Unraisable;
    case PatternKind::Garbage:
      want = EventKind::GarbageAppend;
      break;
    case PatternKind::TpDel:
      want = EventKind::TpDel;
      break;
    case PatternKind::Release:
      want = EventKind::ResourceRelease;
      break;
    default:
      return false;
  }
  if (e.kind != want) return false;
  if (p.label != kNoLabel && e.label != p.label) return false;
  if (p.kind == PatternKind::Finalize && p.path != PathFilter::Any &&
      e.path != (p.path == PathFilter::Gc ? 1 : 0))
    return false;
  return true;
}

void Machine::observe_expectations(const Event& e) {
  for (size_t i = 0; i < program_.expects.size(); ++i) {
    const Expectation& x = program_.expects[i];
    uint8_t& st = state_.expect_state[i];
    auto fail = [&](const std::string& why) {
      violation({"expect"}, "line " + std::to_string(x.line) + ": " + x.text + ": " + why);
    };
    if (expect_seen_) {  // before any fail(): an ignored line goes on
      const uint8_t bits =
          (matches(x.a, e) ? 1 : 0) | (x.kind == ExpectKind::Before && matches(x.b, e) ? 2 : 0);
      if (bits && (expect_seen_[i].load(std::memory_order_relaxed) & bits) != bits)
        expect_seen_[i].fetch_or(bits, std::memory_order_relaxed);
    }
    switch (x.kind) {
      case ExpectKind::Before:
        if (matches(x.b, e) && !st) fail("the second event happened first");
        if (matches(x.a, e)) st = 1;
        break;
      case ExpectKind::Never:
        if (matches(x.a, e)) fail("it happened");
        break;
      case ExpectKind::Once:
      case ExpectKind::AtMostOnce:
        if (matches(x.a, e)) {
          if (st < 3) ++st;
          if (st > 1) fail("it happened a second time");
        }
        break;
      case ExpectKind::Eventually:
        if (matches(x.a, e) && st < 3) ++st;
        break;
      case ExpectKind::OnThread:
        if (matches(x.a, e) && e.thread != x.thread)
          fail("it happened on thread " + program_.threads[e.thread].name);
        break;
    }
  }
}

void Machine::check_expectations_at_end() {
  for (size_t i = 0; i < program_.expects.size(); ++i) {
    const Expectation& x = program_.expects[i];
    uint8_t st = state_.expect_state[i];
    std::string prefix = "line " + std::to_string(x.line) + ": " + x.text + ": ";
    if (x.kind == ExpectKind::Once && st != 1)
      violation({"expect"}, prefix +
                                (st == 0 ? "it never happened" : "it happened more than once") +
                                " by the end of the threads");
    if (x.kind == ExpectKind::Eventually && st == 0)
      violation({"expect"}, prefix + "it had not happened by the end of the threads");
  }
}

// ---------------------------------------------------------------------------
// §7 properties at their events

void Machine::check_dealloc_begin(ObjId o) {
  const Object& x = obj(o);
  require_attached("tp_dealloc");
  if (x.has(kFinalizing))
    violation({"P7.1", "P7.9"},
              "tp_dealloc of " + name_of(o) + " starts while its tp_finalize is still running");
  if (x.has(kClearing))
    violation({"P7.2", "P7.9"},
              "tp_dealloc of " + name_of(o) + " starts while its tp_clear is still running");
  if (x.has(kDeallocating))
    violation({"P7.9", "memory-safety"}, "tp_dealloc of " + name_of(o) + " starts a second time");
}

void Machine::check_not_legacy_reachable(ObjId o, const char* what) {
  bool any = false;
  for (const Object& y : state_.objects) any = any || (y.live && y.has(kLegacyGarbage));
  if (!any) return;
  // Breadth-first over owned references from every uncollectable object.
  std::vector<bool> seen(state_.objects.size(), false);
  ObjList queue;
  for (size_t i = 0; i < state_.objects.size(); ++i)
    if (state_.objects[i].live && state_.objects[i].has(kLegacyGarbage)) {
      seen[i] = true;
      queue.push_back(static_cast<ObjId>(i));
    }
  for (size_t k = 0; k < queue.size(); ++k) {
    const Object& y = state_.objects[queue[k]];
    for (const auto* values : {&y.fields, &y.items})  // attributes and container items
      for (Value v : *values)
        if (v.is_obj() && v.obj() < seen.size() && !seen[v.obj()] &&
            owns_strongly(program_, y, v.obj())) {
          seen[v.obj()] = true;
          queue.push_back(v.obj());
        }
  }
  if (seen[o])
    violation({"P7.26"}, name_of(o) +
                             " is reachable from an uncollectable object with a "
                             "legacy tp_del, yet " +
                             what);
}

void Machine::check_finalize_begin(ObjId o, bool gc_path) {
  const Object& x = obj(o);
  require_attached("tp_finalize");
  if (gc_path) check_not_legacy_reachable(o, "the collector finalizes it");
  if (x.has(kCleared))
    violation({"P7.4"}, "tp_finalize of " + name_of(o) + " runs after its own tp_clear");
  if (x.has(kInGarbageSet))
    for (size_t i = 0; i < state_.objects.size(); ++i) {
      const Object& y = state_.objects[i];
      if (y.live && y.has(kInGarbageSet) && y.has(kClearedThisGc))
        violation({"P7.4"}, "tp_finalize of " + name_of(o) + " runs after tp_clear of " +
                                name_of(static_cast<ObjId>(i)) + ", a member of the same isolate");
    }
  if (program_.types[x.type].gc && x.finalize_count >= 1)
    violation({"P7.5"}, "tp_finalize of " + name_of(o) + " runs a second time");
  if (gc_path) {
    for (size_t i = 0; i < state_.objects.size(); ++i) {
      const Object& y = state_.objects[i];
      if (i != o && y.live && y.has(kGcFinalizing) && y.has(kInGarbageSet))
        violation({"P7.7"}, "tp_finalize of " + name_of(o) + " starts while tp_finalize of " +
                                name_of(static_cast<ObjId>(i)) +
                                ", a member of the same isolate, is still running");
    }
    const GcState& gc = state_.gc;
    if (gc.collecting && !gc.final_running && (!gc.start_called || gc.stop_called))
      violation({"P7.25"}, "tp_finalize of " + name_of(o) + " runs " +
                               (gc.stop_called ? "after the gc.callbacks \"stop\" phase"
                                               : "before the gc.callbacks \"start\" phase"));
  }
}

void Machine::check_clear_begin(ObjId o) {
  const Object& x = obj(o);
  require_attached("tp_clear");
  check_not_legacy_reachable(o, "the collector clears it");
  if (x.has(kClearing))
    violation({"P7.8"}, "tp_clear of " + name_of(o) + " starts while it is already running");
  if (x.has(kClearedThisGc))
    violation({"P7.8"}, "tp_clear of " + name_of(o) + " runs twice in one collection");
  for (size_t i = 0; i < state_.objects.size(); ++i) {
    const Object& y = state_.objects[i];
    if (!y.live || y.has(kFreed) || !y.has(kInGarbageSet)) continue;
    if (has_finalizer(y.type) && (y.finalize_count == 0 || y.has(kFinalizing)))
      violation({"P7.3"}, "tp_clear of " + name_of(o) + " starts before " +
                              name_of(static_cast<ObjId>(i)) +
                              ", a member of the same isolate, has been finalized");
  }
  ObjSet reach = reachable_from_roots(program_, state_, true);
  if (reach[o]) violation({"P7.6"}, "tp_clear of " + name_of(o) + " although it is reachable");
  for (size_t i = 0; i < state_.objects.size(); ++i) {
    const Object& w = state_.objects[i];
    if (!w.live || w.has(kFreed) || program_.types[w.type].kind != TypeKind::Weakref) continue;
    Value r = w.fields[kWeakrefReferent];
    if (r.is_obj() && obj(r.obj()).has(kInGarbageSet))
      violation({"P7.23"}, "tp_clear of " + name_of(o) + " starts while weakref " +
                               name_of(static_cast<ObjId>(i)) + " to " + name_of(r.obj()) +
                               ", a member of the garbage, is still live");
  }
  const GcState& gc = state_.gc;
  if (gc.collecting && !gc.final_running && (!gc.start_called || gc.stop_called))
    violation({"P7.25"}, "tp_clear of " + name_of(o) + " runs " +
                             (gc.stop_called ? "after the gc.callbacks \"stop\" phase"
                                             : "before the gc.callbacks \"start\" phase"));
}

void Machine::check_cleared_neighbours(ObjId o, bool clear_done) {
  // P7.29: no object whose finalizer has not run may see a cleared object.
  // From the moment tp_clear starts, nothing unfinalized may hold a strong
  // reference or a live weakref to it; once tp_clear returns, it must not
  // reference anything unfinalized either. Objects without a finalizer, or
  // cleared themselves, count as finalized.
  auto safe = [&](const Object& y) {
    return !has_finalizer(y.type) || y.finalize_count > 0 || y.has(kCleared);
  };
  const Object& x = obj(o);
  for (size_t i = 0; i < state_.objects.size(); ++i) {
    const Object& y = state_.objects[i];
    ObjId yi = static_cast<ObjId>(i);
    if (!y.live || y.has(kFreed) || yi == o || safe(y)) continue;
    std::string how;
    if (owns_strongly(program_, y, o)) how = "references it";
    if (how.empty() && clear_done && owns_strongly(program_, x, yi)) how = "is referenced by it";
    if (how.empty() && program_.types[y.type].kind != TypeKind::Weakref &&
        program_.types[y.type].kind != TypeKind::Method)
      for (Value v : y.fields) {
        if (!v.is_obj() || program_.types[obj(v.obj()).type].kind != TypeKind::Weakref) continue;
        Value r = obj(v.obj()).fields[kWeakrefReferent];
        if (r.is_obj() && r.obj() == o) how = "holds live weakref " + name_of(v.obj()) + " to it";
      }
    if (!how.empty())
      violation({"P7.29"}, std::string(clear_done ? "after" : "when") + " tp_clear of " +
                               name_of(o) + (clear_done ? "" : " starts") + ", " + name_of(yi) +
                               ", whose finalizer has not run, " + how);
  }
}

void Machine::check_callback_begin(ObjId wr, ObjId referent, bool gc_path, uint16_t& last_key) {
  const Object& w = obj(wr);
  if (w.has(kCallbackRan))
    violation({"P7.19"}, "the callback of " + name_of(wr) + " runs a second time");
  if (w.fields[kWeakrefReferent].is_obj())
    violation({"P7.19"}, "the callback of " + name_of(wr) + " runs while it still points at " +
                             name_of(w.fields[kWeakrefReferent].obj()));
  for (size_t i = 0; i < state_.objects.size(); ++i) {
    const Object& v = state_.objects[i];
    if (!v.live || v.has(kFreed) || program_.types[v.type].kind != TypeKind::Weakref) continue;
    Value r = v.fields[kWeakrefReferent];
    if (!r.is_obj()) continue;
    bool dying = gc_path ? obj(r.obj()).has(kInGarbageSet) : r.obj() == referent;
    if (dying)
      violation({"P7.19"}, "the callback of " + name_of(wr) + " runs while weakref " +
                               name_of(static_cast<ObjId>(i)) + " still reaches " +
                               name_of(r.obj()));
  }
  if (gc_path && w.has(kInGarbageSet))
    violation({"P7.22"}, "the callback of " + name_of(wr) +
                             " runs although the weakref is part of the garbage");
  if (!gc_path && (w.has(kDeallocating) || w.rc <= 0))
    violation({"P7.22"}, "the callback of " + name_of(wr) + " runs although the weakref is dead");
  if (!gc_path) {
    if (last_key != 0 && w.wl_key > last_key)
      violation({"P7.20"}, "the callback of " + name_of(wr) +
                               " runs after an older one for the same referent");
    last_key = w.wl_key;
  }
  const GcState& gc = state_.gc;
  if (gc_path && gc.collecting && !gc.final_running && (!gc.start_called || gc.stop_called))
    violation({"P7.25"}, "the callback of " + name_of(wr) + " runs " +
                             (gc.stop_called ? "after the gc.callbacks \"stop\" phase"
                                             : "before the gc.callbacks \"start\" phase"));
}

void Machine::check_garbage_set() {
  // P7.6, checked against an independent reachability computation (none
  // needed for an empty garbage set).
  if (list_head(kUnreachable) == kNoObj) return;
  ObjSet reach = reachable_from_roots(program_, state_, true);
  for (ObjId o = list_head(kUnreachable); o != kNoObj; o = obj(o).next)
    if (reach[o])
      violation({"P7.6"},
                "the collector put " + name_of(o) + " in the garbage set although it is reachable");
}

void Machine::check_free(ObjId o) {
  const Object& x = obj(o);
  if (x.has(kFreed)) violation({"memory-safety"}, "double free of " + name_of(o));
  if (x.has(kOnWorklist))
    violation({"memory-safety"}, "tp_free of " + name_of(o) +
                                     " while it is on the collector's worklist, which still "
                                     "points at it (F-G3)");
  if (x.rc != 0)
    violation({x.has(kResurrected) ? "P7.18" : "memory-safety"},
              "tp_free of " + name_of(o) + " while its refcount is " + std::to_string(x.rc));
  const TypeInfo& ct = c_type_of(o);
  if (ct.resource && x.resource_owner != kNoThread && !x.has(kResourceReleased))
    violation({"resource-affinity"},
              "tp_free of " + name_of(o) + " while its resource was never released");
  auto dangling = [&](const std::string& where) {
    violation({"memory-safety"},
              "tp_free of " + name_of(o) + " while " + where + " still refers to it");
  };
  for (size_t g = 0; g < state_.globals.size(); ++g)
    if (state_.globals[g].is_obj() && state_.globals[g].obj() == o)
      dangling("global '" + program_.globals[g] + "'");
  for (size_t t = 0; t < state_.threads.size(); ++t) {
    for (Value v : state_.threads[t].values)
      if (v.is_obj() && v.obj() == o) dangling("a frame of thread " + program_.threads[t].name);
    for (Value v : state_.threads[t].stack)
      if (v.is_obj() && v.obj() == o) dangling("the stack of thread " + program_.threads[t].name);
  }
  for (ObjId g : state_.gc.garbage)
    if (g == o) dangling("gc.garbage");
  const uint32_t to_o = Value::object(o).raw();
  for (size_t i = 0; i < state_.objects.size(); ++i) {
    const Object& y = state_.objects[i];
    if (!y.live || y.has(kFreed) || i == o) continue;
    if (owns_strongly(program_, y, o)) dangling(name_of(static_cast<ObjId>(i)));
    if (y.fields[kWeakrefReferent].raw() == to_o &&
        program_.types[y.type].kind == TypeKind::Weakref)
      dangling("weakref " + name_of(static_cast<ObjId>(i)));
  }
}

Machine::Leftover Machine::unreachable_leftover() const {
  ObjSet reach = reachable_from_roots(program_, state_, false);
  Leftover out = Leftover::None;
  for (size_t i = 0; i < state_.objects.size(); ++i) {
    const Object& x = state_.objects[i];
    if (!x.live || x.has(kFreed) || reach[i]) continue;
    if (has_finalizer(x.type) && !x.has(kFinalized)) return Leftover::Unfinalized;
    for (ObjId wr : weakref_list(static_cast<ObjId>(i)))  // a callback still to run
      if (state_.objects[wr].fields[kWeakrefCallback].kind() != ValueKind::None)
        return Leftover::Unfinalized;
    out = Leftover::Finalized;
  }
  return out;
}

void Machine::check_quiescence() {
  ObjSet reach = reachable_from_roots(program_, state_, false);
  std::string leaked, unfreed;
  bool others = false;
  for (size_t i = 0; i < state_.objects.size(); ++i) {
    const Object& x = state_.objects[i];
    if (!x.live || x.has(kFreed) || reach[i]) continue;
    if (!leaked.empty()) leaked += ", ";
    leaked += name_of(static_cast<ObjId>(i));
    // refcount 0 (not deferred) after its tp_dealloc ran: nothing keeps it,
    // tp_dealloc returned without freeing it
    if (x.rc == 0 && !x.has(kDeferredRc) && program_.types[x.type].kind == TypeKind::CType)
      unfreed += (unfreed.empty() ? "" : ", ") + name_of(static_cast<ObjId>(i));
    else
      others = true;
  }
  if (!leaked.empty() && !others)
    violation({"quiescence"},
              "after every thread finished, these objects are not freed: " + leaked +
                  "; their refcount is 0 and tp_dealloc returned without calling tp_free (no "
                  "'free' step on that path): the memory leaks");
  else if (!leaked.empty())
    violation({"quiescence"},
              "after every thread finished and " + std::to_string(state_.gc.final_rounds) +
                  " final collection(s), these objects are unreachable from "
                  "globals and gc.garbage but not freed: " +
                  leaked +
                  (state_.gc.final_idle ? "; the last collection found none of them "
                                          "unreachable: a reference the collector cannot "
                                          "account for keeps them (one never released, or a "
                                          "field tp_traverse does not visit)"
                                        : "") +
                  (unfreed.empty() ? ""
                                   : "; tp_dealloc of " + unfreed +
                                         " returned without calling tp_free (no 'free' step)"));
}

std::vector<int> count_references(const Program& program, const State& state) {
  std::vector<int> refs(state.objects.size(), 0);
  auto add = [&](Value v) {
    if (v.is_obj() && v.obj() < refs.size()) ++refs[v.obj()];
  };
  for (Value v : state.globals) add(v);
  for (const Thread& th : state.threads) {
    for (Value v : th.values) add(v);
    for (Value v : th.stack) add(v);
    for (const Frame& f : th.frames) {
      if (f.has(kHolds) && f.kind != FrameKind::Body && f.kind != FrameKind::Release)
        add(Value::object(f.obj));
      if (f.ref != kNoObj && !f.has(kRefBorrowed)) add(Value::object(f.ref));  // a strong C local
    }
  }
  for (ObjId g : state.gc.garbage) add(Value::object(g));
  for (const Thread& th : state.threads)  // F5: each queue entry holds one
    for (ObjId q : th.merge_queue) add(Value::object(q));
  for (const Object& y : state.objects) {
    // the free-threaded worklist's reference (F-G2), the deferred bias (F9)
    // and the bias an immortalized object keeps (F9b)
    if (y.live && y.has(kOnWorklist)) ++refs[static_cast<size_t>(&y - state.objects.data())];
    if (y.live && (y.has(kDeferredRc) || y.has(kImmortal)))
      ++refs[static_cast<size_t>(&y - state.objects.data())];
    // a WeakMethod's _cb holds it in its local `self` (WM5)
    if (y.live && y.has(kWeakMethodSelf)) ++refs[static_cast<size_t>(&y - state.objects.data())];
    if (!y.live || y.has(kFreed)) continue;
    switch (program.types[y.type].kind) {
      case TypeKind::PyClass:
      case TypeKind::CType:
      case TypeKind::List:
      case TypeKind::Tuple:
      case TypeKind::Dict:
      case TypeKind::Set:
      case TypeKind::Deque:
      case TypeKind::Exception:
      case TypeKind::FrameObject:
      case TypeKind::Generator:
      case TypeKind::Function:
      case TypeKind::Cell:
      case TypeKind::ThreadLocal:
      case TypeKind::Partial:  // fn, args, kw (Partial.cpp)
        for (Value v : y.fields) add(v);
        for (Value v : y.items) add(v);
        break;
      case TypeKind::Weakref:  // (a WeakMethod: its _func_ref too, WM6)
        add(y.fields[kWeakMethodFuncRef]);
        add(y.fields[kWeakrefCallback]);
        break;
      case TypeKind::Method:
        add(y.fields[kMethodSelf]);
        break;
      case TypeKind::Lock:  // owns no object (Locks.cpp)
        break;
    }
  }
  // the __main__ module dict's cycle through its functions (SD2), until its
  // tp_clear releases that reference with the entries (SD3)
  if (const ObjId d = module_dict_of(program, state);
      d != kNoObj && !state.objects[d].has(kCleared))
    ++refs[d];
  // handle_weakrefs holds a reference to each weakref queued for its callback
  for (size_t i = 0; i < state.objects.size(); ++i)
    if (state.objects[i].live && state.objects[i].list == kWrcbToCall) ++refs[i];
  return refs;
}

}  // namespace lifecheck::model
