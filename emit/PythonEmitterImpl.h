// The Python emitter's class, shared by its two halves: PythonEmitter.cpp
// (names, statements, functions, classes, the script's header and footer)
// and PythonExpressions.cpp (expressions and calls).
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "emit/PythonEmitter.h"
#include "model/Program.h"

namespace lifecheck::emit::detail {

using model::ExprId;
using model::ExprNode;
using model::ExprOp;
using model::FuncId;
using model::FuncInfo;
using model::FuncKind;
using model::Program;
using model::Statement;
using model::StatementId;
using model::StatementKind;
using model::TypeInfo;
using model::TypeKind;
using model::Value;
using model::ValueKind;

// A Python string literal (the script is UTF-8; only controls are escaped).
std::string py_str(const std::string& s);
std::string bool_py(bool b);

class Emitter {
 public:
  explicit Emitter(const Program& p) : p_(p) {}
  std::string run(const EmitOptions& options);

 private:
  [[noreturn]] void unsupported(const std::string& what, int line) const;
  void choose_names();
  std::string thread_func(size_t t) const;
  std::string expr(ExprId id, FuncId fn) const;
  // LK5a: the subject of a user with, through the harness when it may be a lock
  std::string user_with_subject(const Statement& s, FuncId fn) const;
  std::string method_call(const ExprNode& e, FuncId fn) const;
  std::string method_name(const ExprNode& e) const;  // FN14: a class method's name
  bool plain(ExprId id) const;
  std::string init_relabel(const ExprNode& e, FuncId fn) const;
  std::string call_arguments(const ExprNode& e, uint16_t keywords, FuncId fn,
                             const std::string& last = "") const;
  std::string init_call(const ExprNode& e, FuncId fn) const;
  std::string append_guard(size_t site, const std::string& receiver) const;
  std::string label(const ExprNode& e, size_t type) const;
  std::string constant(Value v, int line) const;
  void line(std::string& out, int indent, const std::string& text, int src_line = 0) const;
  void block(FuncId fn, const std::vector<StatementId>& body, int indent, std::string& out) const;
  void for_else(const Statement& s, FuncId fn, int indent, std::string& out) const;
  // loops, break and continue (emit/PythonWhile.cpp, IT7, IT9)
  void while_loop(const Statement& s, FuncId fn, int indent, std::string& out) const;
  void loop_continue(const Statement& s, FuncId fn, int indent, std::string& out) const;
  void while_exit(const Statement& loop, FuncId fn, int indent, std::string& out) const;
  void loop_break(const Statement& s, int indent, std::string& out) const;
  void loop_body(const Statement& loop, FuncId fn, int indent, std::string& out) const;
  bool one_pass(const Statement& loop) const;
  std::string jump_name(const Statement& loop) const;
  bool else_after(const Statement& loop) const;
  std::string else_name(const Statement& loop) const;
  void statement(const Statement& s, FuncId fn, int indent, std::string& out) const;
  std::string keyword_(const std::string& name) const;
  std::string params_text(FuncId g, const ExprNode* made, FuncId where) const;
  void function(FuncId fn, const std::string& def_name, int indent, std::string& out,
                const ExprNode* made = nullptr, FuncId where = 0) const;
  std::vector<std::string> entry_lines(FuncId fn) const;
  std::string lambda(FuncId g, const ExprNode* made, FuncId where) const;
  void c_types(std::string& out) const;
  std::string c_function_name(FuncId f) const;
  void classes(std::string& out) const;
  void class_def(model::ClassId t, std::vector<bool>& written, std::string& out) const;
  void functions(std::string& out) const;
  void bodies(std::string& out) const;
  std::string header(const EmitOptions& options) const;
  std::string footer() const;

  // ------------------------------------------------------------- statements
  static std::string pad(int indent) { return std::string(4 * static_cast<size_t>(indent), ' '); }
  const Program& p_;
  std::string c_module_;
  std::unordered_map<std::string, std::string> renamed_;
  std::vector<std::string> globals_, types_, fields_, funcs_;
  std::vector<std::vector<std::string>> locals_;  // per function
  // the loops around the statement being emitted, innermost last (what a
  // break or continue belongs to)
  mutable std::vector<const Statement*> loops_;
};

}  // namespace lifecheck::emit::detail
