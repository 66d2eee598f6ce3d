// Placeholder replaced below.
#include <doctest/doctest.h>
