// Shared by the libFuzzer targets (tests/fuzz/README.md): loading fuzz
// input as a scenario within small limits. Any exception other than a
// ScenarioError escapes and is a finding, as is any crash, sanitizer report
// or leak.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "lang/Load.h"

namespace lifecheck::fuzz {

// The front end as the CLI runs it, under a 64 MiB --max-memory.
inline std::optional<model::Program> load(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    return lang::load_scenario_source("fuzz.life", text, {}, lang::FrontEndLimits{64});
  } catch (const lang::ScenarioError& e) {
    // The one-line promise: the formatted error has no line break.
    if (e.format().find('\n') != std::string::npos) __builtin_trap();
    return std::nullopt;
  }
}

}  // namespace lifecheck::fuzz
