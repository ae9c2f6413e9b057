#include "lang/Compiler.h"

#include "lang/CompilerImpl.h"
#include "lang/Load.h"
#include "lang/Parser.h"

namespace lifecheck::lang::detail {

Program Compiler::run() {
  p_.file = sc_.file;
  p_.source = sc_.source;
  p_.str_start = intern("start");
  p_.str_stop = intern("stop");
  // exceptions the runtime raises (Interpreter.cpp looks them up by name)
  for (const char* e : {"AttributeError", "NameError", "UnboundLocalError", "TypeError",
                        "ValueError", "Exception", "KeyError", "IndexError", "SystemError"})
    intern(e);
  directives_before_code();
  declare_types_functions_threads();
  declare_nested_functions();
  find_module_objects();  // FN11 (CompilerFunctions.cpp)
  collect_globals();
  declare_imports();  // CompilerAtexit.cpp
  resolve_closures();
  declare_generators();
  check_function_bodies();  // return, nonlocal (CompilerCalls.cpp)
  compile_c_types();
  compile_slots();
  // FN15 before R1.15: a class's own methods only (a slot may share the
  // name of a base's method, which it then hides)
  check_slots_against_methods();  // FN15 (CompilerMethodCalls.cpp)
  compile_inheritance();          // R1.15 (CompilerInheritance.cpp)
  declare_class_attrs();          // CA1 (CompilerClassAttrs.cpp)
  infer_kinds();
  compile_bodies();
  check_keyword_calls();       // FN12 (CompilerCalls.cpp)
  check_explicit_del_calls();  // R1.16 (CompilerInheritance.cpp)
  directives_after_code();
  p_.fingerprint = fingerprint();
  return std::move(p_);
}

// The 16-bit ids of Program's tables must not wrap (a wrapped id reads
// another entry, or past the end): past the bound, the scenario is too
// large, reported at the statement being compiled.
void Compiler::room(size_t used, size_t adding, const char* what) const {
  if (used + adding > kMaxTableEntries)
    fail(where_, "scenario too large: more than " + std::to_string(kMaxTableEntries) + " " + what);
}

StrId Compiler::intern(const std::string& s) {
  for (size_t i = 0; i < p_.strings.size(); ++i)
    if (p_.strings[i] == s) return static_cast<StrId>(i);
  room(p_.strings.size(), 1, "distinct strings");
  p_.strings.push_back(s);
  return static_cast<StrId>(p_.strings.size() - 1);
}

FuncId Compiler::add_func(const std::string& name, FuncKind kind, Loc loc,
                          const std::vector<Param>& params) {
  if (p_.funcs.size() >= 0xFFF0) fail(loc, "too many functions");
  FuncInfo f;
  f.name = name;
  f.kind = kind;
  f.line = loc.line;
  f.nparams = static_cast<uint8_t>(params.size());
  for (const Param& prm : params) f.local_names.push_back(prm.name);
  p_.funcs.push_back(f);
  return static_cast<FuncId>(p_.funcs.size() - 1);
}

const std::vector<Stmt>& Compiler::body_of(FuncId f) const {
  if (f == 0) return sc_.setup;
  if (auto it = func_defs_.find(f); it != func_defs_.end()) return it->second->body;
  return thread_defs_.at(f)->body;
}

ExprId Compiler::add_expr(ExprNode n, Loc loc) {
  room(p_.exprs.size(), 1, "expressions");
  n.line = static_cast<uint32_t>(loc.line);
  n.col = static_cast<uint32_t>(loc.col);
  p_.exprs.push_back(n);
  return static_cast<ExprId>(p_.exprs.size() - 1);
}

FieldId Compiler::field_id(const std::string& name, Loc loc) {
  for (size_t i = 0; i < p_.field_names.size(); ++i)
    if (p_.field_names[i] == name) return static_cast<FieldId>(i);
  if (p_.field_names.size() >= kMaxFields)
    fail(loc, "too many distinct attribute names (at most " + std::to_string(kMaxFields) +
                  " per scenario)");
  p_.field_names.push_back(name);
  p_.field_strings.push_back(intern(name));
  return static_cast<FieldId>(p_.field_names.size() - 1);
}

LabelId Compiler::label_id(const std::string& label) {
  for (size_t i = 0; i < p_.labels.size(); ++i)
    if (p_.labels[i] == label) return static_cast<LabelId>(i);
  room(p_.labels.size(), 1, "object labels");
  p_.labels.push_back(label);
  return static_cast<LabelId>(p_.labels.size() - 1);
}

uint64_t Compiler::fingerprint() const {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  // Lines that are only a comment do not count: annotating a scenario
  // (a replay command in a comment, say) keeps its replay tokens valid.
  size_t start = 0;
  const std::string& src = p_.source;
  while (start < src.size()) {
    size_t end = src.find('\n', start);
    if (end == std::string::npos) end = src.size();
    size_t first = src.find_first_not_of(" \t\r", start);
    if (first >= end || src[first] != '#') mix(src.substr(start, end - start));
    start = end + 1;
  }
  mix(p_.profile.display_name());
  return h;
}

}  // namespace lifecheck::lang::detail

namespace lifecheck::lang {

model::Program compile(const Scenario& scenario, const CompileOptions& options) {
  return detail::Compiler(scenario, options).run();
}

model::Program load_scenario_text(const std::string& name, const std::string& text,
                                  const CompileOptions& options) {
  Scenario sc = parse_scenario(name, text);
  return compile(sc, options);
}

model::Program load_scenario(const std::string& path, const CompileOptions& options) {
  // bounded reading; a directory or an unreadable file is a ScenarioError
  return load_scenario_text(path, read_scenario_file(path), options);
}

}  // namespace lifecheck::lang
