// LangErrors cases (callbacks, assignment and del targets, calls, sys.getrefcount and functions as
// objects): malformed scenarios rejected at the offending token; test_lang_errors.cpp runs them
// all.
#include "LangErrorCases.h"

namespace lifecheck::testing {

std::vector<BadScenario> lang_error_cases_calls() {
  return {
      // Callbacks: weakref callbacks take (wr) or (self, wr), gc callbacks
      // (phase, info).
      {"WeakrefCallbackWrongArity",
       "class A:\n"
       "    pass\n"
       "def cb():\n"
       "    pass\n"
       "a = A()\n"
       "w = weakref.ref(a, cb)\n",
       6, 20, "a weakref callback takes one parameter (the weakref); 'cb' takes 0"},
      {"WeakrefMethodCallbackWrongArity",
       "class A:\n"
       "    def gone(self):\n"
       "        pass\n"
       "a = A()\n"
       "w = weakref.ref(a, a.gone)\n",
       5, 22, "takes (self, wr)"},
      {"WeakrefCallbackIsObject",
       "class A:\n"
       "    pass\n"
       "a = A()\n"
       "b = A()\n"
       "w = weakref.ref(a, b)\n",
       5, 20, "which is not callable"},
      {"GcCallbackWrongArity",
       "def on_gc(phase):\n"
       "    pass\n"
       "gc.callbacks.append(on_gc)\n",
       3, 21, "a gc callback takes two parameters (phase, info); 'on_gc' takes 1"},
      {"GcCallbacksAppendNonFunction", "gc.callbacks.append(5)\n", 1, 21,
       "gc.callbacks holds functions; pass a def's name, a lambda or a variable"},
      {"GcCallbacksAppendClass",
       "class A:\n"
       "    pass\n"
       "gc.callbacks.append(A)\n",
       3, 21, "gc.callbacks holds functions; pass a def's name, a lambda or a variable"},
      {"GcCallbacksUnknownMethod", "gc.callbacks.clear()\n", 1, 14,
       "supports append() and remove()"},
      // Assignment and del targets.
      {"AssignToClassName",
       "class A:\n"
       "    pass\n"
       "A = 1\n",
       3, 1, "cannot assign to 'A': it is a class"},
      {"AssignToClassNameInFunction",
       "class A:\n"
       "    pass\n"
       "def f(wr):\n"
       "    A = 1\n",
       4, 5, "cannot assign to 'A': it names a class"},
      {"AssignToThreadName",
       "thread T1:\n"
       "    pass\n"
       "T1 = 1\n",
       3, 1, "cannot assign to 'T1': it is a thread"},
      {"AssignToModuleName", "gc = 1\n", 1, 1, "reserved name 'gc'"},
      {"DelClassName",
       "class A:\n"
       "    pass\n"
       "del A\n",
       3, 5, "'A': it is a class"},
      {"DelLiteral", "del 5\n", 1, 5, "'del' needs a name, an attribute or an item"},
      {"ChainedAssignment", "a = b = 1\n", 1, 7, "chained assignment is not supported"},
      {"AssignToCall",
       "class A:\n"
       "    pass\n"
       "A() = 1\n",
       3, 5, "cannot assign to this expression"},
      {"GlobalAtModuleLevel", "global x\n", 1, 1, "'global' at module level has no effect"},
      {"ParameterAndGlobal",
       "def f(x):\n"
       "    global x\n",
       1, 7, "parameter and global"},
      // Calls. A call's location is its callee's; an attribute's is the name
      // after the dot, so 'gc.collect()' errors point at 'collect'.
      {"CallClassWithArguments",
       "class A:\n"
       "    pass\n"
       "a = A(1)\n",
       3, 7, "'A()' takes 0 arguments, not 1 (it has no __init__)"},
      {"CallFunctionWrongArity",
       "def cb(wr):\n"
       "    pass\n"
       "cb()\n",
       3, 1, "'cb' takes 1 parameter, not 0"},
      {"MethodOfAnInt",  // FN14: only objects have methods
       "class A:\n"
       "    def m(self):\n"
       "        pass\n"
       "x = 1\n"
       "x.m()\n",
       5, 1, "'x' holds an int, which has no attribute 'm'"},
      {"SlotNamedLikeItsMethod",  // FN15: type_new's ValueError
       "class A:\n"
       "    __slots__ = (\"m\",)\n"
       "    def m(self):\n"
       "        pass\n",
       2, 5, "'m' in __slots__ conflicts with class variable"},
      {"WeakrefStoredUnderAMethodName",  // FN15: its call would be C code
       "class A:\n"
       "    def m(self):\n"
       "        pass\n"
       "a = A()\n"
       "a.m = weakref.ref(a)\n",
       5, 15, "as the attribute 'm', a method's name too, is not modelled"},
      {"CallInstance",
       "class A:\n"
       "    pass\n"
       "a = A()\n"
       "x = a()\n",
       4, 5, "which is not callable; only weakrefs are"},
      {"CallThread",
       "thread T1:\n"
       "    pass\n"
       "thread main:\n"
       "    T1()\n",
       4, 5, "a thread is not callable"},
      {"CallWeakrefWithArgument",
       "class A:\n"
       "    pass\n"
       "a = A()\n"
       "w = weakref.ref(a)\n"
       "x = w(1)\n",
       5, 7, "calling a weakref takes no arguments"},
      {"UnknownMethodWithArgument",
       "a = [1]\n"
       "a.extend([2])\n",
       2, 3, "'.extend()' is not a method the scenario language knows"},
      {"MethodWrongArity",
       "a = [1]\n"
       "a.append(1, 2)\n",
       2, 3, "'.append()' does not take 2 arguments"},
      {"SetWithArgument", "s = set([1])\n", 1, 9, "set() takes no arguments here"},
      {"DequeTwoArguments", "q = collections.deque([1], 2)\n", 1, 28,
       "collections.deque() takes at most one list"},
      {"SliceAssignment",
       "a = [1, 2]\n"
       "a[0:1] = None\n",
       2, 3, "assigning to a slice is not supported"},
      {"SlotsNotStrings",
       "class A:\n"
       "    __slots__ = (1,)\n",
       2, 18, "__slots__ must be a tuple or list of attribute names"},
      {"SlotsTwice",
       "class A:\n"
       "    __slots__ = (\"a\", \"a\")\n",
       2, 23, "'a' is in __slots__ twice"},
      {"SlotsPrivateName",
       "class A:\n"
       "    __slots__ = (\"__x\",)\n",
       2, 18, "private names in __slots__ are not modelled"},
      {"SlotsSecondLine",
       "class A:\n"
       "    __slots__ = ()\n"
       "    __slots__ = ()\n",
       3, 5, "a second '__slots__' line"},
      {"SlotsOnListSubclass",
       "class A(list):\n"
       "    __slots__ = ()\n",
       2, 5, "__slots__ are supported on plain classes only"},
      {"TooManySetItems", "s = {1, 2, 3, 4, 5, 6, 7, 8, 9}\n", 1, 30,
       "at most 8 items in a container"},
      {"CollectionsUnknown", "x = collections.Counter()\n", 1, 17,
       "'collections.Counter()' is not part of the scenario language"},
      {"CollectInsideLog", "log(gc.collect())\n", 1, 8,
       "gc.collect() must be a statement of its own"},
      {"CollectAssignedToAttribute",
       "class A:\n"
       "    pass\n"
       "x = A()\n"
       "x.f = gc.collect()\n",
       4, 10, "gc.collect() may only be assigned to a variable"},
      {"CollectInCondition",
       "if gc.collect():\n"
       "    pass\n",
       1, 7, "gc.collect() must be a statement of its own"},
      {"CollectGeneration5", "gc.collect(5)\n", 1, 12, "must be 0, 1 or 2"},
      {"CollectTwoArguments", "gc.collect(1, 2)\n", 1, 4,
       "gc.collect() takes at most one argument"},
      {"WeakrefRefNoArguments", "w = weakref.ref()\n", 1, 13,
       "weakref.ref() takes a referent and an optional callback"},
      {"WeakrefRefThreeArguments",
       "class A:\n"
       "    pass\n"
       "a = A()\n"
       "w = weakref.ref(a, None, None)\n",
       4, 13, "weakref.ref() takes a referent and an optional callback"},
      {"UnknownGcFunction", "gc.get_objects()\n", 1, 4,
       "'gc.get_objects()' is not part of the scenario language"},
      {"FreezeWithArgument", "gc.freeze(1)\n", 1, 11, "gc.freeze() takes no arguments"},
      {"GcEnableWithArgument", "gc.enable(1)\n", 1, 11, "gc.enable() takes no arguments"},
      // sys.getrefcount (GcModule.cpp)
      {"GetRefcountNoArgument", "log(sys.getrefcount())\n", 1, 9,
       "sys.getrefcount() takes exactly one argument"},
      {"GetRefcountTwoArguments", "log(sys.getrefcount(1, 2))\n", 1, 9,
       "sys.getrefcount() takes exactly one argument"},
      {"UnknownSysFunction", "log(sys.intern('a'))\n", 1, 9,
       "'sys.intern()' is not part of the scenario language"},
      {"SetDebugOtherFlag", "gc.set_debug(gc.DEBUG_LEAK)\n", 1, 17,
       "gc.set_debug() takes gc.DEBUG_SAVEALL or 0 here"},
      {"SetDebugNoArgument", "gc.set_debug()\n", 1, 4, "gc.set_debug() takes one argument"},
      {"GcGarbageAsAValue", "x = gc.garbage\n", 1, 8, "gc.garbage is read with len(gc.garbage)"},
      {"GcGarbageItemStored", "gc.garbage[0] = 1\n", 1, 4,
       "gc.garbage is read with len(gc.garbage)"},
      {"GcGarbageAppend", "gc.garbage.append(1)\n", 1, 12, "gc.garbage has clear() only"},
      {"GcGarbageClearArgument", "gc.garbage.clear(1)\n", 1, 18,
       "gc.garbage.clear() takes no arguments"},
      {"SysAsVariable", "sys = 1\n", 1, 1, "cannot assign to the reserved name 'sys'"},
      // Functions as objects (issue 12 point 6): nested defs, lambdas,
      // types.ModuleType.
      {"NestedDefYields",
       "def f(wr):\n"
       "    def g():\n"
       "        yield 1\n",
       3, 9, "a nested def cannot be a generator function"},
      {"LambdaCallbackWrongArity",
       "class A: pass\n"
       "a = A()\n"
       "w = weakref.ref(a, lambda: log(\"x\"))\n",
       3, 20, "a weakref callback takes one parameter (the weakref); this lambda takes 0"},
      {"LambdaFinalizeWrongArity",
       "class A: pass\n"
       "a = A()\n"
       "f = weakref.finalize(a, lambda x: log(\"x\"))\n",
       3, 25, "weakref.finalize() passes 0 arguments to this lambda, which takes 1 parameter"},
      {"LambdaDuplicateParameter", "x = lambda a, a: None\n", 1, 15, "duplicate parameter 'a'"},
      {"LambdaWithoutColon", "x = lambda wr log(1)\n", 1, 15, "expected ',' between parameters"},
      {"LambdaGcCallbackWrongArity", "gc.callbacks.append(lambda p: log(p))\n", 1, 21,
       "a gc callback takes two parameters (phase, info); this lambda takes 1"},
      // Functions as objects, second part (FN7-FN10): defaults, return,
      // nonlocal, calls
      {"NonlocalAtModuleLevel", "nonlocal x\nx = 1\n", 1, 1,
       "nonlocal declaration not allowed at module level"},
      {"NonlocalWithoutBinding",
       "thread T1:\n"
       "    def g():\n"
       "        nonlocal q\n"
       "        q = 1\n",
       3, 9, "no binding for nonlocal 'q' found"},
      {"NonlocalInThread", "thread T1:\n    nonlocal x\n    x = 1\n", 2, 5,
       "no binding for nonlocal 'x' found"},
      {"NonlocalParameter",
       "thread T1:\n"
       "    x = 1\n"
       "    def g(x):\n"
       "        nonlocal x\n",
       4, 9, "name 'x' is parameter and nonlocal"},
      {"NonlocalAndGlobal",
       "thread T1:\n"
       "    x = 1\n"
       "    def g():\n"
       "        global x\n"
       "        nonlocal x\n",
       5, 9, "name 'x' is nonlocal and global"},
      {"ReturnInThread", "thread T1:\n    return\n", 2, 5,
       "'return' is not supported in a thread body"},
      {"ReturnInGenerator", "def g():\n    yield 1\n    return\n", 3, 5,
       "'return' in a generator function is not supported"},
      {"ReturnInsideTryInThread",  // a try around it changes nothing (FN8a)
       "thread T1:\n"
       "    try:\n"
       "        return\n"
       "    finally:\n"
       "        pass\n",
       3, 9, "'return' is not supported in a thread body"},
      {"ReturnInsideExceptInGenerator",
       "def g():\n"
       "    try:\n"
       "        yield 1\n"
       "    except ValueError:\n"
       "        return\n",
       5, 9, "'return' in a generator function is not supported"},
      {"DefaultBeforeParameterWithout", "x = lambda a=1, b: None\n", 1, 17,
       "parameter 'b' without a default follows one with a default"},
      {"DefaultOnMethod",
       "class A:\n"
       "    def m(self, x=1):\n"
       "        pass\n",
       2, 19, "default values are only supported on a nested def or a lambda"},
      {"CallingAList", "x = [1]\ny = x(1)\n", 2, 5, "'x' holds a list, which is not callable"},
      {"ModuleTypeWithoutName", "m = types.ModuleType()\n", 1, 11,
       "types.ModuleType() takes the module's name, a string"},
      {"ModuleTypeNameNotAString", "m = types.ModuleType(1)\n", 1, 11,
       "types.ModuleType() takes the module's name, a string"},
      {"NestedClassInFunction",
       "def f(wr):\n"
       "    class B:\n"
       "        pass\n",
       2, 5, "'class' is only allowed at the top level"},
      {"NestedThreadInThread",
       "thread T1:\n"
       "    thread T2:\n"
       "        pass\n",
       2, 5, "'thread' is only allowed at the top level"},
      // FN11, FN12 (lang, fourth session): module-level defs as objects,
      // keyword arguments.
      {"DelModuleDefWithoutGlobal", "def f():\n    pass\nthread T1:\n    del f\n", 4, 9,
       "'f' is a module-level def: declare 'global f'"},
      {"KeywordInABuiltinCall", "x = [1]\nlog(len(x), sep=1)\n", 2, 17,
       "keyword arguments are supported only in calls of functions"},
  };
}

}  // namespace lifecheck::testing
