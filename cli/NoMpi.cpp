// A lifecheck built without MPI: main refuses --distributed and --swarm
// (mpi_built() is false) before any of these could run.
#include <stdexcept>

#include "cli/Mpi.h"

namespace lifecheck::cli {

bool mpi_built() { return false; }
int mpi_start(int*, char***) { return 0; }
void mpi_stop() {}
int mpi_ranks() { return 1; }

ModelResult distributed_search(const model::Model&, const checker::SearchOptions&) {
  throw std::logic_error("lifecheck was built without MPI");
}

ModelResult swarm_search(const model::Model&, const checker::SearchOptions&) {
  throw std::logic_error("lifecheck was built without MPI");
}

}  // namespace lifecheck::cli
