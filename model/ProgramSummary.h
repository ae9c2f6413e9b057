// Static summaries of a program's code for the partial-order reduction
// (model/Independence.cpp): computed once by generate_code and kept in
// Program (ProgramFlags, FuncSummary), plus the walks over a function's
// code that the per-state rules use.
#pragma once

#include <cstdint>

#include "model/Program.h"

namespace lifecheck::model {

// What a walk over a function's code accepts (walk_code):
//  - Local: the statements of the step thread i takes from its check at
//    `pc` up to its next check, every branch followed, (b);
//  - Allocating: the same, and (S3) the creation of instances of plain
//    Python classes (no __init__, no argument) and of weakrefs;
//  - Quiet (S3): the code from `pc` to the return, across checks, with
//    no call, allocation or attribute access;
//  - LocalUntilShared (S0 without the GIL): Local's statements, up to the
//    next check or the first op on a global or the collector, before
//    which the step stops (F14: such an op is a switch point whatever it
//    touches; SwitchPoints.cpp).
enum class Walk : uint8_t { Local, Allocating, Quiet, LocalUntilShared };

bool walk_code(const Program& program, FuncId func, uint16_t pc, Walk mode);

// walk_code's answer from the table summarize_program made (the rules ask
// it at every state), or walked now for a function too long to tabulate.
inline bool code_walks(const Program& program, FuncId func, uint16_t pc, Walk mode) {
  if (func >= program.walks.size() || program.walks[func].empty())
    return walk_code(program, func, pc, mode);
  const auto& table = program.walks[func];
  return pc < table.size() && (table[pc] >> static_cast<unsigned>(mode) & 1) != 0;
}

// What the code of `func` from `pc` on (every op reachable from it, jumps
// and exception handlers followed) may do, together with whatever runs on
// a thread without being in its body (finalizers, callbacks, C slots:
// Program::helper_summary). An op the summary does not know sets all.
FuncSummary remaining_summary(const Program& program, FuncId func, uint16_t pc);

// Sets Program::flags and Program::summaries (called by generate_code).
void summarize_program(Program& program);

}  // namespace lifecheck::model
