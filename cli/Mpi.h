// The command line's MPI side: --distributed (one exhaustive search split
// over the ranks of mpirun, checker/Distributed.h) and --swarm (independent
// randomized bitstate searches, one per rank, checker/Swarm.h). Built from
// cli/Mpi.cpp when CMake finds MPI (LIFECHECK_MPI), else from cli/NoMpi.cpp,
// where mpi_built() is false and the flags are refused as bad input.
//
// Every rank runs the same command on the same input in lock-step: each
// search is collective, and every rank computes the same result, so the
// loops of `check` (several files, --all, --profile all) stay in step. Only
// rank 0 prints or writes files.
#pragma once

#include "checker/Search.h"
#include "model/Model.h"

namespace lifecheck::cli {

bool mpi_built();
// Starts MPI; returns this process's rank.
int mpi_start(int* argc, char*** argv);
// Ends MPI (when started); safe to call more than once.
void mpi_stop();
int mpi_ranks();

using ModelResult = checker::SearchResult<model::Model::Choice>;

// The exhaustive search with its states split over the ranks: the same
// verdict, counts and counterexample as checker::explore's breadth-first
// search. Rank 0 prints the figures of every rank on stderr.
ModelResult distributed_search(const model::Model& model, const checker::SearchOptions& options);

// A swarm of depth-first bitstate searches, one per rank, each in its own
// order; the first counterexample stops the others. Without one, the
// result is a partial one (a limit) saying what was covered.
ModelResult swarm_search(const model::Model& model, const checker::SearchOptions& options);

}  // namespace lifecheck::cli
