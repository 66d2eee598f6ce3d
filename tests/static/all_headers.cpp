// Every host header of repro, for the static analysers (tests/static/run.sh):
// the core, the harnesses, and the optional Eigen, doctest and MPI adapters.
#include <repro/doctest.hpp>
#include <repro/eigen.hpp>
#include <repro/invariance.hpp>
#include <repro/mpi.hpp>
#include <repro/repro.hpp>
#include <repro/sequence_invariance.hpp>

int main() { return 0; }
