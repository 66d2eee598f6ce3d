// Includes every core header once; compiled by the flag-refusal tests.
#include <repro/repro.hpp>

int main() { return 0; }
