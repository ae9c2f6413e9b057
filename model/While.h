// while loops (IT7, IT8; model/While.cpp).
#pragma once

#include "model/Program.h"
#include "model/State.h"

namespace lifecheck::model {

// IT8: whether thread t, standing at a while loop's backward check, waits
// there for now: its next iteration would leave the state exactly as it is
// (a spin: `while not flag: pass`) and another thread can do something
// else. Threads.cpp's at_switch_point asks it.
bool spin_waits(const Program& program, const State& state, ThreadId t);

// IT7: a loop test that is a true constant (`while True:`, `while 1:`),
// which CPython's compiler leaves out.
bool always_true(const Program& program, ExprId test);

}  // namespace lifecheck::model
