// LangErrors cases (names, directives, literals, indentation, lexical errors, imports and
// statements outside the language): malformed scenarios rejected at the offending token;
// test_lang_errors.cpp runs them all.
#include "LangErrorCases.h"

namespace lifecheck::testing {

std::vector<BadScenario> lang_error_cases_syntax() {
  return {
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
      {"MainIsReservedForAFunction", "def main(wr):\n    pass\n", 1, 1,
       "'main' is a reserved name"},
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
      {"AttributeOfClassName",  // (A.x = 1 is a class attribute, CA5)
       "class A:\n"
       "    def m(self):\n"
       "        pass\n"
       "A.m = 1\n",
       4, 1, "class 'A' has no attribute 'm' in the language: a method"},
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
      {"Arithmetic", "a = 1 + 2\n", 1, 7,
       "'+' is not supported: the scenario language has no arithmetic"},
      {"AugmentedAssignment", "n = 1\nn += 1\n", 2, 3,
       "augmented assignment '+=' is not supported"},
      {"OrderingComparison", "a = 1\nif a < 2:\n    pass\n", 2, 6,
       "'<' is not supported: values compare with ==, != and is only"},
      {"UnexpectedCharacter", "a = 1 $ 2\n", 1, 7, "unexpected character '$'"},
      {"FString", "x = 1\nlog(f\"x={x}\")\n", 2, 5, "a string prefix ('f') is not supported"},
      {"Semicolon", "x = 1; y = 2\n", 1, 6,
       "one statement a line: ';' between statements is not supported"},
      {"MembershipInIf", "d = {}\nif \"a\" in d:\n    pass\n", 2, 8,
       "'in' is not supported here (no membership tests)"},
      {"MembershipInAssignment", "d = {}\nx = 1 in d\n", 2, 7,
       "'in' is not supported here (no membership tests)"},
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
      {"UnknownRuntimeBug", "runtime-bug no-such-bug\n", 1, 13,
       "unknown runtime bug 'no-such-bug'"},
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
  };
}

}  // namespace lifecheck::testing
