#pragma once
// repro/detail/aligned.hpp - std::vector storage on 64-byte boundaries. The
// kernels' rows of packed panels and stored weights then start on a cache
// line, so no 32-byte load of theirs is split across two lines (malloc only
// promises 16 bytes). Alignment changes speed, never a result.

#include <cstddef>
#include <new>
#include <vector>
#include "prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {

template <class T>
struct aligned_allocator {
    using value_type = T;
    static constexpr std::align_val_t alignment{64};
    aligned_allocator() = default;
    template <class U>
    aligned_allocator(const aligned_allocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), alignment)); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, alignment); }
    template <class U>
    bool operator==(const aligned_allocator<U>&) const noexcept {
        return true;
    }
    template <class U>
    bool operator!=(const aligned_allocator<U>&) const noexcept {
        return false;
    }
};

template <class T>
using aligned_vector = std::vector<T, aligned_allocator<T>>;

}  // namespace detail
REPRO_NAMESPACE_END

#include "epilogue.hpp"
