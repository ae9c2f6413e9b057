#include "model/Symmetry.h"

namespace lifecheck::model {

namespace {

// Two ops are the same code when every field that the interpreter reads is
// the same. The structured bindings name every field: a field added to Op
// stops this from compiling until it is classified here.
bool same_op(const Program& p, const Op& x, const Op& y) {
  const auto& [code, a, b, label, str, value, keywords, site, depth, line, col, stmt_start] = x;
  // where the op was written, for reports only; `site` is below
  (void)line, (void)col, (void)stmt_start, (void)site;
  // The call site an op warms (State::warm: FN13a's class calls, T1a's
  // list.append and len; warm_site()) is the body's own: two thread
  // bodies are two code objects, whose sites warm up apart, and the warm
  // bytes move with their threads (ThreadSymmetry::sites pairs the sites
  // of a class's bodies by place). So only whether an op has a site
  // counts, not its number. No other op reads `site`, and these ops read
  // `b` only as their site.
  const uint16_t own = warm_site(x);
  if ((own == kNoAppendSite) != (warm_site(y) == kNoAppendSite)) return false;
  const bool b_is_site = own != kNoAppendSite && code != OpCode::NewInit;
  if (code != y.code || a != y.a || (!b_is_site && b != y.b) || label != y.label || str != y.str ||
      !(value == y.value) || depth != y.depth)
    return false;
  // FN12: the keyword names (an index per call), compared by name
  return (keywords == 0) == (y.keywords == 0) &&
         (!keywords || p.call_keywords[keywords - 1u] == p.call_keywords[y.keywords - 1u]);
}

// Two bodies are the same code when their bytecode, exception table and
// frame layout are the same. As for ops, every field of FuncInfo is named.
bool same_body(const Program& p, FuncId fa, FuncId fb) {
  const FuncInfo& x = p.funcs[fa];
  const FuncInfo& y = p.funcs[fb];
  const auto& [name, kind, owner, nparams, nlocals, local_names, body, code, handlers, frame_slot,
               generator, runtime_del, line, parent, lambda, cell_slots, free_slots, ndefaults,
               module_object] = x;
  // names and positions, for reports; owner and kind are a thread body's
  (void)name, (void)body, (void)line, (void)owner, (void)kind;
  if (nlocals != y.nlocals || nparams != y.nparams || code.size() != y.code.size() ||
      frame_slot != y.frame_slot || generator != y.generator || runtime_del != y.runtime_del ||
      parent != y.parent || lambda != y.lambda || cell_slots != y.cell_slots ||
      free_slots != y.free_slots || ndefaults != y.ndefaults || module_object != y.module_object)
    return false;
  // a keyword argument finds its parameter by name (FN12); without
  // parameters the names are for reports
  if (nparams && local_names != y.local_names) return false;
  // The exception table: the same ops can be protected differently
  // (`try: A; B except: H` and `try: A except: H else: B`).
  if (handlers.size() != y.handlers.size()) return false;
  for (size_t i = 0; i < handlers.size(); ++i) {
    const auto& [start, end, target, depth] = handlers[i];
    const ExceptionHandler& h = y.handlers[i];
    if (start != h.start || end != h.end || target != h.target || depth != h.depth) return false;
  }
  for (size_t i = 0; i < code.size(); ++i)
    if (!same_op(p, code[i], y.code[i])) return false;
  return true;
}

// Whether some object may live untracked: a C type's (no gc flag, or an
// untrack step), a tuple or dict (untracked at creation, 3.14's atomic
// tuples and lazily tracked dicts, or by a collection, G10), a frame
// object made for a traceback, a function's attribute dict, the runtime's
// atexit and gc.callbacks lists. (Weakrefs, lists, sets, deques, cells,
// generators and class instances are tracked while they live.)
bool may_live_untracked(const Program& p) {
  for (const TypeInfo& t : p.types)
    if (t.kind == TypeKind::CType) return true;
  for (const FuncInfo& f : p.funcs) {
    if (f.module_object) return true;
    for (const Op& op : f.code) switch (op.code) {
        case OpCode::BuildTuple:
        case OpCode::BuildDict:
        case OpCode::Vars:
        case OpCode::BindException:
        case OpCode::FinalizeNew:
        case OpCode::AtexitRegister:
        case OpCode::PartialNew:  // its args tuple and keywords dict (PT1)
        case OpCode::GcCallbacksAppend:
        case OpCode::MakeFunction:
          return true;
        default:
          break;
      }
  }
  return false;
}

}  // namespace

ThreadSymmetry thread_symmetry(const Program& program) {
  ThreadSymmetry s;
  const size_t n = program.threads.size();
  s.class_of.resize(n);
  for (size_t t = 0; t < n; ++t) s.class_of[t] = static_cast<uint8_t>(t);
  s.func_rep.resize(program.funcs.size());
  for (size_t f = 0; f < program.funcs.size(); ++f) s.func_rep[f] = static_cast<FuncId>(f);
  // A runtime bug that picks a thread by its number breaks the premise.
  if (program.profile.has(RuntimeBug::OverlappingGcFinalizers)) return s;
  // threading.local's entries name their thread by number (ThreadLocal.cpp),
  // which a permutation of the threads would not rename.
  if (program.thread_local_type != kNoType) return s;
  // F6 / F-G2: a free-threaded collection releases the untracked objects
  // its merge of the queues left at zero oldest thread first
  // (brc_merge_all_queues), which tells threads apart by when they
  // started; only objects that live untracked take that path.
  if (program.profile.refcounting == Refcounting::Biased && may_live_untracked(program)) return s;
  // Threads named by a join or by an expect line are distinguishable.
  std::vector<bool> named(n, false);
  named[0] = true;
  for (const FuncInfo& f : program.funcs)
    for (const Op& op : f.code)
      if (op.code == OpCode::Join && op.a < n) named[op.a] = true;
  for (const Expectation& x : program.expects)
    if (x.kind == ExpectKind::OnThread && x.thread < n) named[x.thread] = true;
  for (size_t t = 1; t < n; ++t) {
    if (named[t]) continue;
    for (size_t u = 1; u < t; ++u) {
      if (named[u] || s.class_of[u] != u) continue;
      if (same_body(program, program.threads[t].body, program.threads[u].body)) {
        s.class_of[t] = static_cast<uint8_t>(u);
        s.func_rep[program.threads[t].body] = program.threads[u].body;
        s.any = true;
        break;
      }
    }
  }
  for (size_t c = 1; c < n; ++c) {
    std::vector<ThreadId> members;
    for (size_t t = 1; t < n; ++t)
      if (s.class_of[t] == c) members.push_back(static_cast<ThreadId>(t));
    if (members.size() >= 2) s.classes.push_back(std::move(members));
  }
  s.sites.resize(n);
  for (const std::vector<ThreadId>& members : s.classes)
    for (ThreadId t : members)
      for (const Op& op : program.funcs[program.threads[t].body].code)
        if (const uint16_t site = warm_site(op); site != kNoAppendSite) {
          s.sites[t].push_back(site);
          s.any_sites = true;
        }
  return s;
}

}  // namespace lifecheck::model
