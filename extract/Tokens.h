// Small helpers over a C expression's tokens: brackets, arguments, casts,
// and the shapes slot code uses (self->field, Py_TYPE(self), NULL).
#pragma once

#include <string>
#include <vector>

#include "extract/Clang.h"

namespace lifecheck::extract {

using Toks = std::vector<Tok>;

// Index of the bracket closing the one at `open`, or toks.size().
size_t closing(const Toks& toks, size_t open);
// The comma-separated arguments between toks[open] == "(" and its closer.
std::vector<Toks> arguments(const Toks& toks, size_t open);
// Without enclosing parentheses and leading casts: "((Obj *)self)" -> "self".
Toks unwrap(Toks toks);
// The first top-level token equal to `text`, or toks.size().
size_t find_top(const Toks& toks, const std::string& text);
// C text for a comment: tokens joined, with spaces only between words.
std::string c_text(const Toks& toks);
bool is_word(const Tok& t);
// A brace initialiser of constants only ({"first", "last", NULL}, {0}): it
// calls nothing and stores no object.
bool is_constant_initializer(const Toks& toks);

}  // namespace lifecheck::extract
