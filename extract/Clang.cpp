#include "extract/Clang.h"

#include <algorithm>
#include <filesystem>

#include "extract/Extract.h"

namespace lifecheck::extract {

std::string spelling(CXCursor c) {
  CXString s = clang_getCursorSpelling(c);
  const char* p = clang_getCString(s);
  std::string out = p ? p : "";
  clang_disposeString(s);
  return out;
}

namespace {
std::string text_of(CXString s) {
  const char* p = clang_getCString(s);
  std::string out = p ? p : "";
  clang_disposeString(s);
  return out;
}
}  // namespace

std::vector<CXCursor> children(CXCursor c) {
  std::vector<CXCursor> out;
  clang_visitChildren(
      c,
      [](CXCursor child, CXCursor, CXClientData data) {
        static_cast<std::vector<CXCursor>*>(data)->push_back(child);
        return CXChildVisit_Continue;
      },
      &out);
  return out;
}

CXCursor strip(CXCursor c) {
  for (;;) {
    CXCursorKind k = clang_getCursorKind(c);
    if (k != CXCursor_UnexposedExpr && k != CXCursor_ParenExpr && k != CXCursor_CStyleCastExpr)
      return c;
    std::vector<CXCursor> kids = children(c);
    // A cast's children are its type reference, then the operand.
    while (!kids.empty() && clang_getCursorKind(kids.front()) == CXCursor_TypeRef)
      kids.erase(kids.begin());
    if (kids.size() != 1) return c;
    c = kids.front();
  }
}

std::string referenced_name(CXCursor c) {
  c = strip(c);
  CXCursor r = clang_getCursorReferenced(c);
  if (!clang_Cursor_isNull(r)) return spelling(r);
  return spelling(c);
}

Source::Source(const std::string& path, const std::vector<std::string>& args) : path_(path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw ExtractError(path, 0, 0, "cannot read " + path + ": no such file");
  index_ = clang_createIndex(0, 0);
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  CXErrorCode code =
      clang_parseTranslationUnit2(index_, path.c_str(), argv.data(), static_cast<int>(argv.size()),
                                  nullptr, 0, CXTranslationUnit_DetailedPreprocessingRecord, &tu_);
  // a throwing constructor runs no destructor: release libclang's objects here
  auto release = [&]() {
    if (tu_) clang_disposeTranslationUnit(tu_);
    clang_disposeIndex(index_);
    tu_ = nullptr;
    index_ = nullptr;
  };
  if (code != CXError_Success || !tu_) {
    release();
    throw ExtractError(path, 0, 0, "libclang could not parse " + path);
  }
  for (unsigned i = 0, n = clang_getNumDiagnostics(tu_); i < n; ++i) {
    CXDiagnostic d = clang_getDiagnostic(tu_, i);
    CXDiagnosticSeverity sev = clang_getDiagnosticSeverity(d);
    if (sev >= CXDiagnostic_Error) {
      CXFile f;
      unsigned line = 0, col = 0;
      clang_getSpellingLocation(clang_getDiagnosticLocation(d), &f, &line, &col, nullptr);
      std::string where = f ? text_of(clang_getFileName(f)) : path;
      std::string msg = text_of(clang_getDiagnosticSpelling(d));
      clang_disposeDiagnostic(d);
      release();
      throw ExtractError(where, line, col, msg + " (the C file does not compile)");
    }
    clang_disposeDiagnostic(d);
  }
  file_ = clang_getFile(tu_, path.c_str());
  size_t size = 0;
  clang_getFileContents(tu_, file_, &size);
  CXSourceRange all = clang_getRange(clang_getLocationForOffset(tu_, file_, 0),
                                     clang_getLocationForOffset(tu_, file_, size));
  CXToken* toks = nullptr;
  unsigned n = 0;
  clang_tokenize(tu_, all, &toks, &n);
  for (unsigned i = 0; i < n; ++i) {
    Tok t;
    t.text = text_of(clang_getTokenSpelling(tu_, toks[i]));
    t.kind = clang_getTokenKind(toks[i]);
    if (t.kind == CXToken_Comment) continue;
    CXFile f;
    clang_getFileLocation(clang_getTokenLocation(tu_, toks[i]), &f, &t.line, &t.col, &t.offset);
    tokens_.push_back(std::move(t));
  }
  clang_disposeTokens(tu_, toks, n);
  for (CXCursor c : children(root())) {
    if (clang_getCursorKind(c) != CXCursor_MacroExpansion || !in_main_file(c)) continue;
    MacroUse m;
    m.name = spelling(c);
    CXSourceRange r = clang_getCursorExtent(c);
    m.begin = offset_of(clang_getRangeStart(r));
    m.end = offset_of(clang_getRangeEnd(r));
    Place p = place(c);
    m.line = p.line;
    m.col = p.col;
    for (const Tok& t : tokens_)
      if (t.offset >= m.begin && t.offset < m.end) m.tokens.push_back(t);
    macros_.push_back(std::move(m));
  }
  std::sort(macros_.begin(), macros_.end(),
            [](const MacroUse& a, const MacroUse& b) { return a.begin < b.begin; });
}

Source::~Source() {
  if (tu_) clang_disposeTranslationUnit(tu_);
  if (index_) clang_disposeIndex(index_);
}

unsigned Source::offset_of(CXSourceLocation loc) const {
  CXFile f;
  unsigned line, col, off = 0;
  clang_getExpansionLocation(loc, &f, &line, &col, &off);
  return off;
}

bool Source::in_main_file(CXCursor c) const {
  CXFile f = nullptr;
  clang_getExpansionLocation(clang_getCursorLocation(c), &f, nullptr, nullptr, nullptr);
  return f && file_ && clang_File_isEqual(f, file_);
}

unsigned Source::begin(CXCursor c) const {
  return offset_of(clang_getRangeStart(clang_getCursorExtent(c)));
}

unsigned Source::end(CXCursor c) const {
  return offset_of(clang_getRangeEnd(clang_getCursorExtent(c)));
}

Place Source::place(CXCursor c) const {
  CXFile f;
  Place p;
  clang_getExpansionLocation(clang_getRangeStart(clang_getCursorExtent(c)), &f, &p.line, &p.col,
                             nullptr);
  return p;
}

std::vector<Tok> Source::tokens(CXCursor c) const {
  unsigned b = begin(c), e = end(c);
  for (bool grew = true; grew;) {
    grew = false;
    for (const MacroUse& m : macros_)
      if (m.begin >= b && m.begin <= e && m.end > e) {
        e = m.end;
        grew = true;
      }
  }
  std::vector<Tok> out;
  for (const Tok& t : tokens_)
    if (t.offset >= b && t.offset < e) out.push_back(t);
  return out;
}

const MacroUse* Source::macro_at(unsigned offset) const {
  for (const MacroUse& m : macros_)
    if (m.begin == offset) return &m;
  return nullptr;
}

}  // namespace lifecheck::extract
