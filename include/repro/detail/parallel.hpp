#pragma once
// repro/detail/parallel.hpp - the threads{} argument of repro's parallel
// overloads, argument checks, and the fork-join loop they run on. Work is
// split into contiguous blocks of independent outputs (or of partials that a
// fixed tree combines), so the thread count never changes a bit.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace repro {

// An explicit number of threads for the parallel overloads: repro::threads{4}.
struct threads {
    unsigned count = 1;
};

namespace detail {

inline void check_input(const void* p, std::size_t n, const char* function, const char* argument) {
    if (p == nullptr && n != 0)
        throw std::invalid_argument(std::string("repro::") + function + ": " + argument + " is a null pointer");
}

inline unsigned check_threads(threads t, const char* function) {
    if (t.count == 0) throw std::invalid_argument(std::string("repro::") + function + ": threads{0}");
    return t.count;
}

// Runs f(begin, end) on `count` threads, each over one contiguous block of
// [0, tasks).
template <class F>
void parallel_blocks(std::size_t tasks, unsigned count, F f) {
    if (count <= 1 || tasks <= 1) {
        if (tasks != 0) f(std::size_t(0), tasks);
        return;
    }
    const std::size_t workers = count < tasks ? count : tasks;
    std::vector<std::thread> pool;
    pool.reserve(workers - 1);
    auto run = [&](std::size_t w) { f(tasks * w / workers, tasks * (w + 1) / workers); };
    for (std::size_t w = 1; w < workers; ++w) pool.emplace_back(run, w);
    run(0);
    for (auto& t : pool) t.join();
}

// Runs f(i) for i in [0, tasks) on `count` threads, contiguous blocks each.
template <class F>
void parallel_for(std::size_t tasks, unsigned count, F f) {
    parallel_blocks(tasks, count, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) f(i);
    });
}

}  // namespace detail
}  // namespace repro
