// Rendering a ScenarioSpec as scenario text (docs/scenario-language.md).
#include "lifecheck/spec.h"

#include <algorithm>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

namespace lifecheck::gen {

namespace {

// CFinalizer: a C type's tp_finalize, which must not raise (P7.14), so
// Raise is not written there.
enum class Body { Module, Function, Finalizer, CFinalizer, Callback };

class Writer {
 public:
  explicit Writer(const ScenarioSpec& spec) : spec_(spec) {
    // The front end rejects an object operation on a global that only ever
    // holds None; such statements are written as a log line instead.
    auto scan = [&](const std::vector<Action>& body) {
      for (const Action& a : body) {
        if (a.op == Op::New && types() > 0) objects_.insert(g(a.a));
        if (a.op == Op::Weakref && objects_.count(g(a.a))) weakrefs_.insert(w(a.b));
        if (a.op == Op::GenNew && spec_.generators > 0) generators_.insert(q(a.a));
        if (a.op == Op::FuncNew && spec_.functions > 0) functions_.insert(h(a.a));
        if (a.op == Op::ProxyNew && spec_.proxies > 0 && objects_.count(g(a.a)))
          proxies_.insert(p(a.b));
      }
    };
    auto scan_finalizer = [&](const std::vector<Action>& body) {
      scan(body);
      for (const Action& a : body)
        if (a.op == Op::WeakrefSelf) weakrefs_.insert(w(a.b));
    };
    // twice: a weakref may be made to a global assigned in a later body
    for (int round = 0; round < 2; ++round) {
      scan(spec_.setup);
      for (const ClassSpec& c : spec_.classes)
        if (c.has_del) scan_finalizer(c.del_body);
      for (const CTypeSpec& c : spec_.ctypes)
        if (c.has_finalize) scan_finalizer(c.finalize_body);
      for (const auto& b : spec_.callbacks) scan(b);
      for (const auto& b : spec_.threads) scan(b);
    }
  }

  std::string run() {
    for (const std::string& b : spec_.runtime_bugs) out_ << "runtime-bug " << b << "\n";
    if (!spec_.profile.empty()) out_ << "profile " << spec_.profile << "\n";
    if (spec_.atexit) out_ << "import atexit\n";
    if (!spec_.locks.empty()) out_ << "import threading\n";
    if (spec_.shutdown) out_ << "shutdown modules\n";
    if (!spec_.runtime_bugs.empty() || !spec_.profile.empty() || spec_.atexit || spec_.shutdown ||
        !spec_.locks.empty())
      out_ << "\n";
    for (size_t i = 0; i < spec_.ctypes.size(); ++i) ctype(i);
    for (size_t i = 0; i < spec_.classes.size(); ++i) pyclass(i);
    for (size_t i = 0; i < spec_.callbacks.size(); ++i) {
      out_ << "def cb" << i + 1 << "(wr):\n";
      body(spec_.callbacks[i], 1, Body::Callback);
      out_ << "\n";
    }
    if (spec_.generators > 0) {
      // yield in try/finally: the finally runs at next's end, at close(),
      // at death by refcount (_PyGen_Finalize) or in a collection
      out_ << "def gen0(x):\n    try:\n        yield x\n        yield None\n"
              "    finally:\n        log(\"gen0 finally\")\n\n";
    }
    if (spec_.functions > 0) {
      // a closure over x, and one that rebinds x (nonlocal) and returns
      // the value it replaced (FN7-FN10)
      out_ << "def make(x):\n    def inner(wr):\n        log(\"inner\", x is None)\n"
              "    return inner\n\n"
              "def make_swap(x):\n    def swap(new):\n        nonlocal x\n        old = x\n"
              "        x = new\n        return old\n    return swap\n\n";
    }
    out_ << "keep = None\n";
    for (int g = 0; g < globals(); ++g) out_ << "g" << g << " = None\n";
    for (int w = 0; w < weakrefs(); ++w) out_ << "w" << w << " = None\n";
    for (int i = 0; i < spec_.generators; ++i) out_ << "q" << i << " = None\n";
    for (int i = 0; i < spec_.functions; ++i) out_ << "h" << i << " = None\n";
    for (int i = 0; i < spec_.proxies; ++i) out_ << "p" << i << " = None\n";
    for (int i = 0; i < spec_.containers; ++i) out_ << "k" << i << " = []\n";
    for (size_t i = 0; i < spec_.locks.size(); ++i)
      out_ << "L" << i << " = threading." << (spec_.locks[i] ? "RLock" : "Lock") << "()\n";
    for (size_t at = 0; at < spec_.setup.size();) at = next(spec_.setup, at, 0, Body::Module);
    for (size_t t = 0; t < spec_.threads.size(); ++t) {
      out_ << "\nthread T" << t + 1 << ":\n";
      body(spec_.threads[t], 1, Body::Function);
    }
    return out_.str();
  }

 private:
  int globals() const { return spec_.globals < 1 ? 1 : spec_.globals; }
  int weakrefs() const { return spec_.weakrefs < 1 ? 1 : spec_.weakrefs; }
  int types() const { return static_cast<int>(spec_.classes.size() + spec_.ctypes.size()); }

  std::string g(int i) const {
    auto it = alias_.find(i % globals());
    return it != alias_.end() ? it->second : "g" + std::to_string(i % globals());
  }
  std::string w(int i) const { return "w" + std::to_string(i % weakrefs()); }
  std::string q(int i) const { return "q" + std::to_string(i % std::max(1, spec_.generators)); }
  std::string h(int i) const { return "h" + std::to_string(i % std::max(1, spec_.functions)); }
  std::string p(int i) const { return "p" + std::to_string(i % std::max(1, spec_.proxies)); }
  std::string k(int i) const { return "k" + std::to_string(i % std::max(1, spec_.containers)); }
  std::string lock(int i) const { return "L" + std::to_string(i % spec_.locks.size()); }
  bool rlock(int i) const { return spec_.locks[i % spec_.locks.size()]; }
  static std::string f(int i) { return "f" + std::to_string(i % 2); }
  std::string type_call(int i) const {
    if (types() == 0) return "None";
    int t = i % types();
    if (t < static_cast<int>(spec_.classes.size())) return "C" + std::to_string(t) + "()";
    return "X" + std::to_string(t - static_cast<int>(spec_.classes.size())) + "()";
  }

  void indent(int level) {
    for (int i = 0; i < level; ++i) out_ << "    ";
  }
  void line(int level, const std::string& text) {
    indent(level);
    out_ << text << "\n";
  }
  void guarded(int level, const std::string& name, const std::string& text) {
    guarded_by(level, name + " is not None", text);
  }
  void guarded_by(int level, const std::string& test, const std::string& text) {
    line(level, "if " + test + ":");
    line(level + 1, text);
  }

  // The globals a body assigns, for its `global` line.
  std::set<std::string> assigned(const std::vector<Action>& actions) const {
    std::set<std::string> out;
    for (const Action& a : actions) switch (a.op) {
        case Op::New:
        case Op::Drop:
          out.insert(g(a.a));
          break;
        case Op::Weakref:
        case Op::WeakrefSelf:
          out.insert(w(a.b));
          break;
        case Op::Resurrect:
          out.insert("keep");
          break;
        case Op::GenNew:
        case Op::GenDrop:
          if (spec_.generators > 0) out.insert(q(a.a));
          break;
        case Op::TryExcept:
          out.insert(g(a.b));
          break;
        case Op::TryFinally:
        case Op::WhileBreak:
          out.insert(g(a.a));
          break;
        case Op::FuncNew:
        case Op::FuncDrop:
          if (spec_.functions > 0) out.insert(h(a.a));
          break;
        case Op::FuncCall:
          if (functions_.count(h(a.a))) out.insert(g(a.c));
          break;
        case Op::ProxyNew:
          if (spec_.proxies > 0 && known(a.a)) out.insert(p(a.b));
          break;
        case Op::ProxyDrop:
          if (spec_.proxies > 0) out.insert(p(a.a));
          break;
        case Op::ListNew:
          if (spec_.containers > 0) out.insert(k(a.a));
          break;
        default:
          break;
      }
    return out;
  }

  void body(const std::vector<Action>& actions, int level, Body kind) {
    std::set<std::string> names = assigned(actions);
    if (!names.empty()) {
      std::string decl = "global ";
      bool first = true;
      for (const std::string& n : names) {
        decl += (first ? "" : ", ") + n;
        first = false;
      }
      line(level, decl);
    }
    if (actions.empty()) line(level, "pass");
    for (size_t at = 0; at < actions.size();) at = next(actions, at, level, kind);
  }

  // Writes actions[at] and, for a lock block (a `with`, a pair, a
  // non-blocking try), the statements it takes after it; returns the
  // index of the next statement.
  size_t next(const std::vector<Action>& actions, size_t at, int level, Body kind) {
    const Action& a = actions[at++];
    const bool block = a.op == Op::LockWith || a.op == Op::LockPair || a.op == Op::LockTry;
    if (!block || spec_.locks.empty()) {
      action(a, level, kind);
      return at;
    }
    const std::string l = lock(a.a);
    if (a.op == Op::LockWith) line(level, "with " + l + ":");
    if (a.op == Op::LockPair) line(level, l + ".acquire()");
    if (a.op == Op::LockTry) line(level, "if " + l + ".acquire(False):");
    const int inner = a.op == Op::LockPair ? level : level + 1;
    size_t taken = 0;  // statements of the block, each with the blocks it holds
    for (; taken < 1u + a.b % 2 && at < actions.size(); ++taken)
      at = next(actions, at, inner, kind);
    if (taken == 0 && a.op == Op::LockWith) line(inner, "pass");
    if (a.op == Op::LockPair) line(level, l + ".release()");
    if (a.op == Op::LockTry) {
      line(level + 1, l + ".release()");
      line(level, "else:");
      line(level + 1, "log(\"busy\")");
    }
    return at;
  }

  // Another thread (or a callback) may rebind a global between the test
  // `gA is not None` and its use. Where an exception would count against
  // the scenario (a thread body: uncaught; a C tp_finalize: P7.14), the
  // statement works on a local copy (s, t), dropped afterwards.
  void action(const Action& a, int level, Body kind) {
    bool copy = false;
    if (kind == Body::Function || kind == Body::CFinalizer) switch (a.op) {
        case Op::Link:
        case Op::Unlink:
        case Op::Weakref:
        case Op::WeakrefSelf:
        case Op::FieldWeakref:
        case Op::SelfLink:
        case Op::ClearSelf:
        case Op::Finalize:
        case Op::GenLink:
        case Op::Refcount:
        case Op::IsTracked:
        case Op::FuncLink:
        case Op::ProxyNew:
        case Op::ListLink:
        case Op::LockLink:
          copy = objects_.count(g(a.a)) > 0;
          break;
        default:
          break;
      }
    if (!copy) return statement(a, level, kind);
    const int ia = a.a % globals(), ic = a.c % globals();
    const bool second = a.op == Op::FieldWeakref && ic != ia && objects_.count(g(a.c));
    line(level, "s = " + g(ia));
    if (second) line(level, "t = " + g(ic));
    alias_[ia] = "s";
    if (second) alias_[ic] = "t";
    statement(a, level, kind);
    alias_.clear();
    line(level, "s = None");
    if (second) line(level, "t = None");
  }

  void statement(const Action& a, int level, Body kind) {
    const bool fin = kind == Body::Finalizer || kind == Body::CFinalizer;
    const bool function = kind != Body::Module;
    auto unused = [&]() { line(level, "log(\"skip\")"); };
    switch (a.op) {
      case Op::Link:
      case Op::Unlink:
      case Op::Weakref:
        if (!known(a.a)) return unused();
        break;
      case Op::WeakrefSelf:
        if (!fin && !known(a.a)) return unused();
        break;
      case Op::FieldWeakref:
        if (!known(a.a) || !known(a.c)) return unused();
        break;
      case Op::Release:
        if (!function) return unused();
        break;
      case Op::Raise:
        if (kind != Body::Finalizer && kind != Body::Callback) return unused();
        break;
      case Op::SelfLink:
      case Op::ClearSelf:
        if (!fin && !known(a.a)) return unused();
        if (a.op == Op::SelfLink && fin && !known(a.a)) return unused();
        break;
      case Op::Deref:
        if (!weakrefs_.count(w(a.a))) return unused();
        break;
      case Op::Finalize:
        if (!known(a.a) || spec_.callbacks.empty()) return unused();
        break;
      case Op::AtexitRegister:
      case Op::AtexitUnregister:
        if (!spec_.atexit || spec_.callbacks.empty() || fin || kind == Body::Callback)
          return unused();
        break;
      case Op::GenLink:
      case Op::Refcount:
      case Op::IsTracked:
        if (!known(a.a)) return unused();
        if (a.op == Op::GenLink && spec_.generators == 0) return unused();
        break;
      case Op::GenNew:
      case Op::GenDrop:
        if (spec_.generators == 0) return unused();
        break;
      case Op::GenNext:
      case Op::GenClose:
        if (!generators_.count(q(a.a))) return unused();
        break;
      case Op::FuncNew:
      case Op::FuncDrop:
        if (spec_.functions == 0) return unused();
        break;
      case Op::FuncCall:
      case Op::FuncAttr:
        if (!functions_.count(h(a.a))) return unused();
        break;
      case Op::FuncLink:
        if (!known(a.a) || spec_.functions == 0) return unused();
        break;
      case Op::ProxyNew:
        if (!known(a.a) || spec_.proxies == 0) return unused();
        break;
      case Op::ProxyUse:
        if (!proxies_.count(p(a.a))) return unused();
        break;
      case Op::ProxyDrop:
        if (spec_.proxies == 0) return unused();
        break;
      case Op::ListNew:
      case Op::ListAppend:
      case Op::ListPop:
      case Op::ListClear:
      case Op::ListIter:
        if (spec_.containers == 0) return unused();
        break;
      case Op::ListLink:
        if (!known(a.a) || spec_.containers == 0) return unused();
        break;
      case Op::WhileDrain:
        if (spec_.containers == 0) return unused();
        break;
      case Op::WhileSpin:
        if (kind != Body::Function || !known(a.a)) return unused();
        break;
      case Op::LockWith:  // a block reaches here only when there are no locks
      case Op::LockPair:
      case Op::LockTry:
      case Op::LockAcquire:
        if (spec_.locks.empty()) return unused();
        break;
      case Op::LockRelease:
        if (spec_.locks.empty() || kind == Body::CFinalizer) return unused();
        break;
      case Op::LockLocked:
        if (spec_.locks.empty() || rlock(a.a)) return unused();
        break;
      case Op::LockLink:
        if (spec_.locks.empty() || !known(a.a)) return unused();
        break;
      default:
        break;
    }
    if (language_statement(a, level, kind)) return;
    if (lock_statement(a, level)) return;
    if (list_statement(a, level)) return;
    if (loop_statement(a, level)) return;
    if (function_statement(a, level, kind)) return;
    switch (a.op) {
      case Op::New:
        return line(level, g(a.a) + " = " + type_call(a.b));
      case Op::Link:
        return guarded(level, g(a.a), g(a.a) + "." + f(a.b) + " = " + g(a.c));
      case Op::Unlink:
        return guarded(level, g(a.a), g(a.a) + "." + f(a.b) + " = None");
      case Op::Drop:
        return line(level, g(a.a) + " = None");
      case Op::Weakref:
        return guarded(level, g(a.a), w(a.b) + " = " + weakref(g(a.a), a.c));
      case Op::WeakrefSelf:
        if (fin) return line(level, w(a.b) + " = " + weakref("self", a.c));
        return guarded(level, g(a.a), w(a.b) + " = " + weakref(g(a.a), a.c));
      case Op::FieldWeakref:
        line(level, "if " + g(a.a) + " is not None:");
        return guarded(level + 1, g(a.c),
                       g(a.a) + "." + f(a.b) + " = " + weakref(g(a.c), a.a + a.b));
      case Op::Hold:
        if (!function) return line(level, "keep = " + g(a.b));
        return line(level, "l" + std::to_string(a.a % 2) + " = " + g(a.b));
      case Op::Release:
        return line(level, "l" + std::to_string(a.a % 2) + " = None");
      case Op::Raise:
        return line(level, "raise ValueError");
      case Op::Deref:
        return guarded(level, w(a.a), "log(\"" + w(a.a) + "\", " + w(a.a) + "() is None)");
      case Op::Collect:
        return line(level, "gc.collect()");
      case Op::Log:
        return line(level, "log(\"mark " + std::to_string(a.a) + "\")");
      case Op::Resurrect:
        return line(level, fin ? "keep = self" : "keep = " + g(a.a));
      case Op::SelfLink:
        return guarded(level, g(a.a), g(a.a) + "." + f(a.b) + " = " + (fin ? "self" : g(a.c)));
      case Op::ClearSelf:
        if (fin) return line(level, "self." + f(a.b) + " = None");
        return guarded(level, g(a.a), g(a.a) + "." + f(a.b) + " = None");
      case Op::AtexitRegister:  // AX1: the entry holds the function and the global
        return line(level, "atexit.register(cb" + std::to_string(1 + a.c % spec_.callbacks.size()) +
                               ", " + g(a.a) + ")");
      case Op::AtexitUnregister:  // AX2: removes every entry of the function
        return line(
            level, "atexit.unregister(cb" + std::to_string(1 + a.c % spec_.callbacks.size()) + ")");
      default:
        return;  // the newer statements: language_statement
      case Op::Finalize: {
        // a callback (one parameter) as the finalizer's function, given a
        // string: it never reaches the object (finalize-keeps-referent).
        // The registry keeps the finalizer; nothing calls it explicitly (a
        // raising callback would escape the body).
        const std::string cb = std::to_string(1 + a.c % spec_.callbacks.size());
        return guarded(level, g(a.a),
                       "weakref.finalize(" + g(a.a) + ", cb" + cb + ", \"f" + cb + "\")");
      }
    }
  }

  // The newer statements (GenConfig::language); false for the others.
  // A generator global is read through a local copy outside module code:
  // another thread may rebind it between the test and the call.
  bool language_statement(const Action& a, int level, Body kind) {
    auto on_generator = [&](const std::vector<std::string>& lines) {
      std::string gen = q(a.a);
      if (kind != Body::Module) {
        line(level, "s = " + gen);
        gen = "s";
      }
      line(level, "if " + gen + " is not None:");
      line(level + 1, "try:");
      for (const std::string& l : lines) {
        std::string text = l;
        for (size_t at; (at = text.find('@')) != std::string::npos;) text.replace(at, 1, gen);
        // the try body, then the except clauses and their bodies
        const bool clause = text.rfind("except", 0) == 0;
        line(level + (clause ? 1 : 2), text.rfind("    ", 0) == 0 ? text.substr(4) : text);
      }
      if (kind != Body::Module) line(level, "s = None");
    };
    switch (a.op) {
      case Op::TryExcept:
        line(level, "try:");
        line(level + 1, "raise ValueError");
        line(level, "except ValueError:");
        line(level + 1, g(a.b) + " = None");
        line(level, "finally:");
        line(level + 1, "log(\"finally " + std::to_string(a.a) + "\")");
        return true;
      case Op::TryFinally:
        line(level, "try:");
        line(level + 1, g(a.a) + " = None");
        line(level, "finally:");
        line(level + 1, "gc.collect()");
        return true;
      case Op::GenNew:
        line(level, q(a.a) + " = gen0(" + g(a.b) + ")");
        return true;
      case Op::GenDrop:
        line(level, q(a.a) + " = None");
        return true;
      case Op::GenNext:
        on_generator({"log(\"next\", next(@))", "except StopIteration:", "    log(\"exhausted\")",
                      "except ValueError:", "    log(\"running\")"});
        return true;
      case Op::GenClose:
        on_generator({"@.close()", "except ValueError:", "    log(\"running\")"});
        return true;
      case Op::GenLink:
        guarded(level, g(a.a), g(a.a) + "." + f(a.b) + " = " + q(a.c));
        return true;
      case Op::Refcount:
        guarded(level, g(a.a), "log(\"refs\", sys.getrefcount(" + g(a.a) + "))");
        return true;
      case Op::IsTracked:
        guarded(level, g(a.a), "log(\"tracked\", gc.is_tracked(" + g(a.a) + "))");
        return true;
      case Op::Freeze:
        line(level, a.a % 2 == 0 ? "gc.freeze()" : "gc.unfreeze()");
        return true;
      case Op::SaveAll:
        line(level, a.a % 2 == 0 ? "gc.set_debug(gc.DEBUG_SAVEALL)" : "gc.garbage.clear()");
        return true;
      default:
        return false;
    }
  }

  // Functions and proxies (GenConfig::language); false for the others.
  // Outside module code a function global is called (or given an
  // attribute) through a local copy: another thread may rebind it between
  // the test and the use.
  bool function_statement(const Action& a, int level, Body kind) {
    auto on_function = [&](const std::string& use) {
      std::string fn = h(a.a);
      if (kind != Body::Module) {
        line(level, "u = " + fn);
        fn = "u";
      }
      std::string text = use;
      for (size_t at; (at = text.find('@')) != std::string::npos;) text.replace(at, 1, fn);
      guarded(level, fn, text);
      if (kind != Body::Module) line(level, "u = None");
    };
    switch (a.op) {
      case Op::FuncNew: {
        const std::string x = g(a.b);
        const int maker = a.c % 3;
        line(level, h(a.a) + " = " +
                        (maker == 0   ? "make(" + x + ")"
                         : maker == 1 ? "make_swap(" + x + ")"
                                      : "lambda x, keep=" + x + ": log(\"lambda\", keep is None)"));
        return true;
      }
      case Op::FuncCall:
        on_function(g(a.c) + " = @(" + g(a.b) + ")");
        return true;
      case Op::FuncDrop:
        line(level, h(a.a) + " = None");
        return true;
      case Op::FuncLink:
        guarded(level, g(a.a), g(a.a) + "." + f(a.b) + " = " + h(a.c));
        return true;
      case Op::FuncAttr:
        on_function("@." + f(a.b) + " = " + g(a.c));
        return true;
      case Op::ProxyNew: {
        std::string w = weakref(g(a.a), a.c);
        w.replace(0, std::string("weakref.ref").size(), "weakref.proxy");
        guarded(level, g(a.a), p(a.b) + " = " + w);
        return true;
      }
      case Op::ProxyUse:
        line(level, "if " + p(a.a) + " is not None:");
        line(level + 1, "try:");
        line(level + 2, "log(\"proxy\", " + p(a.a) + "." + f(a.b) + " is None)");
        line(level + 1, "except ReferenceError:");
        line(level + 2, "log(\"dead proxy\")");
        line(level + 1, "except AttributeError:");
        line(level + 2, "log(\"no attribute\")");
        return true;
      case Op::ProxyDrop:
        line(level, p(a.a) + " = None");
        return true;
      default:
        return false;
    }
  }

  // The list statements (GenConfig::language); false for the others. A
  // list global always holds a list; another thread may empty it between
  // a test and a pop, hence the except clause.
  bool list_statement(const Action& a, int level) {
    switch (a.op) {
      case Op::ListNew:
        line(level, k(a.a) + " = []");
        return true;
      case Op::ListAppend:
        guarded_by(level, "len(" + k(a.b) + ") != 4", k(a.b) + ".append(" + g(a.a) + ")");
        return true;
      case Op::ListPop:
        line(level, "try:");
        line(level + 1, k(a.a) + (a.b % 2 == 0 ? ".pop(0)" : ".pop()"));
        line(level, "except IndexError:");
        line(level + 1, "log(\"empty\")");
        return true;
      case Op::ListClear:
        line(level, k(a.a) + ".clear()");
        return true;
      case Op::ListLink:
        guarded(level, g(a.a), g(a.a) + "." + f(a.b) + " = " + k(a.c));
        return true;
      case Op::ListIter:
        line(level, "for v in " + k(a.a) + ":");
        line(level + 1, "log(\"item\", v is None)");
        return true;
      default:
        return false;
    }
  }

  // The while statements (GenConfig::loops); false for the others. The
  // drain ends: appends are bounded and no body loops back to one; a pop
  // that another thread beat to the last item is caught.
  bool loop_statement(const Action& a, int level) {
    switch (a.op) {
      case Op::WhileDrain:
        line(level, "while len(" + k(a.a) + ") != 0:");
        line(level + 1, "try:");
        line(level + 2, k(a.a) + ".pop()");
        line(level + 1, "except IndexError:");
        line(level + 2, "log(\"raced\")");
        return true;
      case Op::WhileBreak:
        line(level, "while True:");
        guarded_by(level + 1, g(a.a) + " is None", "break");
        line(level + 1, g(a.a) + " = None");
        return true;
      case Op::WhileSpin:
        line(level, "while " + g(a.a) + " is not None:");
        line(level + 1, "pass");
        return true;
      default:
        return false;
    }
  }

  // The lock statements that are not blocks (GenConfig::locks; the blocks:
  // next()); false for the others.
  bool lock_statement(const Action& a, int level) {
    switch (a.op) {
      case Op::LockAcquire:
        line(level, lock(a.a) + ".acquire()");
        return true;
      case Op::LockRelease:
        line(level, lock(a.a) + ".release()");
        return true;
      case Op::LockLocked:
        line(level, "log(\"locked\", " + lock(a.a) + ".locked())");
        return true;
      case Op::LockLink:
        guarded(level, g(a.a), g(a.a) + "." + f(a.b) + " = " + lock(a.c));
        return true;
      default:
        return false;
    }
  }

  // Some body assigns an object to global i (so it is not always None).
  bool known(int i) const { return objects_.count("g" + std::to_string(i % globals())) > 0; }

  // weakref.ref(target[, cbN]): the callback chosen by `pick`, or none.
  std::string weakref(const std::string& target, int pick) const {
    int callbacks = static_cast<int>(spec_.callbacks.size());
    int cb = callbacks == 0 ? 0 : pick % (callbacks + 1);
    return "weakref.ref(" + target + (cb ? ", cb" + std::to_string(cb) : "") + ")";
  }

  void pyclass(size_t i) {
    const ClassSpec& c = spec_.classes[i];
    out_ << "class C" << i << ":\n";
    if (!c.has_del) {
      out_ << "    pass\n\n";
      return;
    }
    out_ << "    def __del__(self):\n";
    body(c.del_body, 2, Body::Finalizer);
    out_ << "\n";
  }

  void ctype(size_t i) {
    const CTypeSpec& c = spec_.ctypes[i];
    out_ << "ctype X" << i << ":\n";
    out_ << "    flags: gc, heaptype, weakrefable\n";
    out_ << "    fields: f0, f1\n";
    // The default tp_dealloc does not call a legacy tp_del: write it out.
    std::vector<std::string> steps = c.dealloc;
    if (steps.empty() && c.has_finalize && c.legacy) steps = recommended_dealloc(true, true);
    if (!steps.empty()) {
      out_ << "    dealloc: ";
      for (size_t k = 0; k < steps.size(); ++k) out_ << (k ? "; " : "") << steps[k];
      out_ << "\n";
    }
    if (c.has_finalize) {
      out_ << (c.legacy ? "    def tp_del(self):\n" : "    def tp_finalize(self):\n");
      body(c.finalize_body, 2, Body::CFinalizer);
    }
    out_ << "\n";
  }

  const ScenarioSpec& spec_;
  std::ostringstream out_;
  std::map<int, std::string> alias_;  // globals read through a local copy
  std::set<std::string> objects_;     // globals some body assigns an object to
  std::set<std::string> weakrefs_;    // weakref globals some body assigns a weakref to
  std::set<std::string> generators_;  // generator globals some body assigns a generator to
  std::set<std::string> functions_;   // function globals some body assigns a function to
  std::set<std::string> proxies_;     // proxy globals some body assigns a proxy to
};

}  // namespace

std::string ScenarioSpec::to_life() const { return Writer(*this).run(); }

size_t ScenarioSpec::statements() const {
  size_t n = setup.size();
  for (const ClassSpec& c : classes) n += c.has_del ? c.del_body.size() : 0;
  for (const CTypeSpec& c : ctypes) n += c.has_finalize ? c.finalize_body.size() : 0;
  for (const auto& b : callbacks) n += b.size();
  for (const auto& b : threads) n += b.size();
  return n;
}

std::vector<std::string> recommended_dealloc(bool has_finalize, bool legacy) {
  std::vector<std::string> steps;
  if (has_finalize) steps.push_back(legacy ? "tp_del" : "finalizer_from_dealloc");
  for (const char* s : {"untrack", "clear_weakrefs", "clear", "free", "decref_type"})
    steps.push_back(s);
  return steps;
}

std::vector<std::vector<std::string>> dealloc_variants(bool has_finalize, bool legacy) {
  const std::vector<std::string> base = recommended_dealloc(has_finalize, legacy);
  std::vector<std::vector<std::string>> out;
  for (size_t i = 0; i < base.size(); ++i) {
    std::vector<std::string> v = base;
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
    out.push_back(std::move(v));
  }
  for (size_t i = 0; i < base.size(); ++i)
    for (size_t j = i + 1; j < base.size(); ++j) {
      std::vector<std::string> v = base;
      std::swap(v[i], v[j]);
      out.push_back(std::move(v));
    }
  return out;
}

std::ostream& operator<<(std::ostream& os, const ScenarioSpec& spec) {
  return os << "\n" << spec.to_life();
}

}  // namespace lifecheck::gen
