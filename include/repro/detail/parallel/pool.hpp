#pragma once
// repro/detail/parallel/pool.hpp - the fork-join loop behind repro's
// threads{} arguments, on a pool of threads kept from call to call. Work is
// split into contiguous blocks of independent outputs (or of partials that a
// fixed tree combines), so the thread count never changes a bit.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../../threads.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#define REPRO_HAS_GETPID 1
#endif
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN

namespace detail {

// One turn of a spin-wait loop: x86's pause and Arm's yield tell the core
// that the thread is waiting, so that a hyperthread sibling still working
// gets the core's issue slots (and the loop's exit is not a mis-speculated
// memory-order flush).
inline void spin_pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

// The number of workers that parallel_workers starts for `tasks` tasks.
inline std::size_t worker_count(std::size_t tasks, unsigned count) {
    return tasks == 0 ? 0 : count < tasks ? count : tasks;
}

// The exception of the lowest worker that threw, not the earliest, so the
// same one in every run (null if none); clears every slot.
inline std::exception_ptr take_first(std::vector<std::exception_ptr>& errors) {
    std::exception_ptr first;
    for (auto& e : errors) {
        if (e && !first) first = std::move(e);
        e = nullptr;
    }
    return first;
}

// Threads kept from call to call: a new std::thread per call was often
// started late, a large part of a short product (docs/benchmarks.md); pool
// threads wait for the next job spinning for spin_time, then asleep. One caller at a time: a
// second thread calling in while the pool is busy, or a job calling in from
// inside the pool, gets threads of its own.
class worker_pool {
public:
    using job = void (*)(void* context, std::size_t worker);

    // The process's pool (a new one in a child after fork: the threads
    // stay with the parent). Never destroyed: threads may still be waiting
    // in it when static destructors run.
    static worker_pool& instance() {
        static std::atomic<worker_pool*> pool{nullptr};
        static std::mutex creating;
        worker_pool* p = pool.load(std::memory_order_acquire);
        if (p != nullptr && p->owner_ == current_process()) return *p;
        const std::lock_guard<std::mutex> lock(creating);
        p = pool.load(std::memory_order_relaxed);
        if (p == nullptr || p->owner_ != current_process()) {
            p = new worker_pool;
            pool.store(p, std::memory_order_release);
        }
        return *p;
    }

    // Runs f(context, w) for w in [1, workers) on pool threads and w = 0 on
    // the caller's, and returns when all are done; false (nothing run) when
    // another caller holds the pool or a thread cannot be started. If any
    // f throws, rethrows the lowest worker's exception once all are done.
    bool try_run(std::size_t workers, job f, void* context) {
        if (workers > max_workers) return false;
        bool idle = false;
        if (!busy_.compare_exchange_strong(idle, true, std::memory_order_acquire)) return false;
        try {
            while (threads_.size() + 1 < workers) {
                // a new thread waits for the next job, not the one it sees now
                const std::size_t index = threads_.size() + 1;
                const std::uint64_t now = ticket_.load(std::memory_order_acquire);
                threads_.emplace_back([this, index, now] { serve(index, now); });
                threads_.back().detach();
            }
            if (errors_.size() < workers) errors_.resize(workers);
        } catch (...) {
            busy_.store(false, std::memory_order_release);
            return false;
        }
        {
            const std::lock_guard<std::mutex> lock(wake_);
            job_ = f;
            context_ = context;
            pending_.store(workers - 1, std::memory_order_relaxed);
            // generation and worker count in one word: a thread outside this
            // job learns so without reading job_, which the next job rewrites
            // once this job's workers are done
            const std::uint64_t generation = (ticket_.load(std::memory_order_relaxed) >> worker_bits) + 1;
            ticket_.store(generation << worker_bits | workers, std::memory_order_release);
        }
        wake_up_.notify_all();
        // the pool threads still use the job: wait for them before rethrowing
        try {
            f(context, 0);
        } catch (...) {
            errors_[0] = std::current_exception();
        }
        wait_until(workers <= hardware_threads_, [&] { return pending_.load(std::memory_order_acquire) == 0; });
        const std::exception_ptr error = take_first(errors_);  // before the next caller may write a slot
        busy_.store(false, std::memory_order_release);
        if (error) std::rethrow_exception(error);
        return true;
    }

private:
    static constexpr std::chrono::microseconds spin_time{1000};
    // 24 bits of worker count (more workers get threads of their own), 40 of
    // generation: a sleeping thread would have to miss 2^40 jobs to mistake
    // a new ticket for the one it saw.
    static constexpr int worker_bits = 24;
    static constexpr std::size_t max_workers = (std::size_t(1) << worker_bits) - 1;

    static long current_process() {
#if REPRO_HAS_GETPID
        return static_cast<long>(::getpid());
#else
        return 0;
#endif
    }

    // Spins for spin_time, then yields; yields at once when the job has more
    // workers than the hardware has threads (a spinning thread would hold a
    // core that a worker still needs).
    template <class Ready>
    static void wait_until(bool spin, Ready ready) {
        const auto until = std::chrono::steady_clock::now() + spin_time;
        for (unsigned i = 0; !ready(); ++i) {
            if (!spin || (i % 64 == 63 && std::chrono::steady_clock::now() > until))
                std::this_thread::yield();
            else
                spin_pause();
        }
    }

    // After a job a worker spins for the next one for spin_time, then sleeps;
    // a thread left out of the job, or in one with more workers than the
    // hardware has threads, sleeps at once.
    void serve(std::size_t index, std::uint64_t seen) {
        bool spin = false;
        for (;;) {
            const auto until = std::chrono::steady_clock::now() + spin_time;
            unsigned i = 0;
            while (ticket_.load(std::memory_order_acquire) == seen) {
                if (!spin || (++i % 64 == 0 && std::chrono::steady_clock::now() > until)) {
                    std::unique_lock<std::mutex> lock(wake_);
                    wake_up_.wait(lock, [&] { return ticket_.load(std::memory_order_acquire) != seen; });
                } else {
                    spin_pause();
                }
            }
            seen = ticket_.load(std::memory_order_acquire);
            const std::size_t workers = seen & max_workers;
            spin = index < workers && workers <= hardware_threads_;
            if (index < workers) {
                try {
                    job_(context_, index);
                } catch (...) {
                    errors_[index] = std::current_exception();  // this worker's slot only; the caller reads it
                }
                pending_.fetch_sub(1, std::memory_order_acq_rel);
            }
        }
    }

    long owner_ = current_process();
    std::size_t hardware_threads_ = std::thread::hardware_concurrency();  // 0 if unknown: never spin
    std::atomic<bool> busy_{false};  // a flag, not a mutex: a job that calls in again finds it taken
    std::mutex wake_;
    std::condition_variable wake_up_;
    std::vector<std::thread> threads_;
    std::atomic<std::uint64_t> ticket_{0};  // generation << worker_bits | workers
    std::atomic<std::size_t> pending_{0};
    job job_ = nullptr;
    void* context_ = nullptr;
    std::vector<std::exception_ptr> errors_;  // slot w: worker w's exception in the current job
};

// Runs f(w, begin, end) for w in [0, worker_count(tasks, count)), worker w
// on its own thread (worker 0 on the caller's) over one contiguous block of
// [0, tasks).
template <class F>
void parallel_workers(std::size_t tasks, unsigned count, F f) {
    const std::size_t workers = worker_count(tasks, count);
    if (workers <= 1) {
        if (tasks != 0) f(std::size_t(0), std::size_t(0), tasks);
        return;
    }
    auto run = [&](std::size_t w) { f(w, tasks * w / workers, tasks * (w + 1) / workers); };
    auto call = [](void* context, std::size_t w) { (*static_cast<decltype(run)*>(context))(w); };
    if (worker_pool::instance().try_run(workers, call, &run)) return;
    // threads of the call's own: each exception is kept until all are joined
    std::vector<std::exception_ptr> errors(workers);
    auto guarded = [&](std::size_t w) {
        try {
            run(w);
        } catch (...) {
            errors[w] = std::current_exception();
        }
    };
    std::vector<std::thread> pool;
    pool.reserve(workers - 1);
    std::size_t started = 1;
    try {
        for (; started < workers; ++started) pool.emplace_back(guarded, started);
    } catch (...) {
        // no thread to be had: the caller runs the blocks left (the same blocks, the same bits)
    }
    for (std::size_t w = started; w < workers; ++w) guarded(w);
    guarded(0);
    for (auto& t : pool) t.join();
    if (const std::exception_ptr error = take_first(errors)) std::rethrow_exception(error);
}

// Runs f(begin, end) on `count` threads, each over one contiguous block of
// [0, tasks).
template <class F>
void parallel_blocks(std::size_t tasks, unsigned count, F f) {
    parallel_workers(tasks, count, [&](std::size_t, std::size_t begin, std::size_t end) { f(begin, end); });
}

// Runs f(i) for i in [0, tasks) on `count` threads, contiguous blocks each.
template <class F>
void parallel_for(std::size_t tasks, unsigned count, F f) {
    parallel_blocks(tasks, count, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) f(i);
    });
}

}  // namespace detail
REPRO_NAMESPACE_END

#undef REPRO_HAS_GETPID
#include "../epilogue.hpp"
