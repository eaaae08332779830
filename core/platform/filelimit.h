#pragma once

namespace obleth::platform {

/// Raises the soft limit of open files to the hard limit (as nginx and Go do): every proxied stream
/// needs two sockets, and the common default soft limit of 1024 would cap obleth near 500 streams.
/// Returns the limit now in force (0 where there is none to raise).
long raiseOpenFileLimit();

} // namespace obleth::platform
