// emit-python and emit-c: a scenario as a runnable Python script, and its
// C types as an extension module (docs/conformance.md).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "checker/ReplayScheduler.h"
#include "checker/Schedule.h"
#include "cli/Conform.h"
#include "cli/ConformSupport.h"
#include "emit/CEmitter.h"
#include "emit/PythonEmitter.h"
#include "model/Model.h"

namespace lifecheck::cli {

using conform::load;

namespace {

// The replay token of emit-python / emit-c, checked against the program:
// false (the error printed) when it is malformed, foreign, picks an
// automatic collection or names a thread that cannot run.
bool check_replay(const std::string& replay, const model::Program& program) {
  if (replay.empty()) return true;
  std::string error;
  auto decoded = checker::decode_schedule(replay, error);
  if (!decoded) {
    std::cerr << "lifecheck: " << error << "\n";
    return false;
  }
  if (decoded->fingerprint != program.fingerprint) {
    std::cerr << "lifecheck: this replay token was recorded for another scenario text or "
                 "profile (fingerprint mismatch); pass the same --profile\n";
    return false;
  }
  for (size_t i = 0; i < decoded->steps.size(); ++i)
    if (decoded->steps[i] >> 8) {
      std::cerr << "lifecheck: step " << i + 1
                << " of the replay token starts an automatic collection; the interpreter's "
                   "thresholds decide when one starts, so it cannot be forced\n";
      return false;
    }
  model::Model m(program);
  checker::ReplayScheduler sched(decoded->steps);
  model::run_trace(m, sched, decoded->steps.size() + 1);
  if (sched.mismatch()) {
    std::cerr << "lifecheck: step " << sched.position() + 1
              << " of the replay token names a thread that cannot run there\n";
    return false;
  }
  return true;
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (!f) std::cerr << "lifecheck: cannot write " << path << "\n";
  return static_cast<bool>(f);
}

}  // namespace

int emit_python_command(const std::string& file, const std::string& replay, const std::string& out,
                        const ScenarioOptions& scenario) {
  auto copts = compile_options(scenario);
  if (!copts) return kBadInput;
  auto program = load(file, *copts);
  if (!program) return kBadInput;
  if (auto why = emit::python_level_problem(*program)) {
    std::cerr << "lifecheck: " << file << " is not a Python-level scenario: " << *why
              << "; emit-python needs one that uses only Python code (emit-c writes C types)\n";
    return kBadInput;
  }
  if (!check_replay(replay, *program)) return kBadInput;
  std::string script;
  try {
    emit::EmitOptions eo;
    eo.replay = replay;
    script = emit::emit_python(*program, eo);
  } catch (const emit::EmitError& e) {
    std::cerr << "lifecheck: " << e.what() << "\n";
    return kBadInput;
  }
  if (out.empty()) {
    std::cout << script;
    return kHolds;
  }
  return write_text(out, script) ? kHolds : kBadInput;
}

int emit_c_command(const std::string& file, const std::string& replay, const std::string& out_dir,
                   const ScenarioOptions& scenario) {
  auto copts = compile_options(scenario);
  if (!copts) return kBadInput;
  auto program = load(file, *copts);
  if (!program) return kBadInput;
  if (!check_replay(replay, *program)) return kBadInput;
  const std::string module = emit::c_module_name(file);
  std::string c_source, script;
  try {
    c_source = emit::emit_c(*program, module);
    emit::EmitOptions eo;
    eo.replay = replay;
    eo.c_module = module;
    script = emit::emit_python(*program, eo);
  } catch (const emit::EmitError& e) {
    std::cerr << "lifecheck: " << e.what() << "\n";
    return kBadInput;
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  const std::filesystem::path dir(out_dir);
  const std::string c_path = (dir / (module + ".c")).string();
  const std::string py_path =
      (dir / (std::filesystem::path(file).stem().string() + ".py")).string();
  if (!write_text(c_path, c_source) || !write_text(py_path, script)) return kBadInput;
  std::cout << "wrote " << c_path << " and " << py_path << "\n";
  return kHolds;
}

}  // namespace lifecheck::cli
