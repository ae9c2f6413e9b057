// Lowering of the statement trees to bytecode, with CPython's eval-breaker
// checks where CPython has them (SEMANTICS.md G3, T1): at every function
// entry (RESUME) and after every call of C code (CALL ... CHECK_EVAL_BREAKER).
// Straight-line code without calls (stores, del, attribute access,
// container literals, comparisons, `if`) has none: the GIL never changes
// hands there and a collection an allocation scheduled waits for the next
// check. emit-python places its scheduling hooks by the same rules.
#pragma once

#include "model/Program.h"

namespace lifecheck::model {

// Fills FuncInfo::code of every function from its statements.
void generate_code(Program& program);

// Whether evaluating the expression ends with an eval-breaker check (a
// call of C code: a class, weakref.ref, w(), gc.is_tracked, ...).
bool checks_after(const ExprNode& e);
// Whether the statement, besides its expressions, has a check: a call
// such as log(), gc.collect(), gc.enable(), T.join().
bool statement_checks(const Statement& s);
// PT4: whether a call `f(...)` gets the check a call of a functools.partial
// has (skipped at run time after a Python function's call): in a scenario
// that makes partials, for a callee the emitted script can evaluate again
// without effect (a name, or attributes of one).
bool partial_check_after(const Program& p, const ExprNode& call);

// The event a body reports on entry, after its first check: what the
// emitted script logs on the first line of each function, by its kind and
// parameters ("del L", "callback L", "gc PHASE"). A legacy tp_del reports
// nothing: only tp_finalize's call is observed (R1.8).
enum class EntryEvent : uint8_t {
  None,
  Del,             // a finalizer: "del " + self
  Callback,        // a function of one parameter: "callback " + the weakref
  MethodCallback,  // a method of two parameters: "callback " + the weakref
  GcCallback,      // a function of two parameters: "gc " + the phase
};
EntryEvent entry_event(const Program& p, FuncId fn);

// FN13a: whether a class call site of `type` specializes once it has run
// (CALL_ALLOC_AND_ENTER_INIT), per the profile (model/FunctionCalls.cpp)
bool init_call_specializes(const Program& p, uint16_t type);

// FN14, FN15: the attribute of the method's name (`name`) that a LoadMethod
// or BoundMethod op reads in the instance dict, or kNoMethodField
// (model/MethodCalls.cpp)
uint16_t method_field(const Program& p, StrId name);

// Whether `name` is a method of a list, dict, set, deque, generator, lock
// or weakref.finalize (model/MethodCalls.cpp)
bool builtin_method_name(const std::string& name);

// SU3: the function a lookup of `name` past class `cls` finds in its base
// chain (__init__, __del__ or a method), or kNoFunc (model/Super.cpp)
FuncId super_lookup(const Program& p, ClassId cls, StrId name);
// SU5: whether that lookup finds object.__init__ (no class past `cls`
// defines __init__, and the chain ends at object)
bool super_finds_object_init(const Program& p, ClassId cls, StrId name);

}  // namespace lifecheck::model
