// The fork-join loop under every parallel overload (repro/detail/parallel/pool.hpp):
// each task runs once, in contiguous blocks, one block per worker, whether
// the kept threads run it or, when they are taken (another caller, a nested
// call, a child process after fork), threads of the call's own. A task's
// exception comes out of the call (the lowest throwing worker's), never
// ends the process, and leaves the threads free for the next call.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <repro/detail/parallel/pool.hpp>  // the pool itself, on purpose
#include <stdexcept>
#include <string>
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

// The message of the std::exception that call() throws; "" if none,
// "(not a std::exception)" for anything else.
template <class Call>
std::string thrown_by(Call call) {
    try {
        call();
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "(not a std::exception)";
    }
    return "";
}

// parallel_for's sum of i over [0, tasks) on `count` threads, one slot per
// task (no shared counter to hide a lost or doubled task).
bool sums_right(std::size_t tasks, unsigned count) {
    std::vector<std::size_t> seen(tasks, 0);
    repro::detail::parallel_for(tasks, count, [&](std::size_t i) { seen[i] += i + 1; });
    std::size_t sum = 0;
    for (const std::size_t v : seen) sum += v;
    return sum == tasks * (tasks + 1) / 2;
}

struct not_std_exception {
    int worker;
};

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
    CHECK(others == 2);         // they had finished when the exception came out
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

TEST_CASE("an exception from any one worker reaches the caller after every other worker finishes") {
    // 8 workers: more than most test machines have hardware threads
    for (const std::size_t workers : {2, 3, 4, 8})
        for (std::size_t thrower = 0; thrower < workers; ++thrower) {
            CAPTURE(workers);
            CAPTURE(thrower);
            std::atomic<std::size_t> others{0};
            auto job = [&](std::size_t w, std::size_t, std::size_t) {
                if (w == thrower) throw std::runtime_error("block " + std::to_string(w));
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
                ++others;
            };
            const auto count = static_cast<unsigned>(workers);
            CHECK(thrown_by([&] { repro::detail::parallel_workers(workers, count, job); }) ==
                  "block " + std::to_string(thrower));
            CHECK(others == workers - 1);
            REQUIRE(sums_right(1000, count));  // the pool works after it
            REQUIRE(covers_once(100, count));
        }
}

TEST_CASE("when several workers throw, the caller gets the lowest worker's exception, not the earliest") {
    for (int round = 0; round < 5; ++round)
        for (std::size_t lowest = 0; lowest < 4; ++lowest) {
            CAPTURE(round);
            CAPTURE(lowest);
            auto job = [&](std::size_t w, std::size_t, std::size_t) {
                if (w < lowest) return;
                // higher workers throw first
                std::this_thread::sleep_for(std::chrono::milliseconds(2 * (4 - w)));
                throw std::runtime_error("block " + std::to_string(w));
            };
            CHECK(thrown_by([&] { repro::detail::parallel_workers(4, 4, job); }) == "block " + std::to_string(lowest));
        }
    CHECK(sums_right(1000, 4));
}

TEST_CASE("a worker's exception keeps its type, whatever it is") {
    auto out_of_range = [](std::size_t w, std::size_t, std::size_t) {
        if (w == 2) throw std::out_of_range("out of range in block 2");
    };
    CHECK_THROWS_WITH_AS(repro::detail::parallel_workers(3, 3, out_of_range), "out of range in block 2",
                         std::out_of_range);
    bool caught = false;
    try {
        repro::detail::parallel_workers(4, 4, [](std::size_t w, std::size_t, std::size_t) {
            if (w == 3) throw not_std_exception{static_cast<int>(w)};
        });
    } catch (const not_std_exception& e) {
        caught = e.worker == 3;
    }
    CHECK(caught);
    CHECK(sums_right(1000, 4));
}

TEST_CASE("after a call that threw, later calls run every task and throw only their own exceptions") {
    for (int round = 0; round < 50; ++round) {
        CAPTURE(round);
        // workers from `lowest` on throw: the ones not rethrown must not come out later
        const std::size_t lowest = round % 4;
        auto job = [&](std::size_t w, std::size_t, std::size_t) {
            if (w >= lowest) throw std::runtime_error("round " + std::to_string(round) + " block " + std::to_string(w));
        };
        CHECK(thrown_by([&] { repro::detail::parallel_workers(4, 4, job); }) ==
              "round " + std::to_string(round) + " block " + std::to_string(lowest));
        // nothing left over from the call before: no exception, no missing task
        bool right = false;
        CHECK_NOTHROW(right = sums_right(1000, 4));
        CHECK(right);
        REQUIRE(covers_once(64, 3));
    }
}

TEST_CASE("an exception in a nested call's first inner block reaches the outer caller") {
    for (std::size_t outer_thrower = 0; outer_thrower < 4; ++outer_thrower) {
        CAPTURE(outer_thrower);
        std::atomic<int> inner_runs{0};
        auto job = [&](std::size_t w, std::size_t, std::size_t) {
            // the pool is taken by the outer call: the inner one gets threads of its own
            repro::detail::parallel_for(9, 3, [&](std::size_t i) {
                ++inner_runs;
                if (w == outer_thrower && i == 0) throw std::runtime_error("inner of " + std::to_string(w));
            });
        };
        CHECK(thrown_by([&] { repro::detail::parallel_workers(4, 4, job); }) ==
              "inner of " + std::to_string(outer_thrower));
        // the other outer workers ran their whole inner loops; the throwing
        // one lost only the rest of its own inner block (tasks 1 and 2)
        CHECK(inner_runs == 4 * 9 - 2);
        REQUIRE(sums_right(1000, 4));
    }
}

TEST_CASE("a caller that finds the pool busy gets its workers' exceptions, on threads of its own") {
    std::atomic<bool> holding{false};
    std::atomic<bool> release{false};
    std::atomic<int> wrong{0};
    std::atomic<int> checked{0};
    std::thread holder([&] {
        // holds the pool until the other caller is done
        repro::detail::parallel_workers(2, 2, [&](std::size_t w, std::size_t, std::size_t) {
            if (w != 0) return;
            holding = true;
            while (!release) std::this_thread::yield();
        });
    });
    while (!holding) std::this_thread::yield();
    for (const std::size_t workers : {2, 3, 4, 8})
        for (std::size_t thrower = 0; thrower < workers; ++thrower) {
            std::atomic<std::size_t> others{0};
            auto job = [&](std::size_t w, std::size_t, std::size_t) {
                if (w == thrower) throw std::runtime_error("busy " + std::to_string(w));
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                ++others;
            };
            const auto count = static_cast<unsigned>(workers);
            const std::string got = thrown_by([&] { repro::detail::parallel_workers(workers, count, job); });
            if (got != "busy " + std::to_string(thrower) || others != workers - 1) ++wrong;
            ++checked;
        }
    const bool right_sum = sums_right(1000, 4);  // still on threads of its own
    release = true;
    holder.join();
    CHECK(checked == 2 + 3 + 4 + 8);
    CHECK(wrong == 0);
    CHECK(right_sum);
    CHECK(sums_right(1000, 4));  // and the pool is free again
}

TEST_CASE("callers on two threads that both throw each get their own exception") {
    std::atomic<int> wrong{0};
    std::atomic<int> wrong_sums{0};
    std::vector<std::thread> callers;
    for (int c = 0; c < 2; ++c)
        callers.emplace_back([&, c] {
            for (int round = 0; round < 100; ++round) {
                const std::string expected = "caller " + std::to_string(c) + " round " + std::to_string(round);
                const std::size_t thrower = static_cast<std::size_t>(round % 3);
                const std::string got = thrown_by([&] {
                    repro::detail::parallel_workers(3, 3, [&](std::size_t w, std::size_t, std::size_t) {
                        if (w == thrower) throw std::runtime_error(expected);
                    });
                });
                if (got != expected) ++wrong;
                if (!sums_right(300, 3)) ++wrong_sums;
            }
        });
    for (auto& t : callers) t.join();
    CHECK(wrong == 0);
    CHECK(wrong_sums == 0);
}

TEST_CASE("parallel_for and parallel_blocks with more threads than tasks rethrow a task's exception") {
    auto third_throws = [](std::size_t i) {
        if (i == 2) throw std::runtime_error("task 2");
    };
    CHECK_THROWS_WITH_AS(repro::detail::parallel_for(3, 8, third_throws), "task 2", std::runtime_error);
    // every task throws: the lowest task's block is the lowest worker's
    auto all_throw = [](std::size_t i) { throw std::runtime_error("task " + std::to_string(i)); };
    CHECK(thrown_by([&] { repro::detail::parallel_for(5, 16, all_throw); }) == "task 0");
    CHECK(thrown_by([] {
              repro::detail::parallel_blocks(2, 64, [](std::size_t begin, std::size_t) {
                  if (begin == 1) throw std::runtime_error("block from 1");
              });
          }) == "block from 1");
    CHECK(sums_right(1000, 8));
    CHECK(covers_once(7, 16));
}
