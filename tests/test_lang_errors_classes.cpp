// LangErrors cases (classes, methods, C types, attribute slots, weakref.proxy and C.__del__):
// malformed scenarios rejected at the offending token; test_lang_errors.cpp runs them all.
#include "LangErrorCases.h"

namespace lifecheck::testing {

std::vector<BadScenario> lang_error_cases_classes() {
  return {
      // Only a C type with Py_TPFLAGS_BASETYPE can be subclassed.
      {"SubclassOfANonBaseType",
       "ctype Base:\n    flags: gc, heaptype\nclass Sub(Base):\n    pass\n", 3, 11,
       "'Base' is not an acceptable base type: its flags lack 'basetype'"},
      // Classes and methods.
      {"DelWithTwoParameters",
       "class A:\n"
       "    def __del__(self, other):\n"
       "        pass\n",
       2, 23, "__del__ takes exactly one parameter"},
      {"DelWithoutParameters",
       "class A:\n"
       "    def __del__():\n"
       "        pass\n",
       2, 5, "needs 'self' as its first parameter"},
      {"MethodFirstParamNotSelf",
       "class A:\n"
       "    def m(this, wr):\n"
       "        pass\n",
       2, 11, "the first parameter of method 'm' must be 'self'"},
      {"SpecialMethodRepr",
       "class A:\n"
       "    def __repr__(self):\n"
       "        pass\n",
       2, 5,
       "special method '__repr__' is not modelled; only __del__, __init__, __enter__ and __exit__ "
       "are"},
      {"InitOfAListSubclass",
       "class L(list):\n"
       "    def __init__(self):\n"
       "        pass\n",
       2, 5, "__init__ is modelled for classes whose bases end at object only"},
      {"InitUnknownKeyword",
       "class A:\n"
       "    def __init__(self, x):\n"
       "        pass\n"
       "a = A(y=1)\n",
       4, 9, "A() has no parameter 'y'"},
      {"InitKeywordBindsSelf",
       "class A:\n"
       "    def __init__(self, x):\n"
       "        pass\n"
       "a = A(self=1)\n",
       4, 12, "A() gets two values for parameter 'self'"},
      {"InitKeywordRepeatsPositional",
       "class A:\n"
       "    def __init__(self, x, y):\n"
       "        pass\n"
       "a = A(1, x=2)\n",
       4, 12, "A() gets two values for parameter 'x'"},
      {"MethodDefinedTwice",
       "class A:\n"
       "    def m(self, wr):\n"
       "        pass\n"
       "    def m(self, wr):\n"
       "        pass\n",
       4, 5, "method 'm' defined twice"},
      {"UnknownBaseClass",
       "class B(Nowhere):\n"
       "    pass\n",
       1, 9, "unknown base class 'Nowhere'"},
      {"StatementInClassBody",
       "class A:\n"
       "    log(1)\n",
       2, 5, "expected 'def', 'pass' or 'NAME = value' in a class body"},
      {"MethodOnClassHeaderLine", "class A: def m(self): pass\n", 1, 10,
       "'def' must start its own line"},
      {"DuplicateParameter",
       "def f(a, a):\n"
       "    pass\n",
       1, 10, "duplicate parameter 'a'"},
      // weakref.proxy (Proxies.cpp) and C.__del__ (ClassDel.cpp)
      {"ProxyNoArguments", "p = weakref.proxy()\n", 1, 13,
       "weakref.proxy() takes a referent and an optional callback"},
      {"ProxyOfFunction",
       "def f(w):\n"
       "    pass\n"
       "p = weakref.proxy(f)\n",
       3, 19, "a proxy of a function (weakref.CallableProxyType) is not modelled"},
      {"ProxyCalled",
       "class A:\n"
       "    pass\n"
       "a = A()\n"
       "p = weakref.proxy(a)\n"
       "x = p()\n",
       5, 5, "'p' holds a weakref.proxy, which is not callable"},
      {"ProxyCallbackArity",
       "class A:\n"
       "    pass\n"
       "def cb(a, b):\n"
       "    pass\n"
       "a = A()\n"
       "p = weakref.proxy(a, cb)\n",
       6, 22, "a weakref callback takes one parameter (the weakref)"},
      {"ClassDelNotAFunction",
       "class A:\n"
       "    pass\n"
       "A.__del__ = 1\n",
       3, 13, "'A.__del__' must be set to a module-level function"},
      {"ClassDelArity",
       "class A:\n"
       "    pass\n"
       "def f(a, b):\n"
       "    pass\n"
       "A.__del__ = f\n",
       5, 13, "a __del__ takes one parameter (self); 'f' takes 2 parameters"},
      {"ClassDelOnCType",
       "ctype B:\n"
       "    fields: data\n"
       "del B.__del__\n",
       3, 5, "'B' is a C type: its tp_finalize is fixed"},
      {"LogWithoutArguments", "log()\n", 1, 1, "log() needs at least one argument"},
      // Attribute slots: at most kMaxFields (8) names, none shared with a method.
      {"TooManyAttributeNames",
       "class A:\n"
       "    pass\n"
       "a = A()\n"
       "a.f1 = 1\n"
       "a.f2 = 2\n"
       "a.f3 = 3\n"
       "a.f4 = 4\n"
       "a.f5 = 5\n"
       "a.f6 = 6\n"
       "a.f7 = 7\n"
       "a.f8 = 8\n"
       "a.f9 = 9\n",
       12, 3, "too many distinct attribute names (at most 8"},
  };
}

}  // namespace lifecheck::testing
