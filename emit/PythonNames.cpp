// The names a scenario's identifiers get in the emitted script: their own
// spelling unless Python or the harness needs it (PythonEmitter.h).
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "emit/PythonEmitter.h"

namespace lifecheck::emit {

using model::FuncInfo;
using model::FuncKind;
using model::Program;
using model::TypeInfo;

namespace {

// Names a scenario identifier must not take in the script: Python keywords
// (a syntax error), builtins (the harness calls them) and the harness's own.
const std::set<std::string>& reserved_names() {
  static const std::set<std::string> names = {
      // keywords
      "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
      "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if",
      "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
      "while", "with", "yield",
      // builtins
      "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint", "bytearray",
      "bytes", "callable", "chr", "classmethod", "compile", "complex", "copyright", "credits",
      "delattr", "dict", "dir", "divmod", "enumerate", "eval", "exec", "exit", "filter", "float",
      "format", "frozenset", "getattr", "globals", "hasattr", "hash", "help", "hex", "id", "input",
      "int", "isinstance", "issubclass", "iter", "len", "license", "list", "locals", "map", "max",
      "memoryview", "min", "next", "object", "oct", "open", "ord", "pow", "print", "property",
      "quit", "range", "repr", "reversed", "round", "set", "setattr", "slice", "sorted",
      "staticmethod", "str", "sum", "super", "tuple", "type", "vars", "zip", "ArithmeticError",
      "AssertionError", "AttributeError", "BaseException", "BaseExceptionGroup", "BlockingIOError",
      "BrokenPipeError", "BufferError", "BytesWarning", "ChildProcessError",
      "ConnectionAbortedError", "ConnectionError", "ConnectionRefusedError", "ConnectionResetError",
      "DeprecationWarning", "EOFError", "Ellipsis", "EncodingWarning", "EnvironmentError",
      "Exception", "ExceptionGroup", "FileExistsError", "FileNotFoundError", "FloatingPointError",
      "FutureWarning", "GeneratorExit", "IOError", "ImportError", "ImportWarning",
      "IndentationError", "IndexError", "InterruptedError", "IsADirectoryError", "KeyError",
      "KeyboardInterrupt", "LookupError", "MemoryError", "ModuleNotFoundError", "NameError",
      "NotADirectoryError", "NotImplemented", "NotImplementedError", "OSError", "OverflowError",
      "PendingDeprecationWarning", "PermissionError", "ProcessLookupError",
      "PythonFinalizationError", "RecursionError", "ReferenceError", "ResourceWarning",
      "RuntimeError", "RuntimeWarning", "StopAsyncIteration", "StopIteration", "SyntaxError",
      "SyntaxWarning", "SystemError", "SystemExit", "TabError", "TimeoutError", "TypeError",
      "UnboundLocalError", "UnicodeDecodeError", "UnicodeEncodeError", "UnicodeError",
      "UnicodeTranslateError", "UnicodeWarning", "UserWarning", "ValueError", "Warning",
      "ZeroDivisionError",
      // the harness
      "_turn"};
  return names;
}

bool needs_rename(const std::string& name) {
  // "__x" is name-mangled inside class bodies, so methods would not see it.
  return reserved_names().count(name) || name.rfind("_lc", 0) == 0 || name.rfind("__", 0) == 0;
}

}  // namespace

PythonNames python_names(const Program& p) {
  // Every scenario identifier keeps its spelling unless Python or the
  // harness needs it; a renamed one gets underscores until it is unique.
  std::set<std::string> all;
  for (const std::string& g : p.globals) all.insert(g);
  for (const TypeInfo& t : p.types) {
    all.insert(t.name);
    for (const auto& m : t.methods) all.insert(m.first);
  }
  for (const FuncInfo& f : p.funcs)
    for (const std::string& l : f.local_names) all.insert(l);
  for (const std::string& f : p.field_names) all.insert(f);
  std::unordered_map<std::string, std::string> renamed;
  auto rename = [&](const std::string& name) {
    if (auto it = renamed.find(name); it != renamed.end()) return it->second;
    std::string out = name;
    if (needs_rename(name)) {
      out = name.rfind("_", 0) == 0 ? "u" + name : name + "_";
      while (needs_rename(out) || all.count(out)) out += "_";
      all.insert(out);
    }
    renamed[name] = out;
    return out;
  };
  PythonNames n;
  for (const std::string& g : p.globals) n.globals.push_back(rename(g));
  for (const TypeInfo& t : p.types) n.types.push_back(rename(t.name));
  // An attribute name "__x__" keeps its spelling (it is not name-mangled):
  // the script must meet the real special attribute (DA1-DA4).
  for (const std::string& f : p.field_names) {
    const bool dunder =
        f.size() > 4 && f.rfind("__", 0) == 0 && f.compare(f.size() - 2, 2, "__") == 0;
    n.fields.push_back(dunder ? f : rename(f));
  }
  for (const FuncInfo& f : p.funcs) {
    std::vector<std::string> locals;
    for (const std::string& l : f.local_names) locals.push_back(rename(l));
    n.locals.push_back(std::move(locals));
    std::string short_name = f.name.substr(f.name.find('.') + 1);  // "Node.seen" -> "seen"
    // FN13, WT1: __init__, __enter__ and __exit__ keep Python's own names
    // (the dunders a method may have)
    const bool special =
        f.kind == FuncKind::Method &&
        (short_name == "__init__" || short_name == "__enter__" || short_name == "__exit__");
    n.funcs.push_back((f.kind == FuncKind::Function || f.kind == FuncKind::Method) && !special
                          ? rename(short_name)
                          : short_name);
  }
  return n;
}

}  // namespace lifecheck::emit
