// Thread symmetry: threads whose bodies are the same code, and which
// nothing in the scenario singles out, are interchangeable. The canonical
// encoding lists them in a sorted order, so that states differing only by a
// permutation of such threads are one state for the visited set.
#pragma once

#include <vector>

#include "model/Program.h"

namespace lifecheck::model {

// class_of[t] = the symmetry class of thread t; a thread alone in its class
// (or excluded) has its own class. Thread 0 (main) is never symmetric.
struct ThreadSymmetry {
  std::vector<uint8_t> class_of;
  // func_rep[f]: the function frames of f are encoded as; the body of a
  // symmetric thread stands for the body of its class's first thread
  std::vector<FuncId> func_rep;
  // the classes of two threads or more, each in thread order
  std::vector<std::vector<ThreadId>> classes;
  bool any = false;  // some class has two threads or more
};

// Threads are symmetric when their bodies compile to the same instructions
// and no join, expect line or other thread refers to them by name. The
// model must treat such threads alike (every transition is the same up to
// renaming them); runtime bugs that break this turn symmetry off.
ThreadSymmetry thread_symmetry(const Program& program);

}  // namespace lifecheck::model
