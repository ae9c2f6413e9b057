// lifecheck is built as two executables when libclang or MPI is found
// (CMakeLists.txt): `lifecheck` without them, which starts in a few
// milliseconds with a few MB resident, and `lifecheck-full` beside it with
// them (LLVM and Open MPI add about 60 MB of libraries and their
// relocations to every start). `lifecheck` hands the commands that need
// them (`extract`, `--distributed`, `--swarm`) to `lifecheck-full`,
// replacing its own process, so mpirun and the caller see one program.
#pragma once

namespace lifecheck::cli {

// True in the `lifecheck` that hands over; false in a program that has
// everything it was built with.
bool hands_over_to_full();

// Runs lifecheck-full from this executable's directory in this process
// with the same arguments. Returns only when that fails: it says why on
// stderr and gives the bad-input exit code.
int hand_over_to_full(char** argv);

}  // namespace lifecheck::cli
