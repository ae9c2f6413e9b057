// Whether the canonical encoding is one per symmetry orbit
// (test_canonical.cpp).
#pragma once

#include <cstddef>
#include <string>

#include "model/Program.h"

namespace lifecheck::testing {

// Every order of the symmetric threads of each of up to `max_states`
// concrete states of `p` (found without symmetry) encodes to the same
// bytes with symmetry: empty when it holds, else where it did not.
std::string orbit_encodings_differ(const model::Program& p, size_t max_states);

// The orbits of up to `max_states` concrete states of `p` (found without
// symmetry): how many canonical encodings with symmetry they have, what a
// search with symmetry (without partial-order reduction) must count.
// `concrete`, when given, gets how many concrete states there were.
size_t orbit_count(const model::Program& p, size_t max_states, size_t* concrete = nullptr);

}  // namespace lifecheck::testing
