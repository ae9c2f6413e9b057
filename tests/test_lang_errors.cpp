// Malformed scenarios: each one must be rejected by the front end with a
// ScenarioError at the exact line and column of the offending token and a
// recognisable message, before anything reaches the explorer. The CLI tests
// check the same promise end to end: bad input exits 2 and explores nothing.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "TestSupport.h"
#include "lang/Compiler.h"
#include "lang/Diagnostic.h"

namespace lifecheck::testing {
namespace {

struct BadScenario {
  const char* name;  // test name suffix
  const char* text;  // the whole .life file
  int line;          // expected ScenarioError::loc()
  int col;
  const char* message;  // a distinctive substring of what()
};

// gtest prints parameters on failure; show the case name, not raw bytes.
void PrintTo(const BadScenario& c, std::ostream* os) { *os << c.name; }

// Locations are 1-based; columns count bytes from the start of the line.
const std::vector<BadScenario> kBadScenarios = {
    // Only a C type with Py_TPFLAGS_BASETYPE can be subclassed.
    {"SubclassOfANonBaseType", "ctype Base:\n    flags: gc, heaptype\nclass Sub(Base):\n    pass\n",
     3, 11, "'Base' is not an acceptable base type: its flags lack 'basetype'"},
    // Unknown names. `del NAME` binds NAME as in Python, but a name that is
    // deleted and never assigned anywhere is rejected.
    {"DeletedButNeverAssigned", "a = 1\ndel ghost\n", 2, 5,
     "unknown name 'ghost': it is never assigned"},
    {"DeletedButNeverAssignedInThread",
     "thread T1:\n"
     "    del q\n",
     2, 9, "unknown name 'q'"},
    // Directives: a tab after the keyword separates words like a space, so
    // a bad word is still reported; inside a block a directive is an error.
    {"TabAfterDirectiveKeyword", "profile\tnonsense\n", 1, 9, "unknown profile 'nonsense'"},
    {"TabInsideExpectLine", "expect\tfinalize nobody never\n", 1, 17,
     "no object is created with label 'nobody'"},
    {"VerdictInsideFunction",
     "def f(wr):\n"
     "    verdict holds\n",
     2, 5, "'verdict' lines belong at the top level"},
    {"ExpectInsideThread",
     "thread T1:\n"
     "    expect finalize a never\n",
     2, 5, "'expect' lines belong at the top level"},
    {"RuntimeBugInsideClass",
     "class A:\n"
     "    runtime-bug skip-tp-clear\n",
     2, 5, "'runtime-bug' lines belong at the top level"},
    // Python rules the language keeps.
    {"CompoundStatementAfterColon", "a = 1\nif a == 1: if a == 1: log(a)\n", 2, 12,
     "'if' must start its own line"},
    {"AndIsNotSupported", "a = 1\nif a == 1 and a == 2:\n    pass\n", 2, 11,
     "'and' is not supported"},
    {"OrAsAName", "or = 1\n", 1, 1, "'or' is not supported"},
    {"ProfilePatchNotANumber", "profile 3.11.banana\n", 1, 9, "unknown profile '3.11.banana'"},
    {"MainIsReservedForAFunction", "def main(wr):\n    pass\n", 1, 1, "'main' is a reserved name"},
    {"VerdictUnderUnknownProfile", "verdict under P999 holds\n", 1, 15, "unknown profile 'P999'"},
    {"TwoVerdictsForOneProfile", "verdict under 3.11 holds\nverdict under P311 holds\n", 2, 1,
     "a second 'verdict under P311' line"},
    // Literals.
    {"LeadingZeros", "a = 0123\n", 1, 5, "leading zeros"},
    {"NonAsciiName", "\xc3\xa9 = 1\n", 1, 1, "non-ASCII character"},
    {"UnknownNameInSetup", "a = Nod()\n", 1, 5, "unknown name 'Nod'"},
    {"UnknownNameInFunctionBody",
     "def cb(wr):\n"
     "    log(missing)\n",
     2, 9, "unknown name 'missing'"},
    {"UnknownNameInThreadBody",
     "thread T1:\n"
     "    x = y\n",
     2, 9, "unknown name 'y'"},
    {"UnknownNameInDelAttribute", "del ghost.x\n", 1, 5, "unknown name 'ghost'"},
    {"UnknownCallbackName",
     "class A:\n"
     "    pass\n"
     "a = A()\n"
     "w = weakref.ref(a, nocb)\n",
     4, 20, "a weakref callback must be a function name"},
    // Indentation. An indent or unindent is located at the
    // column of its first non-blank character.
    {"UnindentMismatch",
     "class A:\n"
     "    def __del__(self):\n"
     "        pass\n"
     "  x = 1\n",
     4, 3, "unindent does not match"},
    {"UnexpectedIndentAtTopLevel",
     "a = 1\n"
     "    b = 2\n",
     2, 5, "unexpected indent"},
    {"UnexpectedIndentInBlock",
     "def cb(wr):\n"
     "    pass\n"
     "        pass\n",
     3, 9, "unexpected indent"},
    {"TabInIndentation",
     "class A:\n"
     "  \tpass\n",
     2, 3, "tab in indentation"},
    // Attributes of values that are never instances.
    {"AttributeOfNone", "None.x = 1\n", 1, 1, "None has no attribute 'x'"},
    {"AttributeOfIntVariable",
     "n = 5\n"
     "log(n.x)\n",
     2, 5, "'n' holds an int"},
    {"AttributeOfIntLiteral", "log(3.x)\n", 1, 5, "an int has no attribute 'x'"},
    {"AttributeOfClassName",
     "class A:\n"
     "    pass\n"
     "A.x = 1\n",
     3, 1, "class 'A' has no attribute 'x'"},
    // (an attribute of a plain module-level def makes it an object: FN11)
    {"AttributeOfGeneratorFunctionName",
     "def cb():\n"
     "    yield 1\n"
     "cb.x = 1\n",
     3, 1, "'cb' is a generator function: deleting, rebinding or setting attributes"},
    {"AttributeOfThreadName",
     "thread T1:\n"
     "    pass\n"
     "thread T2:\n"
     "    T1.x = 1\n",
     4, 5, "thread 'T1' has no attribute 'x'"},
    {"AttributeOfWeakrefVariable",
     "class A:\n"
     "    pass\n"
     "a = A()\n"
     "w = weakref.ref(a)\n"
     "w.x = 1\n",
     5, 1, "'w' holds a weakref"},
    {"AttributeOfAlwaysNoneVariable",
     "a = None\n"
     "log(a.x)\n",
     2, 5, "'a' is always None"},
    // Thread, class and function names.
    {"DuplicateThreadName",
     "thread T1:\n"
     "    pass\n"
     "thread T1:\n"
     "    pass\n",
     3, 1, "duplicate thread name 'T1'"},
    {"DuplicateMainThread",
     "thread main:\n"
     "    pass\n"
     "thread main:\n"
     "    pass\n",
     3, 1, "duplicate thread name 'main'"},
    {"ClassFunctionNameClash",
     "class A:\n"
     "    pass\n"
     "def A(wr):\n"
     "    pass\n",
     3, 1, "'A' is already defined as a class"},
    {"ClassThreadNameClash",
     "class A:\n"
     "    pass\n"
     "thread A:\n"
     "    pass\n",
     3, 1, "'A' is already defined as a class"},
    {"FunctionThreadNameClash",
     "def f(wr):\n"
     "    pass\n"
     "thread f:\n"
     "    pass\n",
     3, 1, "'f' is already defined as a function"},
    {"ReservedFunctionName",
     "def gc(wr):\n"
     "    pass\n",
     1, 1, "'gc' is a reserved name"},
    {"KeywordAsFunctionName",
     "def if(wr):\n"
     "    pass\n",
     1, 5, "found keyword 'if'"},
    // Blocks without a body: at end of file the error sits on the line after
    // the last one, where the lexer puts its closing tokens.
    {"UnterminatedDefAtEof", "def f(wr):\n", 2, 1,
     "expected an indented block after the function header"},
    {"UnterminatedClassBeforeCode",
     "class C:\n"
     "x = 1\n",
     2, 1, "expected an indented block after the class header"},
    {"UnterminatedIfAtEof",
     "x = 1\n"
     "if x:\n",
     3, 1, "expected an indented block after the 'if' condition"},
    {"UnterminatedIfSameIndent",
     "def f(wr):\n"
     "    if wr:\n"
     "    pass\n",
     3, 5, "expected an indented block after the 'if' condition"},
    {"UnterminatedMethodBeforeDedent",
     "class A:\n"
     "    def __del__(self):\n"
     "x = 1\n",
     3, 1, "expected an indented block after the function header"},
    {"UnterminatedThreadAtEof", "thread T:\n", 2, 1,
     "expected an indented block after the thread header"},
    // Lexical errors.
    {"UnterminatedString", "log(\"abc)\n", 1, 5, "unterminated string literal"},
    {"UnterminatedStringInDirective", "expect log \"abc\n", 1, 12, "unterminated string literal"},
    {"UnmatchedCloseParen", "a = 1)\n", 1, 6, "unmatched ')'"},
    {"UnclosedParen", "log(\"x\", (1)\n", 1, 4, "unclosed bracket"},
    {"MismatchedBracketKinds", "x = (1]\n", 1, 7, "expected ')' to close the parenthesis"},
    {"UnexpectedCharacter", "a = 1 + 2\n", 1, 7, "unexpected character '+'"},
    {"InvalidNumberLiteral", "a = 12abc\n", 1, 5, "invalid number literal"},
    {"IntegerTooLarge", "a = 1234567\n", 1, 5, "integer literal too large"},
    // Directives. A wrong word is located at that word; a wrong shape of the
    // whole line at its keyword.
    {"UnknownProfile", "profile 2.7\n", 1, 9, "unknown profile '2.7'"},
    {"ProfileExtraWords", "profile 3.14 extra\n", 1, 1, "expected 'profile NAME'"},
    {"TwoProfileLines",
     "profile 3.14\n"
     "profile 3.13\n",
     2, 1, "a second 'profile' line (the first is on line 1)"},
    {"UnknownRuntimeBug", "runtime-bug no-such-bug\n", 1, 13, "unknown runtime bug 'no-such-bug'"},
    {"IgnoreUnknownProperty", "ignore P99.9 \"because\"\n", 1, 8, "unknown property 'P99.9'"},
    {"IgnoreWithoutQuotedReason", "ignore P7.1 because\n", 1, 13,
     "expected 'ignore PROPERTY \"reason\"'"},
    {"IgnoreEmptyReason", "ignore P7.1 \"\"\n", 1, 13, "must not be empty"},
    {"TwoVerdictLines",
     "verdict holds\n"
     "verdict holds\n",
     2, 1, "a second 'verdict' line"},
    {"MalformedVerdict", "verdict maybe\n", 1, 1, "expected 'verdict [under PROFILE] holds' or"},
    {"VerdictViolatesWithoutProperty", "verdict violates\n", 1, 1,
     "expected 'verdict [under PROFILE] holds' or"},
    {"VerdictViolatesUnknownProperty", "verdict violates P99\n", 1, 18, "unknown property 'P99'"},
    {"ExpectUnknownLabel",
     "class A:\n"
     "    pass\n"
     "a = A()\n"
     "expect finalize b never\n",
     4, 17, "no object is created with label 'b'"},
    {"ExpectUnknownEvent",
     "class A:\n"
     "    pass\n"
     "a = A()\n"
     "expect explode a never\n",
     4, 8, "unknown event 'explode'"},
    {"ExpectUnknownThread",
     "class A:\n"
     "    pass\n"
     "a = A()\n"
     "expect finalize a on thread T9\n",
     4, 29, "unknown thread 'T9'"},
    {"ExpectTrailingWords",
     "class A:\n"
     "    pass\n"
     "a = A()\n"
     "expect finalize a never please\n",
     4, 25, "unexpected 'please' at the end of the expect line"},
    {"ExpectIncomplete",
     "class A:\n"
     "    pass\n"
     "a = A()\n"
     "expect finalize a\n",
     4, 1, "incomplete expect line"},
    {"ExpectLogUnquoted", "expect log hello once\n", 1, 12,
     "expected a quoted message after 'log'"},
    {"ExpectBadPath",
     "class A:\n"
     "    pass\n"
     "a = A()\n"
     "expect finalize a by magic once\n",
     4, 22, "expected 'gc' or 'refcount' after 'by'"},
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
     2, 5, "special method '__repr__' is not modelled; only __del__ and __init__ are"},
    {"InitOfAListSubclass",
     "class L(list):\n"
     "    def __init__(self):\n"
     "        pass\n",
     2, 5, "__init__ is modelled for classes deriving from object only"},
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
    {"BaseClassNotObject",
     "class A:\n"
     "    pass\n"
     "class B(A):\n"
     "    pass\n",
     3, 9, "a class derives from object, list, dict or a C type"},
    {"UnknownBaseClass",
     "class B(Nowhere):\n"
     "    pass\n",
     1, 9, "unknown base class 'Nowhere'"},
    {"StatementInClassBody",
     "class A:\n"
     "    x = 1\n",
     2, 5, "expected 'def' or 'pass' in a class body"},
    {"MethodOnClassHeaderLine", "class A: def m(self): pass\n", 1, 10,
     "'def' must start its own line"},
    {"DuplicateParameter",
     "def f(a, a):\n"
     "    pass\n",
     1, 10, "duplicate parameter 'a'"},
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
    {"GcCallbacksUnknownMethod", "gc.callbacks.clear()\n", 1, 14, "supports append() and remove()"},
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
    {"CallMethod",
     "class A:\n"
     "    def m(self, wr):\n"
     "        pass\n"
     "a = A()\n"
     "a.m()\n",
     5, 3, "calling methods is not supported"},
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
    {"CollectTwoArguments", "gc.collect(1, 2)\n", 1, 4, "gc.collect() takes at most one argument"},
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
    {"GcGarbageItemStored", "gc.garbage[0] = 1\n", 1, 4, "gc.garbage is read with len(gc.garbage)"},
    {"GcGarbageAppend", "gc.garbage.append(1)\n", 1, 12, "gc.garbage has clear() only"},
    {"GcGarbageClearArgument", "gc.garbage.clear(1)\n", 1, 18,
     "gc.garbage.clear() takes no arguments"},
    {"SysAsVariable", "sys = 1\n", 1, 1, "cannot assign to the reserved name 'sys'"},
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
    // Names used as values.
    {"ClassUsedAsValue",
     "class A:\n"
     "    pass\n"
     "x = A\n",
     3, 5, "class 'A' used as a value"},
    {"ModuleUsedAsValue", "x = gc\n", 1, 5, "module 'gc' used as a value"},
    {"LogAsValue", "x = log(\"a\")\n", 1, 5, "log(...) is a statement"},
    {"SliceOutsideDel",
     "a = [1]\n"
     "log(a[0:1])\n",
     2, 7, "a slice x[i:j] is only supported in 'del x[i:j]'"},
    {"AssertNonStringMessage", "assert True, 5\n", 1, 14, "expected a message string"},
    // Statements outside the language, and misplaced ones.
    {"WhileStatement",
     "while True:\n"
     "    pass\n",
     1, 1, "'while' is not part of the scenario language"},
    {"ReturnInModuleCode", "x = 1\nreturn x\n", 2, 1, "'return' outside function"},
    // try/except/else/finally (issue 12 point 3, X2-X6)
    {"ExceptWithoutTry", "except ValueError:\n    pass\n", 1, 1,
     "'except' without a matching 'try'"},
    {"FinallyWithoutTry", "x = 1\nfinally:\n    pass\n", 2, 1,
     "'finally' without a matching 'try'"},
    {"TryWithoutHandler", "try:\n    pass\nx = 1\n", 3, 1,
     "expected 'except' or 'finally' after the 'try' block, found"},
    {"TryElseWithoutExcept", "try:\n    pass\nelse:\n    pass\n", 3, 1,
     "'else' after 'try' needs an 'except' clause"},
    {"BareExceptNotLast", "try:\n    pass\nexcept:\n    pass\nexcept ValueError:\n    pass\n", 5, 1,
     "a bare 'except:' must be the last except clause"},
    {"BareExceptWithAs", "try:\n    pass\nexcept as e:\n    pass\n", 3, 8,
     "a bare 'except' cannot bind a name with 'as'"},
    {"ExceptAsWithoutName", "try:\n    pass\nexcept ValueError as:\n    pass\n", 3, 21,
     "expected a name after 'as'"},
    {"ExceptNoNames", "try:\n    pass\nexcept ():\n    pass\n", 3, 9,
     "expected an exception name after 'except'"},
    {"ExceptAsBindsAClass",
     "class Node:\n    pass\ntry:\n    pass\nexcept ValueError as Node:\n    pass\n", 5, 22,
     "cannot assign to 'Node'"},
    // Generators (issue 12 point 5, Y1-Y6)
    {"YieldInModuleCode", "x = 1\nyield x\n", 2, 1,
     "'yield' is only supported in a module-level def (not in module code)"},
    {"YieldInThread", "thread T1:\n    yield 1\n", 2, 5,
     "'yield' is only supported in a module-level def (not in a thread body)"},
    {"YieldInMethod", "class A:\n    def __del__(self):\n        yield 1\n", 3, 9,
     "'yield' is only supported in a module-level def (not in a method)"},
    {"DefaultOnModuleLevelDef", "def f(a=1):\n    pass\n", 1, 9,
     "default values are only supported on a nested def or a lambda"},
    {"GeneratorWrongArity", "def g(a):\n    yield a\nx = g()\n", 3, 5,
     "'g' takes 1 parameter, not 0"},
    {"GeneratorAsWeakrefCallback",
     "class A:\n    pass\ndef g(wr):\n    yield wr\na = A()\nw = weakref.ref(a, g)\n", 6, 20,
     "'g' is a generator function: calling it only creates a generator"},
    {"GeneratorAsGcCallback", "def g(phase, info):\n    yield 1\ngc.callbacks.append(g)\n", 3, 21,
     "'g' is a generator function"},
    {"NextWithDefault", "def g():\n    yield 1\nx = g()\ny = next(x, None)\n", 4, 5,
     "next() takes one argument here, a generator (no default)"},
    {"CloseWithArgument", "def g():\n    yield 1\nx = g()\nx.close(1)\n", 4, 9,
     "'.close()' takes no arguments"},
    // Bounded loops (issue 12 point 4): `for NAME in range(N):`, range(A, B)
    {"ForRangeOfAVariable",
     "n = 3\n"
     "for x in range(n):\n"
     "    pass\n",
     2, 16, "range() takes whole numbers here (the loop's bounds), found 'n'"},
    {"ForRangeTooLong",
     "for x in range(65):\n"
     "    pass\n",
     1, 16, "a loop runs at most 64 times, not 65"},
    {"ForRangeThreeArguments",
     "for x in range(1, 3, 1):\n"
     "    pass\n",
     1, 20, "expected ')' after range()'s bound"},
    {"ForRangeStartTooLarge",
     "for x in range(65, 66):\n"
     "    pass\n",
     1, 16, "a loop runs at most 64 times, not 65"},
    // Loops over values (IT1-IT6)
    {"ForOverAnInt",
     "for x in 3:\n"
     "    pass\n",
     1, 10, "cannot iterate over an int: a loop goes over a list, tuple, dict, set, deque"},
    {"ForOverAnIntVariable",
     "n = 3\n"
     "for x in n:\n"
     "    pass\n",
     2, 10, "cannot iterate over an int"},
    {"ForOverAWeakref",
     "class A:\n"
     "    pass\n"
     "a = A()\n"
     "w = weakref.ref(a)\n"
     "for x in w:\n"
     "    pass\n",
     5, 10, "cannot iterate over a weakref"},
    {"ForOverNone",
     "for x in None:\n"
     "    pass\n",
     1, 10, "cannot iterate over None"},
    {"ForOverAString",
     "for c in \"ab\":\n"
     "    pass\n",
     1, 10, "iterating over a string is not part of the scenario language"},
    {"BreakOutsideLoop", "x = 1\nbreak\n", 2, 1, "'break' outside a loop"},
    {"ContinueOutsideLoop", "continue\n", 1, 1, "'continue' outside a loop"},
    {"BreakInDefInLoop",
     "for x in range(2):\n"
     "    def f():\n"
     "        break\n",
     3, 9, "'break' outside a loop"},
    {"BreakInTryInLoop",
     "for x in range(2):\n"
     "    try:\n"
     "        break\n"
     "    finally:\n"
     "        pass\n",
     3, 9, "'break' inside a try in a loop is not part of the scenario language"},
    {"BreakWithValue",
     "for x in range(2):\n"
     "    break 1\n",
     2, 11, "expected end of line"},
    {"ForWithoutIn",
     "for x range(3):\n"
     "    pass\n",
     1, 7, "expected 'in' after the loop variable"},
    {"ForNotAName",
     "for 1 in range(3):\n"
     "    pass\n",
     1, 5, "expected a loop variable after 'for'"},
    {"ForWithoutColon",
     "for x in range(3)\n"
     "    pass\n",
     1, 18, "expected ':' after the 'for' header"},
    {"ForOverAClass",
     "class C:\n"
     "    pass\n"
     "for C in range(3):\n"
     "    pass\n",
     3, 5, "cannot assign to 'C'"},
    {"ImportStatement", "import os\n", 1, 8, "module 'os' is not part of the scenario language"},
    {"MinusWithASpace", "x = - 3\n", 1, 5, "unexpected character '-'"},
    {"MinusBeforeAName", "y = 1\nx = -y\n", 2, 5, "unexpected character '-'"},
    {"NegativeLiteralTooLarge", "x = -1234567\n", 1, 5, "integer literal too large"},
    // from M import N [as A], import M as A
    {"FromImportUnknownModule", "from os import path\n", 1, 6,
     "module 'os' is not part of the scenario language"},
    {"FromImportUnknownName", "from weakref import WeakSet\n", 1, 1,
     "'weakref.WeakSet' is not part of the scenario language"},
    {"FromImportWithoutImport", "from weakref ref\n", 1, 14,
     "expected 'import' after 'from MODULE'"},
    {"FromImportTwice", "from weakref import ref, ref\n", 1, 26, "'ref' is already imported"},
    {"FromImportDotted", "from os.path import join\n", 1, 8, "only one module"},
    {"ImportAliasDeleted", "import weakref as w\ndel w\n", 2, 5,
     "'w' names the imported module weakref and cannot be deleted here"},
    {"ImportedNameAssigned", "from weakref import proxy as p\np = 1\n", 2, 1,
     "'p' names the imported weakref.proxy and cannot be assigned here"},
    {"FromImportInAFunction", "def f():\n    from weakref import ref\nf()\n", 2, 5,
     "'import' is only allowed in the module code"},
    {"ElifWithoutIf",
     "x = 1\n"
     "elif x:\n"
     "    pass\n",
     2, 1, "'elif' without a matching 'if'"},
    {"ElseWithoutIf",
     "x = 1\n"
     "if x:\n"
     "    pass\n"
     "log(\"a\")\n"
     "else:\n"
     "    pass\n",
     5, 1, "'else' without a matching 'if'"},
    {"ElseAfterBlockEnded",
     "def f(wr):\n"
     "    if wr:\n"
     "        pass\n"
     "else:\n"
     "    pass\n",
     4, 1, "'else' without a matching 'if'"},
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
    {"ReturnInsideTry",
     "def f():\n"
     "    try:\n"
     "        return 1\n"
     "    finally:\n"
     "        pass\n",
     3, 9, "'return' inside 'try' is not supported"},
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
    // Joins: only thread bodies join, and never themselves or main.
    {"JoinUnknownThread",
     "thread main:\n"
     "    T9.join()\n",
     2, 5, "unknown name 'T9'"},
    {"ThreadJoinsItself",
     "thread T1:\n"
     "    T1.join()\n",
     2, 5, "thread 'T1' cannot join itself"},
    {"JoinAtModuleLevel",
     "thread T1:\n"
     "    pass\n"
     "T1.join()\n",
     3, 4, "join them from 'thread main:'"},
    {"JoinInFunction",
     "thread T1:\n"
     "    pass\n"
     "def cb(wr):\n"
     "    T1.join()\n",
     4, 8, "join() is only allowed in thread bodies"},
    {"JoinMainThread",
     "thread T1:\n"
     "    main.join()\n",
     2, 5, "the main thread cannot be joined"},
    {"JoinWithArgument",
     "thread T1:\n"
     "    pass\n"
     "thread main:\n"
     "    T1.join(1)\n",
     4, 8, "join() takes no arguments"},
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
    {"MethodNameUsedAsAttribute",
     "class A:\n"
     "    def m(self, wr):\n"
     "        pass\n"
     "a = A()\n"
     "a.m = 1\n",
     5, 3, "'m' is a method name"},
    // FN11, FN12 (lang, fourth session): module-level defs as objects,
    // keyword arguments.
    {"DelModuleDefWithoutGlobal", "def f():\n    pass\nthread T1:\n    del f\n", 4, 9,
     "'f' is a module-level def: declare 'global f'"},
    {"KeywordInABuiltinCall", "x = [1]\nlog(len(x), sep=1)\n", 2, 17,
     "keyword arguments are supported only in calls of functions"}};

class ScenarioText : public ::testing::TestWithParam<BadScenario> {};

TEST_P(ScenarioText, IsRejectedAtTheOffendingToken) {
  const BadScenario& c = GetParam();
  const std::string file = std::string(c.name) + ".life";
  try {
    lang::load_scenario_text(file, c.text);
    FAIL() << "accepted:\n" << c.text;
  } catch (const lang::ScenarioError& e) {
    EXPECT_EQ(e.loc().line, c.line) << e.format();
    EXPECT_EQ(e.loc().col, c.col) << e.format();
    EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos)
        << "message: " << e.what() << "\nwanted: " << c.message;
    // The form editors parse: "file:line:col: error: message".
    EXPECT_EQ(e.format(), file + ":" + std::to_string(c.line) + ":" + std::to_string(c.col) +
                              ": error: " + e.what());
  }
}

std::string case_name(const ::testing::TestParamInfo<BadScenario>& param) {
  return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(LangErrors, ScenarioText, ::testing::ValuesIn(kBadScenarios), case_name);

// Built in a loop rather than spelled out: main plus 16 more threads is one
// too many, and the error names the first thread over the limit.
TEST(LangErrors, TooManyThreads) {
  std::string text;
  for (int i = 1; i <= 16; ++i) text += "thread T" + std::to_string(i) + ":\n    pass\n";
  try {
    lang::load_scenario_text("threads.life", text);
    FAIL() << "accepted 16 threads besides main";
  } catch (const lang::ScenarioError& e) {
    EXPECT_EQ(e.loc().line, 31) << e.format();
    EXPECT_EQ(e.loc().col, 1) << e.format();
    EXPECT_NE(std::string(e.what()).find("too many threads"), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------- CLI

const char* kGoodScenario =
    "verdict holds\n"
    "\n"
    "class Node:\n"
    "    def __del__(self):\n"
    "        pass\n"
    "\n"
    "a = Node()\n"
    "del a\n";

// "unknown name 'Nod'" at 1:5.
const char* kBadScenario = "a = Nod()\n";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The control for the tests below: on its own the good file is explored and
// reported, so a missing "summary:" line there really means "not explored".
TEST(CliErrors, GoodScenarioAloneIsExplored) {
  std::string good = temp_file(kGoodScenario);
  CliResult r = run_cli({"check", good});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "summary: " + good)) << r.err;
}

TEST(CliErrors, BadScenarioExitsTwoWithLocatedError) {
  std::string bad = temp_file(kBadScenario);
  CliResult r = run_cli({"check", bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, bad + ":1:5: error: unknown name 'Nod'")) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(contains(r.err, "summary:")) << r.err;
}

// All files are loaded before any is explored: a bad file anywhere in the
// list means no exploration at all, not a partial run.
TEST(CliErrors, GoodThenBadExploresNothing) {
  std::string good = temp_file(kGoodScenario);
  std::string bad = temp_file(kBadScenario);
  CliResult r = run_cli({"check", good, bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, bad + ":1:5: error:")) << r.err;
  EXPECT_FALSE(contains(r.err, "summary:")) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(CliErrors, MissingFileExitsTwo) {
  std::string missing = temp_file("") + ".does-not-exist.life";
  CliResult r = run_cli({"check", missing});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, missing)) << r.err;
  EXPECT_TRUE(contains(r.err, "cannot read the file")) << r.err;
  EXPECT_FALSE(contains(r.err, "summary:")) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(CliErrors, ReplayWithGarbageTokenExitsTwo) {
  std::string good = temp_file(kGoodScenario);
  CliResult r = run_cli({"replay", good, "garbage-token"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "not a lifecheck replay token")) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(CliErrors, UnknownProfileOptionExitsTwo) {
  std::string good = temp_file(kGoodScenario);
  CliResult r = run_cli({"check", "--profile", "nonsense", good});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown profile 'nonsense'")) << r.err;
  EXPECT_FALSE(contains(r.err, "summary:")) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace

std::vector<LangErrorCase> lang_error_cases() {
  std::vector<LangErrorCase> out;
  for (const BadScenario& c : kBadScenarios)
    out.push_back({c.name, c.text, c.line, c.col, c.message});
  return out;
}

}  // namespace lifecheck::testing
