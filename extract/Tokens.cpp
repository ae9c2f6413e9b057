#include "extract/Tokens.h"

#include <algorithm>

namespace lifecheck::extract {

namespace {
bool opens(const std::string& s) { return s == "(" || s == "[" || s == "{"; }
bool closes(const std::string& s) { return s == ")" || s == "]" || s == "}"; }

// Is toks[i] == "(" the start of a cast: "(TYPE *)" followed by an operand?
bool is_cast(const Toks& toks, size_t i) {
  if (toks[i].text != "(") return false;
  size_t close = closing(toks, i);
  if (close >= toks.size() || close + 1 >= toks.size() || close == i + 1) return false;
  if (toks[i + 1].text == "*") return false;  // "(*f)(x)": a dereference, not a type
  bool star = false, keyword = false;
  for (size_t j = i + 1; j < close; ++j) {
    const Tok& t = toks[j];
    if (t.text == "*") {
      star = true;
    } else if (t.kind == CXToken_Keyword) {
      keyword = true;
    } else if (t.kind != CXToken_Identifier) {
      return false;
    }
  }
  const Tok& next = toks[close + 1];
  bool operand = next.kind == CXToken_Identifier || next.text == "(" || next.text == "&" ||
                 next.text == "*" || next.kind == CXToken_Literal;
  if (!operand) return false;
  // "(x)(y)" is a call through a parenthesised name, "(T)(y)" a cast: a
  // single plain identifier followed by "(" stays a call.
  return star || keyword || next.text != "(";
}
}  // namespace

bool is_word(const Tok& t) {
  return t.kind == CXToken_Identifier || t.kind == CXToken_Keyword || t.kind == CXToken_Literal;
}

bool is_constant_initializer(const Toks& toks) {
  if (toks.size() < 2 || toks.front().text != "{" || closing(toks, 0) != toks.size() - 1)
    return false;
  return std::all_of(toks.begin(), toks.end(), [](const Tok& t) {
    return t.kind == CXToken_Literal || t.text == "NULL" || t.text == "{" || t.text == "}" ||
           t.text == "," || t.text == "-";
  });
}

size_t closing(const Toks& toks, size_t open) {
  int depth = 0;
  for (size_t i = open; i < toks.size(); ++i) {
    if (opens(toks[i].text)) ++depth;
    if (closes(toks[i].text) && --depth == 0) return i;
  }
  return toks.size();
}

std::vector<Toks> arguments(const Toks& toks, size_t open) {
  std::vector<Toks> out;
  size_t close = closing(toks, open);
  if (close >= toks.size()) return out;
  Toks cur;
  int depth = 0;
  for (size_t i = open + 1; i < close; ++i) {
    const std::string& s = toks[i].text;
    if (opens(s)) ++depth;
    if (closes(s)) --depth;
    if (depth == 0 && s == ",") {
      out.push_back(cur);
      cur.clear();
      continue;
    }
    cur.push_back(toks[i]);
  }
  if (!cur.empty() || !out.empty()) out.push_back(cur);
  return out;
}

Toks unwrap(Toks toks) {
  for (bool changed = true; changed && !toks.empty();) {
    changed = false;
    if (toks.front().text == "(" && closing(toks, 0) == toks.size() - 1) {
      toks = Toks(toks.begin() + 1, toks.end() - 1);
      changed = true;
    } else if (is_cast(toks, 0)) {
      toks.erase(toks.begin(), toks.begin() + static_cast<long>(closing(toks, 0)) + 1);
      changed = true;
    }
  }
  return toks;
}

size_t find_top(const Toks& toks, const std::string& text) {
  int depth = 0;
  for (size_t i = 0; i < toks.size(); ++i) {
    if (depth == 0 && toks[i].text == text) return i;
    if (opens(toks[i].text)) ++depth;
    if (closes(toks[i].text)) --depth;
  }
  return toks.size();
}

std::string c_text(const Toks& toks) {
  std::string out;
  for (size_t i = 0; i < toks.size(); ++i) {
    if (i > 0) {
      const Tok& a = toks[i - 1];
      const Tok& b = toks[i];
      bool space = (is_word(a) && is_word(b)) || a.text == "," || a.text == "=" || b.text == "=" ||
                   a.text == "&&" || b.text == "&&" || a.text == "||" || b.text == "||" ||
                   a.text == "<" || b.text == "<" || a.text == "==" || b.text == "==" ||
                   a.text == "!=" || b.text == "!=" || a.text == "|" || b.text == "|";
      if (space) out += ' ';
    }
    out += toks[i].text;
  }
  return out;
}

}  // namespace lifecheck::extract
