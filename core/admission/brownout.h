#pragma once

#include "model/entities.h"

#include <QtGlobal>

#include <optional>

namespace obleth::admission {

/// The brownout (contract section 11): a generation request that waited in the fair-share queue longer than
/// brownout_wait_ms is answered shorter rather than later, its max_tokens / max_completion_tokens capped at
/// brownout_max_tokens. The decision alone, as pure logic; the data plane rewrites the body.
///
/// The cap for a request that waited @p waitedMs (admission::Ticket::waitedMs()): none when brownout_wait_ms is 0
/// (off) or the request waited no longer than it; else brownout_max_tokens (at least 1).
[[nodiscard]] std::optional<qint64> brownoutCap(qint64 waitedMs, const model::AdmissionSettings &settings);

} // namespace obleth::admission
