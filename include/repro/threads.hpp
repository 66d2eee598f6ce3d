#pragma once
// repro/threads.hpp - the thread-count argument of repro's parallel functions.
// Threads split independent outputs (rows, columns) or the partials of a
// fixed combining tree, never the order of one reduction, so the count
// changes the speed of a call and never a bit of its result.
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

// repro::threads{4}: run on up to 4 threads (the caller's included). The
// default, threads{}, is one thread; threads{0} is rejected.
struct threads {
    unsigned count = 1;
};

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
