// Which scenario statement each thread is executing, for a traced run
// (run_trace): every event is stamped with it when emitted (Event::line).
// A body frame's pc does not say this once the body waits on runtime work
// or a call (it is past the op, or back at it to run it again), so the
// Machine notes, per thread and frame, the op each body last began. The
// notes live outside the State: they are no part of what the search
// compares, and the search (no tracker) pays nothing for them.
#pragma once

#include <cstdint>
#include <vector>

#include "model/Program.h"
#include "model/State.h"

namespace lifecheck::model {

// The scenario statement an event ran in: line 0 (func kNoFunc) for
// runtime work no Python statement of its thread caused (the end-of-run
// collections, a thread's bootstrap).
struct StatementAt {
  uint32_t line = 0;
  FuncId func = kNoFunc;
};

class StatementTracker {
 public:
  // Body frame `index` of thread t (at `base`) begins op `op` of `func`.
  void op_begins(ThreadId t, size_t index, const Frame& f, uint16_t op) {
    Note& n = note(t, index);
    n = Note{f.base, f.func, op, true};
  }
  // A frame was pushed at `index`: nothing it or an earlier frame there ran
  // is known of it.
  void pushed(ThreadId t, size_t index) { note(t, index).set = false; }

  // The statement of the innermost body on thread t: the op it last began;
  // a body that has not begun one yet is at its pc; a frame releasing a
  // returned body's locals is still at that body's last op (CPython clears
  // them as the frame returns).
  StatementAt at(const Program& program, const Thread& th, ThreadId t) const {
    const auto& notes = t < notes_.size() ? notes_[t] : none_;
    for (size_t i = th.frames.size(); i-- > 0;) {
      const Frame& f = th.frames[i];
      const bool noted = i < notes.size() && notes[i].set && notes[i].base == f.base;
      if (f.kind == FrameKind::Body) {
        const auto& code = program.funcs[f.func].code;
        const uint16_t op = noted ? notes[i].op : f.pc;
        return {op < code.size() ? code[op].line : 0, f.func};
      }
      if (f.kind == FrameKind::Release && noted) {
        const auto& code = program.funcs[notes[i].func].code;
        return {notes[i].op < code.size() ? code[notes[i].op].line : 0, notes[i].func};
      }
    }
    return {};
  }

  // Where the step that found a violation was when it found it.
  StatementAt violation;

 private:
  struct Note {
    uint16_t base = 0;
    FuncId func = kNoFunc;
    uint16_t op = 0;
    bool set = false;
  };
  Note& note(ThreadId t, size_t index) {
    if (notes_.size() <= t) notes_.resize(t + 1);
    if (notes_[t].size() <= index) notes_[t].resize(index + 1);
    return notes_[t][index];
  }
  std::vector<std::vector<Note>> notes_;
  std::vector<Note> none_;
};

}  // namespace lifecheck::model
