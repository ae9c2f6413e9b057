// A parsed C file, seen through libclang's C API: the cursor tree for the
// structure of the code, and the file's own tokens and macro uses for what
// the preprocessor hid (Py_CLEAR, Py_VISIT, Py_TRASHCAN_BEGIN... expand to
// code from the Python headers; the user wrote the macro).
#pragma once

#include <clang-c/Index.h>

#include <string>
#include <vector>

namespace lifecheck::extract {

struct Tok {
  std::string text;
  CXTokenKind kind = CXToken_Punctuation;
  unsigned offset = 0;  // in the main file
  unsigned line = 0, col = 0;
};

// One use of a macro in the main file: `Py_CLEAR(self->x)` spans
// [begin, end) and its tokens are the name, the parentheses and arguments.
struct MacroUse {
  std::string name;
  unsigned begin = 0, end = 0;
  unsigned line = 0, col = 0;
  std::vector<Tok> tokens;
};

struct Place {
  unsigned line = 0, col = 0;
};

class Source {
 public:
  // Parses `path` with `args` (compiler flags). Throws ExtractError for a
  // missing file or an error diagnostic.
  Source(const std::string& path, const std::vector<std::string>& args);
  ~Source();
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  const std::string& path() const { return path_; }
  CXCursor root() const { return clang_getTranslationUnitCursor(tu_); }
  bool in_main_file(CXCursor c) const;
  // Offsets in the main file of where the code of `c` was written: a
  // statement produced by a macro starts where the macro's name is.
  unsigned begin(CXCursor c) const;
  unsigned end(CXCursor c) const;
  Place place(CXCursor c) const;
  // The main file's tokens that `c` was written with, macro uses included
  // in full.
  std::vector<Tok> tokens(CXCursor c) const;
  const std::vector<MacroUse>& macros() const { return macros_; }
  const MacroUse* macro_at(unsigned offset) const;

 private:
  unsigned offset_of(CXSourceLocation loc) const;
  std::string path_;
  CXIndex index_ = nullptr;
  CXTranslationUnit tu_ = nullptr;
  CXFile file_ = nullptr;
  std::vector<Tok> tokens_;  // the whole main file, in order
  std::vector<MacroUse> macros_;
};

std::string spelling(CXCursor c);
std::vector<CXCursor> children(CXCursor c);
// The cursor with casts, parentheses and implicit conversions peeled off.
CXCursor strip(CXCursor c);
// The name a reference (DeclRefExpr, MemberRefExpr) or call refers to.
std::string referenced_name(CXCursor c);

}  // namespace lifecheck::extract
