// Helpers the command implementations share (Commands.cpp, RunCommands.cpp);
// not part of the CLI's interface.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/Commands.h"
#include "model/Program.h"
#include "model/State.h"

namespace lifecheck::cli {

// Loads a scenario with the command-line overrides (--profile,
// --runtime-bug, --ignore); prints the error and returns nullopt on bad
// input.
std::optional<model::Program> load(const std::string& file, const ScenarioOptions& options);

// The DOT file of --dot (checked writable before the run); false when it
// could not be written after all. Nothing when `file` is empty.
bool write_dot(const std::string& file, const model::Program& program, const model::State& s);

// `s` quoted for a POSIX shell where it needs to be.
std::string shell_word(const std::string& s);

// What `lifecheck replay` needs besides the file and the token to rebuild
// the same scenario: the profile, runtime bugs and ignored properties given
// on the command line (and those --all ignored).
std::string replay_options(const model::Program& program, const ScenarioOptions& scenario,
                           const std::vector<std::string>& also_ignored);
// The whole replay command line for `token`.
std::string replay_command(const model::Program& program, const std::string& token,
                           const std::string& options);

// The properties the scenario ignores, with why and where each was given.
nlohmann::json ignored_json(const model::Program& program);

}  // namespace lifecheck::cli
