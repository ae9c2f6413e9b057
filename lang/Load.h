// Loading a scenario file: bounded reading, then parsing and compiling
// within the front end's limits (nesting, memory). Every problem is a
// ScenarioError, so a caller prints one "file:line:col: error:" line.
#pragma once

#include <cstdint>
#include <string>

#include "lang/Compiler.h"
#include "lang/Lexer.h"

namespace lifecheck::lang {

// The largest scenario file read at all; scenarios are written by hand.
inline constexpr uint64_t kMaxScenarioBytes = 256ull << 20;
// While loading, the text is held about this many times over (the file,
// the syntax tree's copy, the program's copy): a file may use this share of
// --max-memory.
inline constexpr uint64_t kSourceCopies = 4;

// The file's bytes. Throws ScenarioError (at 0:0) for a file that cannot be
// read, a directory, or one larger than kMaxScenarioBytes or than
// `limits.max_memory_mb` allows; never reads more than that bound.
std::string read_scenario_file(const std::string& path, const FrontEndLimits& limits = {});

// read_scenario_file, parse_scenario and compile.
model::Program load_scenario_file(const std::string& path, const CompileOptions& options,
                                  const FrontEndLimits& limits);
// parse_scenario and compile of text already read.
model::Program load_scenario_source(const std::string& name, const std::string& text,
                                    const CompileOptions& options, const FrontEndLimits& limits);

}  // namespace lifecheck::lang
