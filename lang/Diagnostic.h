// A scenario error: one message pinned to file:line:col. The front end stops
// at the first one, so a bad scenario never reaches the explorer.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lifecheck::lang {

// 1-based; 32 bits, so that a position past line or column 65,535 is shown
// as it is. Whole-file problems (unreadable, too large) are located at 0:0.
struct Loc {
  int32_t line = 0;
  int32_t col = 0;
};

// `text` with control characters (and DEL) written as escapes: \r, \t, \n,
// \0 and \xHH. Error lines quote user input (file names, tokens, option
// values); a NUL must not cut them short nor an ESC or CR redraw the screen.
inline std::string escape_control(std::string_view text) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) {
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == 0) {
      out += "\\0";
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string file, Loc loc, const std::string& message)
      : std::runtime_error(escape_control(message)), file_(std::move(file)), loc_(loc) {}

  const std::string& file() const { return file_; }
  Loc loc() const { return loc_; }

  // "file:line:col: error: message", the form compilers and editors parse;
  // always one line.
  std::string format() const {
    return escape_control(file_) + ":" + std::to_string(loc_.line) + ":" +
           std::to_string(loc_.col) + ": error: " + what();
  }

 private:
  std::string file_;
  Loc loc_;
};

}  // namespace lifecheck::lang
