// The few MPI operations the distributed searches use, behind one small
// class so that only MpiComm.cpp includes <mpi.h> (and the plain build
// needs no MPI at all). Every call is collective over MPI_COMM_WORLD unless
// it says otherwise. Errors keep MPI's default handler: a rank that dies
// or fails makes mpirun end every rank with its message, so a run with a
// lost rank can never finish as if it had seen every state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lifecheck::checker {

class MpiComm {
 public:
  // MPI_Init_thread asking for MPI_THREAD_SERIALIZED (the swarm's listener
  // thread makes MPI calls while the search thread makes none).
  static void init(int* argc, char*** argv);
  static void finalize();
  // True when started by mpirun/srun (an MPI environment is present).
  static bool launched();

  int rank() const;
  int size() const;

  uint64_t min(uint64_t value) const;
  uint64_t max(uint64_t value) const;
  uint64_t sum(uint64_t value) const;
  // Element-wise, in place.
  void max(std::vector<uint64_t>& values) const;
  void sum(std::vector<uint64_t>& values) const;

  // All-to-all: `out[r]` goes to rank r; `in[r]` receives what rank r sent
  // this rank. Returns the bytes this rank sent to other ranks.
  uint64_t exchange(const std::vector<std::string>& out, std::vector<std::string>& in) const;
  // Everyone's `mine`, concatenated in rank order, on every rank.
  std::vector<uint64_t> all_gather(const std::vector<uint64_t>& mine) const;
  // The same on rank `root` only (empty elsewhere).
  std::vector<uint64_t> gather(const std::vector<uint64_t>& mine, int root) const;
  void broadcast(std::vector<uint64_t>& values, int root) const;
  void broadcast(std::string& bytes, int root) const;

  // Point to point, for the swarm's "stop" notes (not collective).
  void post_stop_receive() const;  // one pending receive from any rank
  bool stop_received() const;      // the pending receive has completed
  // Ends the pending receive: true when a note had arrived.
  bool cancel_stop_receive() const;
  void send_stop(int to) const;
  void receive_stop() const;  // blocks for one more note
};

}  // namespace lifecheck::checker
