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
  // sites[t], for a thread t of such a class: the call sites of its body
  // that warm up (State::warm, warm_site()), in code order. Each thread
  // body is a code object of its own, so its sites are its own; the
  // bodies of a class have theirs at the same places. The warm bytes of a
  // thread's sites move with it when threads are permuted: the canonical
  // encoding writes them at the sites of the place it puts the thread in
  // (reorder_threads moves them so), and a thread that runs a class
  // mate's body uses the sites of its own body at the same place
  // (Machine::warm_byte). Empty for other threads.
  std::vector<std::vector<uint16_t>> sites;
  bool any_sites = false;  // some class's bodies have such sites
};

// Threads are symmetric when their bodies compile to the same instructions
// (up to which call sites they warm: each body's sites are its own) and
// no join, expect line or other thread refers to them by name. The
// model must treat such threads alike (every transition is the same up to
// renaming them); runtime bugs that break this turn symmetry off.
ThreadSymmetry thread_symmetry(const Program& program);

}  // namespace lifecheck::model
