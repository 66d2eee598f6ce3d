// Every header repro ships, for the macro-scope test (see CMakeLists.txt):
// what is still defined after these lines is what repro leaves to its users.
#include <repro/doctest.hpp>
#include <repro/eigen.hpp>
#include <repro/npy.hpp>
#include <repro/repro.hpp>
