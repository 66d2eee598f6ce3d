// The fork-join loop under every parallel overload (repro/detail/parallel.hpp):
// each task runs once, in contiguous blocks, one block per worker, whether
// the kept threads run it or, when they are taken (another caller, a nested
// call, a child process after fork), threads of the call's own.
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <mutex>
#include <repro/detail/parallel/pool.hpp>  // the pool itself, on purpose
#include <stdexcept>
#include <thread>
#include <vector>

#if defined(__unix__)
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace {

// Runs parallel_workers and checks its blocks: worker w gets
// [tasks w / n, tasks (w + 1) / n) of n = worker_count(tasks, count), once.
bool covers_once(std::size_t tasks, unsigned count) {
    const std::size_t n = repro::detail::worker_count(tasks, count);
    std::vector<std::atomic<int>> runs(tasks);
    std::vector<std::atomic<int>> worker_runs(n);
    std::atomic<bool> right_block{true};
    repro::detail::parallel_workers(tasks, count, [&](std::size_t w, std::size_t begin, std::size_t end) {
        if (w >= n || begin != tasks * w / n || end != tasks * (w + 1) / n) right_block = false;
        if (w < n) ++worker_runs[w];
        for (std::size_t i = begin; i < end && i < tasks; ++i) ++runs[i];
    });
    for (const auto& r : runs)
        if (r != 1) return false;
    for (const auto& r : worker_runs)
        if (r != 1) return false;
    return right_block;
}

}  // namespace

TEST_CASE("every task runs once, in worker w's contiguous block, for any task and thread count") {
    for (int round = 0; round < 20; ++round)  // the kept threads, call after call
        for (const std::size_t tasks : {0, 1, 2, 3, 7, 8, 64, 1000})
            for (unsigned count = 1; count <= 5; ++count) {
                CAPTURE(tasks);
                CAPTURE(count);
                REQUIRE(covers_once(tasks, count));
            }
    CHECK(repro::detail::worker_count(0, 4) == 0);
    CHECK(repro::detail::worker_count(3, 4) == 3);
    CHECK(repro::detail::worker_count(9, 4) == 4);
}

TEST_CASE("callers on several threads at once each get all their tasks run once") {
    std::atomic<int> failures{0};
    std::vector<std::thread> callers;
    for (int c = 0; c < 4; ++c)
        callers.emplace_back([&] {
            for (int round = 0; round < 50; ++round)
                if (!covers_once(97, 3)) ++failures;
        });
    for (auto& t : callers) t.join();
    CHECK(failures == 0);
}

TEST_CASE("a job that calls the loop again runs its inner tasks too") {
    std::vector<std::atomic<int>> inner(4 * 10);
    repro::detail::parallel_workers(4, 4, [&](std::size_t, std::size_t begin, std::size_t end) {
        for (std::size_t outer = begin; outer < end; ++outer)
            repro::detail::parallel_for(10, 3, [&](std::size_t i) { ++inner[outer * 10 + i]; });
    });
    for (const auto& r : inner) CHECK(r == 1);
}

TEST_CASE("an exception in the caller's block is rethrown after the other workers finish") {
    std::atomic<int> others{0};
    auto job = [&](std::size_t w, std::size_t, std::size_t) {
        if (w == 0) throw std::runtime_error("block 0");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        ++others;
    };
    CHECK_THROWS_WITH_AS(repro::detail::parallel_workers(3, 3, job), "block 0", std::runtime_error);
    CHECK(others == 2);  // they had finished when the exception came out
    CHECK(covers_once(50, 3));  // and the threads are free again
}

#if defined(__unix__)
TEST_CASE("a child process after fork runs parallel work on threads of its own") {
    REQUIRE(covers_once(64, 2));  // the parent's threads exist now
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) _exit(covers_once(64, 2) && covers_once(64, 3) ? 0 : 1);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
#endif
