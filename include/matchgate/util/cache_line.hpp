#pragma once
// Sizes used to keep data written by different threads apart.
#include <cstddef>

namespace matchgate::util {

// Size of one cache line on every target we run on (x86-64, aarch64 server parts).
inline constexpr std::size_t kCacheLineSize = 64;

// Distance that keeps two hot fields from interfering. Two lines rather than
// one because x86 L2 adjacent-line prefetchers pull cache lines in 128-byte
// pairs, so fields 64 bytes apart still ping-pong between cores. We do not use
// std::hardware_destructive_interference_size: GCC warns that its value may
// change between compiler versions, which would silently change struct layouts.
inline constexpr std::size_t kFalseSharingRange = 2 * kCacheLineSize;

// Tells the CPU we are in a spin-wait loop: on x86 `pause` stops the pipeline
// from filling with speculative loads of the watched line (costly memory-order
// mis-speculation on exit) and gives cycles to a hyper-thread sibling.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#else
  asm volatile("" ::: "memory");
#endif
}

}  // namespace matchgate::util
