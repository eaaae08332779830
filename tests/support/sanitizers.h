#pragma once

namespace obleth::test {

// Under AddressSanitizer freed memory sits in a quarantine instead of being reused and allocations carry shadow
// memory, so memory figures grow with the bytes that pass through, not with what is held: tests that measure
// memory skip those checks there. (The asan preset also enables UndefinedBehaviorSanitizer.)
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kMemoryIsMeaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kMemoryIsMeaningful = false;
#else
inline constexpr bool kMemoryIsMeaningful = true;
#endif
#else
inline constexpr bool kMemoryIsMeaningful = true;
#endif

} // namespace obleth::test
