// The C front end (`lifecheck extract`): reads a C extension source with
// libclang and writes a scenario skeleton with one `ctype` block per type it
// finds, each slot translated into a step list whose steps carry the C line
// they came from. Built only when libclang is found (extract/CMakeLists.txt);
// the model never learns the C source, only the .life text written here.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace lifecheck::extract {

// Bad input: a missing file, C that does not parse, no type found.
// format() gives the "file:line:col: error: message" line.
class ExtractError : public std::runtime_error {
 public:
  ExtractError(std::string file, unsigned line, unsigned col, const std::string& message)
      : std::runtime_error(message), file_(std::move(file)), line_(line), col_(col) {}
  std::string format() const {
    return file_ + ":" + std::to_string(line_) + ":" + std::to_string(col_) + ": error: " + what();
  }

 private:
  std::string file_;
  unsigned line_, col_;
};

// A construct that could not be translated, with its place in the C file.
struct Warning {
  std::string file;
  unsigned line = 0;
  unsigned col = 0;
  std::string message;
  std::string format() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": warning: " + message;
  }
};

struct ExtractResult {
  std::string life;                // the scenario skeleton
  std::vector<Warning> warnings;   // also listed as comments in `life`
  std::vector<std::string> types;  // the ctype names, in order
};

// `flags` are extra compiler arguments (-I, -D, -std=...). The Python
// headers found when lifecheck was built are searched after them.
// Throws ExtractError.
ExtractResult extract_file(const std::string& path, const std::vector<std::string>& flags);

}  // namespace lifecheck::extract
