// Canonical encoding of a State, and its inverse. Objects are renumbered in
// the order a deterministic walk from the roots discovers them (globals,
// gc.garbage, thread frames and values, GC lists in list order, then
// fields), so two states equal up to a renaming of object slots encode to
// the same bytes. Everything that can influence the future is encoded;
// display-only data (serials) and scratch data (gc_refs, which the
// collector always writes before it reads them, within one transition) is
// not.
//
// decode_state() rebuilds a State from the bytes: objects occupy slots
// 0..n-1 in encoded order and symmetric threads sit in encoded order. The
// result is the encoded state up to a renaming of slots and a permutation
// of interchangeable threads, so it has the same future up to the same
// renaming; re-encoding it gives the same bytes. Parallel and distributed
// searches use it to move states as bytes.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/Program.h"
#include "model/State.h"
#include "model/Symmetry.h"

namespace lifecheck::model {

// With `symmetry`, interchangeable threads (Symmetry.h) are encoded in a
// sorted order, so permutations of them encode alike. With `cuts`, it gets
// the ends of the encoding's first three parts (header and globals, the
// threads, the objects; the GC lists and the rest follow), for stores that
// keep each distinct part once. With `positions`, it gets where each
// thread went: thread t of `state` is thread (*positions)[t] of the
// encoding, and so of decode_state() of it (the identity without
// symmetry), for what is kept per state in its threads' numbering (the
// sleep sets of checker/BfsSleepSets.inc).
void encode_state(const Program& program, const State& state, std::string& out,
                  const ThreadSymmetry* symmetry = nullptr, std::vector<uint32_t>* cuts = nullptr,
                  std::vector<ThreadId>* positions = nullptr);

// Puts thread t of `state` at place positions[t] (encode_state's
// `positions`: a permutation of interchangeable threads), every thread
// number in it changed alike, and the warm bytes of the threads' own call
// sites moved with them (ThreadSymmetry::sites; `symmetry` is the one
// the positions were found under, or null without): the thread order of
// its canonical form and of decode_state(). A search that expands states
// it kept so, instead of decoding them, meets their choices in the
// decoded states' order (checker/Bfs.h).
void reorder_threads(State& state, const std::vector<ThreadId>& positions,
                     const ThreadSymmetry* symmetry);

// encode_state's `positions` with the symmetry they were found under: what
// reorder_threads needs (Model::Renaming).
struct ThreadRenaming {
  std::vector<ThreadId> positions;
  const ThreadSymmetry* symmetry = nullptr;
  size_t size() const { return positions.size(); }
  ThreadId operator[](size_t t) const { return positions[t]; }
};
inline void reorder_threads(State& state, const ThreadRenaming& renaming) {
  reorder_threads(state, renaming.positions, renaming.symmetry);
}

// Bytes that are not an encoding of a state of this program.
struct BadEncoding : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The inverse of encode_state (see above). Throws BadEncoding.
State decode_state(const Program& program, std::string_view bytes);

}  // namespace lifecheck::model
