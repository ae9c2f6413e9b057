// C types against a real interpreter (docs/conformance.md §10): emit-c
// writes the ctype blocks as an extension module and its Python driver;
// conform builds the module with the interpreter's own headers and judges
// every shipped scenario with C types; a crash agrees with the model only
// where the model's run reaches undefined behaviour.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "TestSupport.h"
#include "checker/Schedule.h"
#include "emit/CEmitter.h"
#include "emit/PythonEmitter.h"
#include "lang/Compiler.h"

namespace lifecheck::testing {
namespace {

// python3 on PATH when it has its headers (Debian: python3-dev) and a C
// compiler is there; empty otherwise.
std::string python_with_headers() {
  std::string py = python3_on_path();
  if (py.empty() || std::system("cc --version >/dev/null 2>&1") != 0) return "";
  std::string probe = temp_file("", ".txt");
  std::string cmd = py +
                    " -c \"import sysconfig, os; print(os.path.exists(os.path.join("
                    "sysconfig.get_paths()['include'], 'Python.h')))\" > " +
                    probe;
  if (std::system(cmd.c_str()) != 0) return "";
  std::ifstream in(probe);
  std::string yes;
  in >> yes;
  std::remove(probe.c_str());
  return yes == "True" ? py : "";
}

#define REQUIRE_HEADERS(py)                                                       \
  const std::string py = python_with_headers();                                   \
  if (py.empty()) {                                                               \
    GTEST_SKIP() << "no python3 with its headers (python3-dev) and a C compiler"; \
  }

TEST(EmitC, WritesTheModuleAndItsDriver) {
  std::string dir = std::filesystem::temp_directory_path() / "lifecheck-emit-c-test";
  std::filesystem::remove_all(dir);
  CliResult r =
      run_cli({"emit-c", source_path("scenarios/contract/P7.10-ok.life"), "--out-dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string c = read_all(dir + "/_lc_P7_10_ok.c");
  std::string py = read_all(dir + "/P7.10-ok.py");
  // each step word becomes its C, in the order of the dealloc: line
  size_t untrack = c.find("/* untrack */\n    PyObject_GC_UnTrack(self);");
  size_t clear = c.find("/* clear data */\n    Py_CLEAR(((lc_Buffer_Object *)self)->f_data);");
  size_t free = c.find("/* free */\n    Py_TYPE(self)->tp_free(self);");
  size_t decref_type = c.find("/* decref_type */\n    Py_DECREF(lc_tp);");
  ASSERT_NE(untrack, std::string::npos) << c;
  EXPECT_LT(untrack, clear);
  EXPECT_LT(clear, free);
  EXPECT_LT(free, decref_type);
  EXPECT_NE(c.find("PyType_FromSpec(&lc_Buffer_spec)"), std::string::npos);  // heaptype
  EXPECT_NE(c.find("PyMODINIT_FUNC\nPyInit__lc_P7_10_ok(void)"), std::string::npos);
  // the driver imports it and constructs through it, labelled as the model
  EXPECT_NE(py.find("import _lc_P7_10_ok as _lc_cmod"), std::string::npos) << py;
  EXPECT_NE(py.find("b = _lc_new(Buffer(_lc_new(Payload(), 'Payload@14')), 'b')"),
            std::string::npos)
      << py;
  EXPECT_NE(py.find("_lc_cmod._lc_register({'turn': lambda: _turn()"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// The C local `ref` of weakref_getobject / use_ref and of weakref_getref /
// drop_ref.
TEST(EmitC, WeakrefStepsAsTheirC) {
  auto c_of = [](const std::string& scenario) {
    return emit::emit_c(lang::load_scenario(source_path(scenario)), "_lc_test");
  };
  std::string bug = c_of("scenarios/ctypes/weakref-borrowed-bug.life");
  EXPECT_NE(bug.find("/* weakref_getobject owner_ref */\n    lc_ref = "
                     "lc_weakref_borrowed(((lc_Watcher_Object *)self)->f_owner_ref);"),
            std::string::npos)
      << bug;
  EXPECT_NE(bug.find("/* use_ref */\n    if (lc_ref != NULL) {"), std::string::npos) << bug;
  std::string ok = c_of("scenarios/ctypes/weakref-getref-ok.life");
  EXPECT_NE(ok.find("lc_ref = lc_weakref_get(((lc_Watcher_Object *)self)->f_owner_ref);"),
            std::string::npos)
      << ok;
  EXPECT_NE(ok.find("/* drop_ref */\n    Py_XDECREF(lc_ref);"), std::string::npos) << ok;
  EXPECT_NE(ok.find("PyWeakref_GetRef(wr, &obj)"), std::string::npos);  // 3.13+
}

// tp_init's Py_SETREF / Py_XSETREF of the constructor argument (R1.17),
// after the plain stores of tp_new.
TEST(EmitC, SetrefInNewAsItsC) {
  std::string c = emit::emit_c(
      lang::load_scenario(source_path("scenarios/ctypes/init-setref-ok.life")), "_lc_test");
  EXPECT_NE(c.find("/* init first */\n    ((lc_Custom_Object *)self)->f_first = "
                   "Py_NewRef(lc_arg0);"),
            std::string::npos)
      << c;
  EXPECT_NE(c.find("/* setref first */\n    Py_SETREF(((lc_Custom_Object *)self)->f_first, "
                   "Py_NewRef(lc_arg0));"),
            std::string::npos)
      << c;
  EXPECT_NE(c.find("/* xsetref last */\n    Py_XSETREF(((lc_Custom_Object *)self)->f_last, "
                   "Py_NewRef(lc_arg1));"),
            std::string::npos)
      << c;
}

TEST(EmitC, BadInput) {
  std::string dir = std::filesystem::temp_directory_path() / "lifecheck-emit-c-bad";
  CliResult bug =
      run_cli({"emit-c", source_path("scenarios/contract/P7.26-bug.life"), "--out-dir", dir});
  EXPECT_EQ(bug.exit_code, 2);
  EXPECT_NE(bug.err.find("runtime bug finalize-legacy-garbage"), std::string::npos) << bug.err;
  // a token of another scenario, and an lc1 token (no checksum, refused)
  CliResult token =
      run_cli({"emit-c", source_path("scenarios/contract/P7.10-ok.life"), "--replay",
               checker::encode_schedule(0x0123456789abcdefull, {0}), "--out-dir", dir});
  EXPECT_EQ(token.exit_code, 2);
  EXPECT_NE(token.err.find("fingerprint"), std::string::npos) << token.err;
  CliResult lc1 = run_cli({"emit-c", source_path("scenarios/contract/P7.10-ok.life"), "--replay",
                           "lc1:0000000000000000:0", "--out-dir", dir});
  EXPECT_EQ(lc1.exit_code, 2);
  EXPECT_NE(lc1.err.find("lc1"), std::string::npos) << lc1.err;
  // an output folder that cannot be made (a file is in the way)
  std::string file_in_way = temp_file("x", ".txt");
  CliResult folder = run_cli(
      {"emit-c", source_path("scenarios/contract/P7.10-ok.life"), "--out-dir", file_in_way});
  EXPECT_EQ(folder.exit_code, 2);
  EXPECT_NE(folder.err.find("cannot create the folder"), std::string::npos) << folder.err;
  // a scenario without C types: emit-python is the command for it
  CliResult python_only =
      run_cli({"emit-c", source_path("scenarios/basics/cycle2-del.life"), "--out-dir", dir});
  EXPECT_EQ(python_only.exit_code, 2);
  EXPECT_NE(python_only.err.find("no ctype block"), std::string::npos) << python_only.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/_lc_cycle2_del.c"));
  CliResult missing = run_cli({"emit-c", "/no/such/file.life", "--out-dir", dir});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("error:"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/_lc_P7_26_bug.c"));
}

// Every step word the language has is lowered (none is "not expressible in
// C yet") for every shipped scenario with C types that a real interpreter
// can run.
TEST(EmitC, LowersEveryShippedCTypeScenario) {
  int emitted = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(source_path("scenarios"))) {
    if (e.path().extension() != ".life") continue;
    model::Program p = lang::load_scenario(e.path().string());
    if (!emit::python_level_problem(p) || emit::interpreter_problem(p)) continue;
    EXPECT_NO_THROW(emit::emit_c(p, "_lc_test")) << e.path();
    emit::EmitOptions eo;
    eo.c_module = "_lc_test";
    EXPECT_NO_THROW(emit::emit_python(p, eo)) << e.path();
    ++emitted;
  }
  EXPECT_GE(emitted, 40);
}

// The interpreter crashes on a bug whose undefined behaviour the model was
// told to ignore: conform does not accept the crash.
TEST(ConformC, ACrashNeedsTheModelsUndefinedBehaviour) {
  REQUIRE_HEADERS(py);
  std::string text = read_all(source_path("scenarios/contract/P7.10-bug.life"));
  std::string blind = temp_file(text +
                                    "ignore P7.10 \"the consequence\"\n"
                                    "ignore memory-safety \"blind the model to the crash\"\n",
                                ".life");
  CliResult r = run_cli({"conform", blind, "--python", py, "--runs", "2", "--forced", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("died of signal"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("but the model has no violation after which CPython's behaviour is "
                       "undefined"),
            std::string::npos)
      << r.out;
  // the same scenario as shipped: the model's memory-safety run explains it
  CliResult shipped = run_cli({"conform", source_path("scenarios/contract/P7.10-bug.life"),
                               "--python", py, "--runs", "2", "--forced", "1"});
  EXPECT_EQ(shipped.exit_code, 0) << shipped.out << shipped.err;
  EXPECT_NE(shipped.out.find("on the model's memory-safety counterexample the interpreter dies"),
            std::string::npos)
      << shipped.out;
  std::remove(blind.c_str());
}

class ConformCScenario : public ::testing::TestWithParam<std::string> {};

// Every shipped scenario with C types that CPython can run (built as an
// extension); the others are skipped here rather than left out when the
// tests are listed, which would compile every scenario in every test
// process.
TEST_P(ConformCScenario, InterpreterAgreesWithTheModel) {
  const model::Program p = lang::load_scenario(source_path(GetParam()));
  if (!emit::python_level_problem(p) || emit::interpreter_problem(p))
    GTEST_SKIP() << "Python alone, or not for an interpreter: " << GetParam();
  REQUIRE_HEADERS(py);
  CliResult r =
      run_cli({"conform", source_path(GetParam()), "--python", py, "--runs", "3", "--forced", "3"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // a pass, or nothing to say where the model's trace set is only partial
  // (test_gc-test_trashcan_threads: millions of traces)
  bool partial = r.out.find("outside the model's partial trace set") != std::string::npos;
  EXPECT_TRUE(partial || r.out.find("C types built for Python") != std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(ConformShipped, ConformCScenario, ::testing::ValuesIn(scenario_files()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace lifecheck::testing
