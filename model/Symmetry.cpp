#include "model/Symmetry.h"

#include <cstring>

#include "model/CodeGen.h"

namespace lifecheck::model {

namespace {

// Two bodies are the same code when their bytecode is the same, op for op.
bool same_body(const Program& p, FuncId fa, FuncId fb) {
  const FuncInfo& a = p.funcs[fa];
  const FuncInfo& b = p.funcs[fb];
  if (a.nlocals != b.nlocals || a.nparams != b.nparams || a.code.size() != b.code.size() ||
      a.frame_slot != b.frame_slot || a.handlers.size() != b.handlers.size())
    return false;
  // The exception table: the same ops can be protected differently
  // (`try: A; B except: H` and `try: A except: H else: B`).
  for (size_t i = 0; i < a.handlers.size(); ++i) {
    const ExceptionHandler& x = a.handlers[i];
    const ExceptionHandler& y = b.handlers[i];
    if (x.start != y.start || x.end != y.end || x.target != y.target || x.depth != y.depth)
      return false;
  }
  for (size_t i = 0; i < a.code.size(); ++i) {
    const Op& x = a.code[i];
    const Op& y = b.code[i];
    if (x.code != y.code || x.a != y.a || x.b != y.b || x.label != y.label || x.str != y.str ||
        !(x.value == y.value))
      return false;
    // FN12: the keyword names (an index per call), compared by name
    if ((x.keywords == 0) != (y.keywords == 0) ||
        (x.keywords && p.call_keywords[x.keywords - 1u] != p.call_keywords[y.keywords - 1u]))
      return false;
    // FN13a: a specializing class call site (State::warm) is per op: two
    // bodies that warm different sites are not interchangeable (a decoded
    // state runs func_rep's body, so its sites)
    if (x.site != y.site && !x.keywords && init_call_specializes(p, x.a)) return false;
  }
  return true;
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
  return s;
}

}  // namespace lifecheck::model
