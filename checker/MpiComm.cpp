#include "checker/MpiComm.h"

#include <mpi.h>

#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace lifecheck::checker {

namespace {

constexpr int kStopTag = 7;
MPI_Request stop_request = MPI_REQUEST_NULL;
unsigned char stop_note = 0;

int count_of(size_t n) {
  if (n > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw std::length_error("an MPI message of more than 2 GiB");
  return static_cast<int>(n);
}

uint64_t reduce(uint64_t value, MPI_Op op) {
  uint64_t out = 0;
  MPI_Allreduce(&value, &out, 1, MPI_UINT64_T, op, MPI_COMM_WORLD);
  return out;
}

void reduce(std::vector<uint64_t>& values, MPI_Op op) {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), count_of(values.size()), MPI_UINT64_T, op,
                MPI_COMM_WORLD);
}

}  // namespace

void MpiComm::init(int* argc, char*** argv) {
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
}

void MpiComm::finalize() {
  int done = 0;
  MPI_Finalized(&done);
  if (!done) MPI_Finalize();
}

bool MpiComm::launched() {
  // Open MPI's mpirun, MPICH's hydra and Slurm's srun set one of these.
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_NTASKS"})
    if (std::getenv(v)) return true;
  return false;
}

int MpiComm::rank() const {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int MpiComm::size() const {
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

uint64_t MpiComm::min(uint64_t value) const { return reduce(value, MPI_MIN); }
uint64_t MpiComm::max(uint64_t value) const { return reduce(value, MPI_MAX); }
uint64_t MpiComm::sum(uint64_t value) const { return reduce(value, MPI_SUM); }
void MpiComm::max(std::vector<uint64_t>& values) const { reduce(values, MPI_MAX); }
void MpiComm::sum(std::vector<uint64_t>& values) const { reduce(values, MPI_SUM); }

uint64_t MpiComm::exchange(const std::vector<std::string>& out,
                           std::vector<std::string>& in) const {
  const int n = size(), me = rank();
  std::vector<int> send_counts(n), recv_counts(n), send_offsets(n), recv_offsets(n);
  std::string send;
  uint64_t sent = 0;
  for (int r = 0; r < n; ++r) {
    send_offsets[r] = count_of(send.size());
    send_counts[r] = count_of(out[r].size());
    send += out[r];
    if (r != me) sent += out[r].size();
  }
  MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  size_t total = 0;
  for (int r = 0; r < n; ++r) {
    recv_offsets[r] = count_of(total);
    total += static_cast<size_t>(recv_counts[r]);
  }
  std::string recv(total, '\0');
  MPI_Alltoallv(send.data(), send_counts.data(), send_offsets.data(), MPI_BYTE, recv.data(),
                recv_counts.data(), recv_offsets.data(), MPI_BYTE, MPI_COMM_WORLD);
  in.resize(n);
  for (int r = 0; r < n; ++r) in[r].assign(recv, recv_offsets[r], recv_counts[r]);
  return sent;
}

namespace {
// Gathers to `root`, or to everyone when root < 0.
std::vector<uint64_t> gather_to(const std::vector<uint64_t>& mine, int root, int n, int me) {
  int count = count_of(mine.size());
  std::vector<int> counts(n), offsets(n);
  if (root < 0)
    MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  else
    MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, root, MPI_COMM_WORLD);
  size_t total = 0;
  for (int r = 0; r < n; ++r) {
    offsets[r] = count_of(total);
    total += static_cast<size_t>(counts[r]);
  }
  std::vector<uint64_t> all(root < 0 || me == root ? total : 0);
  if (root < 0)
    MPI_Allgatherv(mine.data(), count, MPI_UINT64_T, all.data(), counts.data(), offsets.data(),
                   MPI_UINT64_T, MPI_COMM_WORLD);
  else
    MPI_Gatherv(mine.data(), count, MPI_UINT64_T, all.data(), counts.data(), offsets.data(),
                MPI_UINT64_T, root, MPI_COMM_WORLD);
  return all;
}
}  // namespace

std::vector<uint64_t> MpiComm::all_gather(const std::vector<uint64_t>& mine) const {
  return gather_to(mine, -1, size(), rank());
}

std::vector<uint64_t> MpiComm::gather(const std::vector<uint64_t>& mine, int root) const {
  return gather_to(mine, root, size(), rank());
}

void MpiComm::broadcast(std::vector<uint64_t>& values, int root) const {
  uint64_t n = values.size();
  MPI_Bcast(&n, 1, MPI_UINT64_T, root, MPI_COMM_WORLD);
  values.resize(n);
  MPI_Bcast(values.data(), count_of(n), MPI_UINT64_T, root, MPI_COMM_WORLD);
}

void MpiComm::broadcast(std::string& bytes, int root) const {
  uint64_t n = bytes.size();
  MPI_Bcast(&n, 1, MPI_UINT64_T, root, MPI_COMM_WORLD);
  bytes.resize(n);
  MPI_Bcast(bytes.data(), count_of(n), MPI_BYTE, root, MPI_COMM_WORLD);
}

void MpiComm::post_stop_receive() const {
  MPI_Irecv(&stop_note, 1, MPI_BYTE, MPI_ANY_SOURCE, kStopTag, MPI_COMM_WORLD, &stop_request);
}

bool MpiComm::stop_received() const {
  if (stop_request == MPI_REQUEST_NULL) return false;
  int done = 0;
  MPI_Test(&stop_request, &done, MPI_STATUS_IGNORE);
  return done != 0;
}

bool MpiComm::cancel_stop_receive() const {
  if (stop_request == MPI_REQUEST_NULL) return true;
  MPI_Cancel(&stop_request);
  MPI_Status status;
  MPI_Wait(&stop_request, &status);
  int cancelled = 0;
  MPI_Test_cancelled(&status, &cancelled);
  return cancelled == 0;
}

void MpiComm::send_stop(int to) const {
  unsigned char note = 1;
  MPI_Send(&note, 1, MPI_BYTE, to, kStopTag, MPI_COMM_WORLD);
}

void MpiComm::receive_stop() const {
  unsigned char note = 0;
  MPI_Recv(&note, 1, MPI_BYTE, MPI_ANY_SOURCE, kStopTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

}  // namespace lifecheck::checker
