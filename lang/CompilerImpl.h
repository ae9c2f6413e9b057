// The scenario compiler's private class, shared by its files (one per
// concern, as model/ is split):
//   Compiler.cpp             the passes in order, interning, code buffers
//   CompilerNames.cpp        names, scopes, globals and locals, static kinds
//   CompilerClasses.cpp      built-in types, classes, functions, threads, __slots__
//   CompilerCTypes.cpp       C types: flags, fields, slot steps, C bases
//   CompilerStatements.cpp   function bodies and statements
//   CompilerExpressions.cpp  expressions, calls, weakref callbacks
//   CompilerDirectives.cpp   profile, runtime-bug, ignore, verdict and expect lines
//   CompilerGenerators.cpp   generator functions, yield, next() and close()
//   CompilerMethodCalls.cpp  calls of a class's methods, obj.NAME(args)
// Only these files include it; lang/Compiler.h is the interface.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lang/Compiler.h"

namespace lifecheck::lang::detail {

using namespace model;

// Static kinds: which kinds of value a variable may hold, from the syntax of
// everything assigned to it. Used only to reject obviously wrong programs
// (an attribute of a weakref, a call of an instance); the runtime still
// raises AttributeError/TypeError like Python where a value is unknown.
enum : uint16_t {
  KObj = 1,
  KWeakref = 2,
  KMethod = 4,
  KInt = 8,
  KBool = 16,
  KStr = 32,
  KNone = 64,
  KFunc = 128,
  KInfo = 256,
  KList = 512,
  KTuple = 1024,
  KDict = 2048,
  KSet = 4096,
  KDeque = 8192,
  KFinalize = 16384,  // a weakref.finalize
  KProxy = 32768,     // a weakref.proxy
  KAny = 0xFFFF,
};

std::string kind_phrase(uint16_t k);
bool literal_value(const Expr& e);  // a literal or display: not callable (CompilerExpressions.cpp)
const Stmt* find_yield(const std::vector<Stmt>& body);                // CompilerGenerators.cpp
const Stmt* find_kind(const std::vector<Stmt>& body, StmtKind kind);  // CompilerCalls.cpp

struct Scope {
  FuncId func = kNoFunc;
  bool module = false;
  std::map<std::string, int> locals;
  std::set<std::string> globals_declared;
  std::map<std::string, uint16_t> local_kinds;
  // locals whose slot holds a cell: captured by a nested body, or free here
  std::set<std::string> derefs;
  // `nonlocal NAME` (FN9): variables of an enclosing function this body rebinds
  std::set<std::string> nonlocals_declared;
};

enum class NameKind { Local, Global, Class, Function, Thread, Module, Log, Builtin, Unknown };

struct Resolved {
  NameKind kind = NameKind::Unknown;
  int index = 0;
};

class Compiler {
 public:
  Compiler(const Scenario& sc, const CompileOptions& opts) : sc_(sc), opts_(opts) {}
  Program run();

 private:
  [[noreturn]] void fail(Loc loc, const std::string& msg) const {
    throw ScenarioError(sc_.file, loc, msg);
  }

  // ---------------------------------------------------------------- Compiler.cpp
  static constexpr size_t kMaxTableEntries = 0xFFF0;
  void room(size_t used, size_t adding, const char* what) const;
  StrId intern(const std::string& s);
  FuncId add_func(const std::string& name, FuncKind kind, Loc loc,
                  const std::vector<Param>& params);
  const std::vector<Stmt>& body_of(FuncId f) const;
  ExprId add_expr(ExprNode n, Loc loc);
  FieldId field_id(const std::string& name, Loc loc);
  LabelId label_id(const std::string& label);
  uint64_t fingerprint() const;

  // ----------------------------------------------------------- CompilerNames.cpp
  void check_new_name(const std::string& name, Loc loc);
  static void assigned_names(const std::vector<Stmt>& body,
                             std::vector<std::pair<std::string, Loc>>& out,
                             std::set<std::string>& declared_global);
  static void names_in_compile_order(const Expr* e, std::vector<std::string>& out);
  static void names_in_compile_order(const std::vector<Stmt>& body, std::vector<std::string>& out);
  void reject_delete_only(const std::vector<Stmt>& body);
  static void collect_dels(const std::vector<Stmt>& body,
                           std::vector<std::pair<std::string, Loc>>& out);
  bool assigned_anywhere(const std::string& name) const;
  void add_global(const std::string& name, Loc loc);
  void collect_globals();
  Loc find_global_decl_loc(const std::vector<Stmt>& body, const std::string& name);
  static std::string kind_word(NameKind k);
  static std::string parameters(size_t n);
  uint16_t syntactic_kind(const Expr& e, const Scope& scope);
  void infer_in(const std::vector<Stmt>& body, Scope& scope);
  void infer_kinds();
  uint16_t kind_of_name(const std::string& name, const Scope& scope) const;
  Resolved resolve(const std::string& name, const Scope& scope) const;
  Loc loc_of_func(FuncId f) const { return Loc{p_.funcs[f].line, 1}; }

  // ------------------------------------------- CompilerClasses.cpp, CompilerCTypes.cpp
  struct StepWords {
    const std::vector<std::pair<std::string, Loc>>& w;
    size_t size() const { return w.size(); }
    const std::string& at(size_t i) const { return w[i].first; }
    Loc loc(size_t i) const { return w[i].second; }
  };
  enum class Slot { New, Dealloc, Clear, Traverse, Init };
  void declare_types_functions_threads();
  void compile_slots();
  void check_attribute_name(const std::string& name, Loc loc);

  // ---------------------------------------------------------- CompilerCTypes.cpp
  void compile_c_types();
  void compile_c_type_after_base(const ClassDef& c, std::set<std::string>& done,
                                 std::set<std::string>& started);
  const TypeInfo* c_base(const TypeInfo& t) const;
  void compile_c_type(const ClassDef& c, TypeInfo& t);
  static SlotStep step(SlotOp op, FieldId field, Loc loc);
  std::vector<SlotStep> steps_of(const SlotLine& line, const TypeInfo& t, Slot slot);

  // ---------------------------------------------------- CompilerInheritance.cpp
  bool derives_from_class(const ClassDef& c) const;
  void compile_inheritance();
  void inherit(ClassId id, std::vector<ClassId>& path, std::vector<bool>& done);
  void inherit_slots(const ClassDef& c, TypeInfo& t, const TypeInfo& base);
  bool calls_through_class(const Expr& e) const;
  ExprId class_function_call(const Expr& e);
  // TI4 (CompilerCTypeInit.cpp): obj.__init__(args) (cls kNoType) or
  // Base.__init__(self, args) reaching a C type's tp_init or object_init
  ExprId c_init_call(const Expr& e, ClassId cls);
  bool has_c_types() const;
  void check_explicit_del_calls() const;
  std::vector<Loc> explicit_del_calls_;

  // ------------------------------------------------------ CompilerStatements.cpp
  void compile_bodies();
  void frame_slots_for_callers();  // X5: f_back (CompilerStatements.cpp)
  static std::string target_text(const Expr& e);
  bool is_module_call(const Expr& e, const char* module, const char* fn) const;
  bool is_gc_garbage(const Expr& e) const;  // `gc.garbage`, gc being the module
  model::Statement& add_stmt(model::StatementKind kind, Loc loc, std::vector<StatementId>& out);
  void stmt(const Stmt& s, std::vector<StatementId>& out);
  ExprId target_expr(const Expr& t, bool for_del);
  void assign(const Stmt& s, std::vector<StatementId>& out);
  void try_stmt(const Stmt& s, std::vector<StatementId>& out);
  void for_stmt(const Stmt& s, std::vector<StatementId>& out);
  void del(const Stmt& s, std::vector<StatementId>& out);
  std::optional<ClassId> c_construction(const Expr& e) const;
  void construct(const Expr& call, ClassId type, const std::string& label, Loc loc,
                 std::vector<StatementId>& out);
  uint16_t collect_generation(const Expr& call);
  void expr_stmt(const Stmt& s, std::vector<StatementId>& out);
  void log_stmt(const Expr& call, Loc loc, std::vector<StatementId>& out);

  // ----------------------------------------------------- CompilerExpressions.cpp
  ExprId item_key(const Expr& k);
  ExprId container_expr(const Expr& e);
  std::optional<Value> const_tuple(const std::vector<ExprId>& items);
  ExprId condition(const Expr& e);
  [[noreturn]] void not_object(const Expr& e, const std::string& attr,
                               const std::string& what) const;
  ExprId object_expr(const Expr& e, const std::string& attr);
  ExprId value(const Expr& e, const std::string& label);
  ExprId call(const Expr& e, const std::string& label);
  ExprId builtin_call(const Expr& e, const std::string& label);
  ExprId method_call(const Expr& e);
  ExprId callback_expr(const Expr& e);
  // weakref.finalize(obj, func, *args) (model/Finalize.cpp)
  ExprId finalize_new(const Expr& e, LabelId label);
  ExprId finalize_func(const Expr& e, size_t nargs, const char* who = "weakref.finalize");
  void declare_finalize();
  ExprId args_tuple(const Expr& e, size_t first);  // *args from e.args[first]
  ExprId proxy_new(const Expr& e, LabelId label);  // weakref.proxy (model/Proxies.cpp)
  // threading.local() (CompilerThreadLocal.cpp, model/ThreadLocal.cpp)
  ExprId thread_local_new(const Expr& e, const std::string& label);
  // threading.Lock(), RLock() and `with L:` (CompilerLocks.cpp, model/Locks.cpp)
  ExprId lock_new(const Expr& e, const std::string& label);
  // CompilerWeakContainers.cpp (WC1-WC9)
  ExprId weak_container_new(const Expr& e, const std::string& label);
  void declare_weak_containers();
  ExprId weak_method_new(const Expr& e, LabelId label);  // CompilerWeakMethod.cpp (WM1)
  // functools.partial(func, *args) (CompilerPartial.cpp, PT1); `passed`:
  // how many arguments its calls pass where that is known (a weakref
  // callback's 1), -1 otherwise
  ExprId partial_call(const Expr& e, const std::string& label, int passed = -1);
  bool is_partial_call(const Expr& e) const;
  void with_stmt(const Stmt& s, std::vector<StatementId>& out);
  // CompilerWith.cpp (WT1-WT6)
  void check_context_manager_method(const FuncDef& f);
  bool defines_context_manager() const;
  void check_with_subject(const Expr& v);
  bool with_takes_lock(const Stmt& s) const;
  void context_manager_with(const Stmt& s, std::vector<StatementId>& out);
  // sys and gc module builtins (CompilerBuiltins.cpp)
  ExprId refcount_call(const Expr& e);
  bool gc_module_stmt(const Expr& e, Loc loc, std::vector<StatementId>& out);
  // C.__del__ = f / del C.__del__ (model/ClassDel.cpp); false for other statements
  bool class_del_stmt(const Stmt& s, std::vector<StatementId>& out);

  // ----------------------------------------------------- CompilerGenerators.cpp
  void declare_generators();
  void reject_generator_callback(FuncId f, Loc loc) const;
  ExprId generator_call(const Expr& e, FuncId f, LabelId label);
  ExprId generator_builtin(const Expr& e);
  void yield_stmt(const Stmt& s, std::vector<StatementId>& out);

  // ------------------------------------------------------ CompilerFunctions.cpp
  // Functions as objects (model/Functions.cpp): nested defs, lambdas,
  // closures, types.ModuleType.
  void declare_nested_functions();
  FuncId declare_nested(const FuncDef& d, FuncId parent, bool lambda, Loc loc);
  void declare_function_types(Loc loc);
  ClassId add_static_type(const char* name, TypeKind kind, bool dict, bool weakrefs);
  void resolve_closures();
  bool capture(FuncId f, const std::string& name);
  void lay_out_cells(FuncId f);
  ExprId function_expr(const FuncDef& d, Loc loc, const std::string& label);
  ExprId function_tuple(const std::vector<ExprId>& items, const std::string& label, Loc loc);
  void def_stmt(const Stmt& s, std::vector<StatementId>& out);
  ExprId module_new(const Expr& e, const std::string& label);
  ExprOp local_op(const std::string& name) const;
  // Module-level defs as objects (FN11): a def whose name some body
  // deletes, rebinds or takes an attribute of is a function object that
  // the module code makes first; every other def stays a constant.
  void find_module_objects();
  void module_object_stmts(std::vector<StatementId>& out);
  bool module_object(const std::string& name) const { return module_object_names_.count(name); }

  // ---------------------------------------------------------- CompilerCalls.cpp
  // Functions as objects, second part (model/FunctionCalls.cpp, FN7-FN10):
  // defaults, nonlocal, return, calls of functions, function attributes.
  void declare_nonlocals(FuncId f, const std::set<std::string>& declared_global);
  void capture_nonlocals(FuncId g);
  void check_function_bodies();
  bool statement_call(const Expr& e) const;
  void return_stmt(const Stmt& s, std::vector<StatementId>& out);
  bool calls_function(const Expr& e) const;
  // gc.callbacks.append(f) / .remove(f) (G6, G6a).
  void gc_callbacks_stmt(const Expr& e, Loc loc, std::vector<StatementId>& out);
  ExprId function_call(const Expr& e);
  void defaults_of(const FuncDef& d, FuncId g, ExprNode& n);
  // FN12: keyword arguments in calls of functions
  uint16_t keyword_names(const Expr& e, FuncId constant, size_t first_param = 0);
  void check_keyword_calls();
  // ---------------------------------------------------- CompilerMethodCalls.cpp
  // obj.NAME(args) of a class's method (model/MethodCalls.cpp, FN14-FN15)
  ExprId py_method_call(const Expr& e);
  void check_slots_against_methods();
  void check_method_attribute_store(const Stmt& s);
  // ------------------------------------------------------ CompilerAttributes.cpp
  // attribute names of the form __x__ (DA1-DA4)
  FieldId attribute_id(const std::string& name, Loc loc, bool for_store, bool for_del);
  ExprId dunder_attr_value(const Expr& e, ExprId obj, const std::string& label);
  // ------------------------------------------------------ CompilerClassAttrs.cpp
  // class attributes (CA1-CA6)
  bool names_class_attr(const Expr& e) const;
  uint16_t class_attr_entry(ClassId c, const std::string& name, Loc loc);
  ExprId class_attr_expr(const Expr& e);
  void declare_class_attrs();
  void class_attr_stmts(std::vector<StatementId>& out);
  // --------------------------------------------------------- CompilerSuper.cpp
  // super().NAME(args), super(C, obj).NAME(args) (model/Super.cpp, SU1-SU4)
  bool calls_through_super(const Expr& e) const;
  void declare_super_type();
  ClassId super_start_class(const Expr& sup);
  ExprId super_method_call(const Expr& e);
  void check_super_target(ClassId cls, const std::string& name, Loc loc);
  // --------------------------------------------------------- CompilerAtexit.cpp
  // import NAME, atexit (model/Atexit.cpp), `shutdown modules` (Shutdown.cpp)
  void declare_imports();
  void import_stmt(const Stmt& s);
  ExprId atexit_call(const Expr& e);
  void shutdown_directive(const Directive& d);
  void declare_module_dict();

  // ------------------------------------------------------ CompilerDirectives.cpp
  void directives_before_code();
  void directives_after_code();
  EventPattern pattern(const Directive& d, size_t& i);
  Expectation expectation(const Directive& d);
  static bool known_property(const std::string& id);

  // ---------------------------------------------------------------------- state
  const Scenario& sc_;
  const CompileOptions& opts_;
  Program p_;
  std::map<std::string, ClassId> classes_;
  std::map<std::string, FuncId> functions_;
  std::map<std::string, ThreadId> threads_;
  std::map<std::string, int> globals_;
  std::map<std::string, uint16_t> global_kinds_;
  std::set<std::string> method_names_;
  std::map<FuncId, const FuncDef*> func_defs_;
  std::map<FuncId, const ThreadDef*> thread_defs_;
  std::vector<Scope> scopes_;
  Scope* cur_ = nullptr;
  // Functions as objects: each nested def's or lambda's FuncId, and the
  // names of its free variables in closure order (sorted, as co_freevars).
  std::map<const FuncDef*, FuncId> nested_;
  std::map<FuncId, std::vector<std::string>> free_names_;
  std::map<FuncId, std::set<std::string>> cell_names_;
  // FN11: the module-level defs made as objects, in definition order
  std::vector<FuncId> module_objects_;
  std::set<std::string> module_object_names_;
  std::set<const Expr*> keyword_calls_;  // FN12: the calls keyword_names took
  Loc where_;                            // the statement being compiled, for room()
  int except_depth_ = 0;  // except clauses around the statement (a bare raise re-raises)
};

}  // namespace lifecheck::lang::detail
