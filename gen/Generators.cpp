// rapidcheck generators of ScenarioSpec (include/lifecheck/generators.h).
// Everything is built from rapidcheck's own combinators, so shrinking
// removes statements, threads and types and lowers indices by itself.
#include "lifecheck/generators.h"

#include <algorithm>

namespace lifecheck::gen {

namespace {

// The newer statements (GenConfig::language), drawn a third of the time;
// oneOf shrinks towards its first generator, the older statements.
rc::Gen<Op> with_language(rc::Gen<Op> older, bool language) {
  if (!language) return older;
  auto newer = rc::gen::weightedElement<Op>(
      {{2, Op::TryExcept},  {1, Op::TryFinally}, {4, Op::GenNew},    {4, Op::GenNext},
       {2, Op::GenClose},   {3, Op::GenDrop},    {2, Op::GenLink},   {1, Op::Refcount},
       {1, Op::IsTracked},  {1, Op::Freeze},     {1, Op::SaveAll},   {4, Op::FuncNew},
       {3, Op::FuncCall},   {2, Op::FuncDrop},   {2, Op::FuncLink},  {2, Op::FuncAttr},
       {3, Op::ProxyNew},   {2, Op::ProxyUse},   {1, Op::ProxyDrop}, {2, Op::ListNew},
       {4, Op::ListAppend}, {2, Op::ListPop},    {1, Op::ListClear}, {2, Op::ListLink},
       {2, Op::ListIter}});
  return rc::gen::weightedOneOf<Op>({{2, older}, {1, newer}});
}

// Simpler statements first (rapidcheck shrinks an element towards the
// front of the list), weighted towards those that build and break the heap.
rc::Gen<Op> plain_op(bool language) {
  return with_language(rc::gen::weightedElement<Op>({{1, Op::Log},
                                                     {3, Op::Drop},
                                                     {2, Op::Collect},
                                                     {4, Op::New},
                                                     {1, Op::Unlink},
                                                     {4, Op::Link},
                                                     {3, Op::Weakref},
                                                     {1, Op::Deref},
                                                     {1, Op::Resurrect},
                                                     {2, Op::Hold},
                                                     {1, Op::Release},
                                                     {2, Op::FieldWeakref},
                                                     {1, Op::Finalize}}),
                       language);
}
// atexit (GenConfig::exits), drawn a sixth of the time outside finalizers.
rc::Gen<Op> with_exits(rc::Gen<Op> others, bool exits) {
  if (!exits) return others;
  auto atexit = rc::gen::weightedElement<Op>({{3, Op::AtexitRegister}, {1, Op::AtexitUnregister}});
  return rc::gen::weightedOneOf<Op>({{5, others}, {1, atexit}});
}
// while loops (GenConfig::loops), drawn a sixth of the time.
rc::Gen<Op> with_loops(rc::Gen<Op> others, bool loops) {
  if (!loops) return others;
  auto loop =
      rc::gen::weightedElement<Op>({{2, Op::WhileBreak}, {2, Op::WhileDrain}, {3, Op::WhileSpin}});
  return rc::gen::weightedOneOf<Op>({{5, others}, {1, loop}});
}
// Locks (GenConfig::locks), drawn a seventh of the time in module code
// and threads and a quarter of the time in finalizers and callbacks (a
// finalizer that takes a lock the code it interrupts holds is the case
// that matters); a `with` block first, what the others shrink to.
rc::Gen<Op> with_locks(rc::Gen<Op> others, bool locks, bool in_finalizer) {
  if (!locks) return others;
  auto lock = rc::gen::weightedElement<Op>({{4, Op::LockWith},
                                            {2, Op::LockPair},
                                            {2, Op::LockTry},
                                            {1, Op::LockAcquire},
                                            {1, Op::LockRelease},
                                            {1, Op::LockLocked},
                                            {1, Op::LockLink}});
  return rc::gen::weightedOneOf<Op>({{in_finalizer ? 3 : 6, others}, {1, lock}});
}
rc::Gen<Op> finalizer_op(bool language) {
  return with_language(rc::gen::weightedElement<Op>({{1, Op::Log},
                                                     {3, Op::Drop},
                                                     {2, Op::Collect},
                                                     {3, Op::New},
                                                     {1, Op::Unlink},
                                                     {3, Op::Link},
                                                     {2, Op::Weakref},
                                                     {1, Op::Deref},
                                                     {2, Op::Resurrect},
                                                     {1, Op::ClearSelf},
                                                     {3, Op::SelfLink},
                                                     {1, Op::Hold},
                                                     {1, Op::Release},
                                                     {2, Op::WeakrefSelf},
                                                     {1, Op::FieldWeakref},
                                                     {1, Op::Raise}}),
                       language);
}

// How many of something at the current size: 0 or 1 at the smallest, up
// to `max` from size 30 on.
int scaled(int size, int max, int at_least = 0) {
  return std::clamp(at_least + size * max / 30, at_least, std::max(at_least, max));
}

// A vector of up to `count` elements from `gen`. rapidcheck draws a
// container's length from the size, so the length is bounded by resizing
// it; each element is then made at the caller's size again.
template <class T>
rc::Gen<std::vector<T>> up_to(int count, int size, rc::Gen<T> gen) {
  return rc::gen::resize(count, rc::gen::container<std::vector<T>>(rc::gen::resize(size, gen)));
}

}  // namespace

rc::Gen<Action> action(bool in_finalizer, bool language, bool exits, bool loops, bool locks);
rc::Gen<std::vector<Action>> body(int max, bool in_finalizer, bool language, bool exits, bool loops,
                                  bool locks);

namespace {

// An index into globals, fields or callbacks. rapidcheck scales inRange by
// the size, and a body's statements are made at a small size (the size
// bounds its length), so the index is drawn at full size.
rc::Gen<uint8_t> index() { return rc::gen::resize(100, rc::gen::inRange<uint8_t>(0, 4)); }

// Module code: an object for each of the first globals (shrinkable to
// fewer), then statements.
rc::Gen<std::vector<Action>> module_code(const GenConfig& config) {
  auto object = rc::gen::build<Action>(rc::gen::set(&Action::op, rc::gen::just(Op::New)),
                                       rc::gen::set(&Action::b, index()));
  auto objects = rc::gen::withSize([=](int size) {
    return rc::gen::nonEmpty(up_to(std::max(1, config.max_globals), size, object));
  });
  auto statements =
      body(config.max_body + 2, false, config.language, config.exits, config.loops, config.locks);
  auto numbered = [](std::pair<std::vector<Action>, std::vector<Action>> parts) {
    for (size_t i = 0; i < parts.first.size(); ++i) parts.first[i].a = static_cast<uint8_t>(i);
    parts.first.insert(parts.first.end(), parts.second.begin(), parts.second.end());
    return parts.first;
  };
  return rc::gen::map(rc::gen::pair(objects, statements), numbered);
}

}  // namespace

rc::Gen<Action> action(bool in_finalizer, bool language, bool exits, bool loops, bool locks) {
  return rc::gen::build<Action>(
      rc::gen::set(&Action::op,
                   with_locks(with_loops(in_finalizer ? finalizer_op(language)
                                                      : with_exits(plain_op(language), exits),
                                         loops),
                              locks, in_finalizer)),
      rc::gen::set(&Action::a, index()), rc::gen::set(&Action::b, index()),
      rc::gen::set(&Action::c, index()));
}

rc::Gen<std::vector<Action>> body(int max, bool in_finalizer, bool language, bool exits, bool loops,
                                  bool locks) {
  return rc::gen::withSize([=](int size) {
    return up_to(scaled(size, max, 1), size, action(in_finalizer, language, exits, loops, locks));
  });
}

rc::Gen<ClassSpec> python_class(const GenConfig& config) {
  if (!config.finalizers) return rc::gen::just(ClassSpec{});
  return rc::gen::build<ClassSpec>(
      rc::gen::set(&ClassSpec::has_del),
      rc::gen::set(&ClassSpec::del_body, body(config.max_body, true, config.language, false,
                                              config.loops, config.locks)));
}

rc::Gen<CTypeSpec> c_type(const GenConfig& config) {
  const bool finalizers = config.finalizers;
  const bool broken = config.broken_ctypes;
  const int max_body = config.max_body;
  const bool language = config.language;
  const bool loops = config.loops;
  const bool locks = config.locks;
  // 0: no finalizer, 1: tp_finalize, 2: a legacy tp_del
  return rc::gen::mapcat(
      finalizers ? rc::gen::weightedElement<int>({{2, 0}, {3, 1}, {1, 2}}) : rc::gen::just(0),
      [=](int finalizer) {
        const bool has_finalize = finalizer != 0, legacy = finalizer == 2;
        // index 0 is the recommended template (the default dealloc line)
        std::vector<std::vector<std::string>> deallocs{{}};
        if (broken)
          for (auto& v : dealloc_variants(has_finalize, legacy)) deallocs.push_back(std::move(v));
        return rc::gen::build<CTypeSpec>(
            rc::gen::set(&CTypeSpec::dealloc, rc::gen::elementOf(deallocs)),
            rc::gen::set(&CTypeSpec::has_finalize, rc::gen::just(has_finalize)),
            rc::gen::set(&CTypeSpec::legacy, rc::gen::just(legacy)),
            rc::gen::set(&CTypeSpec::finalize_body,
                         has_finalize ? body(max_body, true, language, false, loops, locks)
                                      : rc::gen::just(std::vector<Action>{})));
      });
}

rc::Gen<ScenarioSpec> scenario(const GenConfig& config) {
  return rc::gen::withSize([config](int size) {
    auto some = [size](int max, auto gen) { return up_to(scaled(size, max), size, gen); };
    return rc::gen::build<ScenarioSpec>(
        rc::gen::set(&ScenarioSpec::globals,
                     rc::gen::inRange(1, std::max(1, scaled(size, config.max_globals, 1)) + 1)),
        rc::gen::set(&ScenarioSpec::weakrefs,
                     rc::gen::inRange(1, std::max(1, scaled(size, config.max_weakrefs, 1)) + 1)),
        rc::gen::set(&ScenarioSpec::classes,
                     rc::gen::nonEmpty(
                         up_to(scaled(size, config.max_classes, 1), size, python_class(config)))),
        rc::gen::set(&ScenarioSpec::ctypes, some(config.max_ctypes, c_type(config))),
        rc::gen::set(&ScenarioSpec::callbacks,
                     some(config.max_callbacks, body(config.max_body, true, config.language, false,
                                                     config.loops, config.locks))),
        rc::gen::set(&ScenarioSpec::setup, module_code(config)),
        rc::gen::set(&ScenarioSpec::threads,
                     some(config.max_threads, body(config.max_body, false, config.language,
                                                   config.exits, config.loops, config.locks))),
        rc::gen::set(&ScenarioSpec::generators,
                     rc::gen::just(config.language ? std::max(1, config.max_generators) : 0)),
        rc::gen::set(&ScenarioSpec::functions,
                     rc::gen::just(config.language ? std::max(1, config.max_functions) : 0)),
        rc::gen::set(&ScenarioSpec::proxies,
                     rc::gen::just(config.language ? std::max(1, config.max_proxies) : 0)),
        rc::gen::set(
            &ScenarioSpec::containers,
            rc::gen::just(config.language || config.loops ? std::max(1, config.max_containers)
                                                          : 0)),
        rc::gen::set(&ScenarioSpec::atexit, rc::gen::just(config.exits)),
        // Lock shrinks to Lock (false)
        rc::gen::set(&ScenarioSpec::locks,
                     config.locks ? rc::gen::nonEmpty(up_to(std::max(1, config.max_locks), size,
                                                            rc::gen::arbitrary<bool>()))
                                  : rc::gen::just(std::vector<bool>{})),
        rc::gen::set(&ScenarioSpec::shutdown,
                     config.exits ? rc::gen::arbitrary<bool>() : rc::gen::just(false)));
  });
}

}  // namespace lifecheck::gen
