// A scenario error: one message pinned to file:line:col. The front end stops
// at the first one, so a bad scenario never reaches the explorer.
#pragma once

#include <stdexcept>
#include <string>

namespace lifecheck::lang {

struct Loc {
  int line = 0;
  int col = 0;
};

class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string file, Loc loc, const std::string& message)
      : std::runtime_error(message), file_(std::move(file)), loc_(loc) {}

  const std::string& file() const { return file_; }
  Loc loc() const { return loc_; }

  // "file:line:col: error: message", the form compilers and editors parse.
  std::string format() const {
    return file_ + ":" + std::to_string(loc_.line) + ":" + std::to_string(loc_.col) +
           ": error: " + what();
  }

 private:
  std::string file_;
  Loc loc_;
};

}  // namespace lifecheck::lang
