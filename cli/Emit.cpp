// emit-python and emit-c: a scenario as a runnable Python script, and its
// C types as an extension module (docs/conformance.md).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/Conform.h"
#include "cli/ConformSupport.h"
#include "emit/CEmitter.h"
#include "emit/PythonEmitter.h"
#include "model/Model.h"

namespace lifecheck::cli {

namespace {

// The replay token of emit-python / emit-c, checked against the program:
// false (the error printed) when it is not a schedule of the scenario or
// picks an automatic collection, which cannot be forced on an interpreter.
bool check_replay(const std::string& replay, const model::Program& program) {
  if (replay.empty()) return true;
  auto steps = decode_token_for(program, replay, "; pass the same --profile");
  if (!steps) return false;
  for (size_t i = 0; i < steps->size(); ++i)
    if ((*steps)[i] >> 8) {
      std::cerr << "lifecheck: step " << i + 1
                << " of the replay token starts an automatic collection; the interpreter's "
                   "thresholds decide when one starts, so it cannot be forced\n";
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
  auto program = load_program(file, *copts, scenario.max_memory_mb);
  if (!program) return kBadInput;
  if (auto why = emit::python_level_problem(*program)) {
    std::cerr << "lifecheck: " << file << " is not a Python-level scenario: " << *why
              << "; emit-python needs one that uses only Python code (emit-c writes C types)\n";
    return kBadInput;
  }
  if (!writable_path(out, "script")) return kBadInput;
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
  auto program = load_program(file, *copts, scenario.max_memory_mb);
  if (!program) return kBadInput;
  if (!check_replay(replay, *program)) return kBadInput;
  if (std::none_of(program->types.begin(), program->types.end(),
                   [](const model::TypeInfo& t) { return t.kind == model::TypeKind::CType; })) {
    std::cerr << "lifecheck: " << file
              << " has no ctype block, so emit-c has no C type to write; emit-python writes "
                 "its script\n";
    return kBadInput;
  }
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
  if (ec || !std::filesystem::is_directory(out_dir, ec)) {
    std::cerr << "lifecheck: cannot create the folder " << out_dir << ": "
              << (ec ? ec.message() : "a file of that name exists") << "\n";
    return kBadInput;
  }
  const std::filesystem::path dir(out_dir);
  const std::string c_path = (dir / (module + ".c")).string();
  const std::string py_path =
      (dir / (std::filesystem::path(file).stem().string() + ".py")).string();
  if (!write_text(c_path, c_source) || !write_text(py_path, script)) return kBadInput;
  std::cout << "wrote " << c_path << " and " << py_path << "\n";
  return kHolds;
}

}  // namespace lifecheck::cli
