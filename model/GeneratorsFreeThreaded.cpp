// Y7: generators without the GIL (P313t, P314t; Profile::gen_frame_state_races).
//
// In 3.13.15 (and 3.14) Objects/genobject.c's gen_send_ex2, which next()
// and gen_close reach, reads gi_frame_state for its "generator already
// executing" and "finished" checks, pushes the sent value, links the
// exception state, and only then stores FRAME_EXECUTING, all with plain
// loads and stores and no critical section. Two threads resuming one
// suspended generator can both pass the check and both run its frame:
// CPython crashes (gh-120321; 3.15 makes it one compare-exchange,
// gen_try_set_executing). And YIELD_VALUE (Python/bytecodes.c) stores
// FRAME_SUSPENDED before gen_send_ex2 reads it back to tell a yield from a
// return: a thread that resumes the generator in between makes the first
// one take its yielded value for a return value (gen_iternext raises
// StopIteration).
//
// The model splits these windows only where another running thread can
// reach the generator (SwitchPoints.cpp); elsewhere nothing can come
// between the read and the write.
#include "model/Machine.h"
#include "model/SwitchPoints.h"

namespace lifecheck::model {

namespace {
// Body frame stage (Body frames use no other stage): the next() or close()
// op at pc has read gi_frame_state as resumable and not yet stored
// FRAME_EXECUTING; it runs again to do so.
constexpr uint8_t kGenStateRead = 1;
constexpr int32_t kGenSuspendedState = 1;  // Generators.cpp's GenState
constexpr int32_t kGenRunningState = 2;
}  // namespace

// The read half: true when the op stops here (the frame's pc is set back
// to it), to store FRAME_EXECUTING in its next step.
bool Machine::gen_state_read_pauses(Frame& caller, ObjId g) {
  if (!program_.profile.gen_frame_state_races ||
      !shared_with_running_thread(program_, state_, current_, g))
    return false;
  caller.stage = kGenStateRead;
  --caller.pc;
  return true;
}

// The write half, after the pause: if another thread resumed the generator
// (it is running) or ran it to its end since the read, this thread now
// runs the same frame as well, or a cleared one: undefined behaviour.
// Searched on with memory-safety ignored, the store is taken as 3.15's
// compare-exchange would: the caller's checks run again. False when the op
// runs for the first time (nothing was read yet).
bool Machine::gen_state_set_after_read(Frame& caller, ObjId g) {
  if (caller.stage != kGenStateRead) return false;
  caller.stage = 0;
  const int32_t now = gen_state(g);
  if (now == kGenSuspendedState || now == 0) return true;  // created or suspended: as read
  violation({"memory-safety"},
            "thread " + program_.threads[current_].name + " resumes generator " + name_of(g) +
                (now == kGenRunningState ? " while another thread runs its frame"
                                         : " after another thread ran it to its end") +
                ": gen_send_ex2 read gi_frame_state before the other thread stored "
                "FRAME_EXECUTING and stores it without an atomic compare-exchange "
                "(Objects/genobject.c, gh-120321)");
  return true;
}

// The window after a yield: the caller's next() reads gi_frame_state back
// and finds it no longer suspended (another thread resumed the generator,
// and it may have finished since): gen_send_ex2 returns PYGEN_RETURN.
bool Machine::gen_yield_read_lost(const Frame& caller, ObjId g) const {
  return program_.profile.gen_frame_state_races && caller.has(kFinalizeReturned) &&
         gen_state(g) != kGenSuspendedState;
}

}  // namespace lifecheck::model
