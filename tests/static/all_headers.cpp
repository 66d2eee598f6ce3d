// Every host header of repro, for the static analysers (tests/static/run.sh):
// the core, the harnesses, the .npy reader and the optional Eigen, doctest
// and MPI adapters (GoogleTest and Catch2 have their own tests).
#include <repro/doctest.hpp>
#include <repro/eigen.hpp>
#include <repro/invariance.hpp>
#include <repro/mpi.hpp>
#include <repro/npy.hpp>
#include <repro/repro.hpp>
#include <repro/sequence_invariance.hpp>

int main() { return 0; }
