// weakref.WeakMethod (WeakMethod.cpp, rules WM1-WM8): what other files of
// the model name of it.
#pragma once

#include "model/Program.h"

namespace lifecheck::model {

// A WeakMethod's _cb, whose code the model runs itself (WM5): the function
// an exception from the user's callback leaves last (Thread::exc_func, X7).
inline constexpr FuncId kWeakMethodCb = 0xFC01;  // (after kGeneratorFinalize)

}  // namespace lifecheck::model
