#pragma once

#include "model/requestrecord.h"

#include <QString>

namespace obleth::ui {

/// What the Requests page's details show of a request's bodies, and "Copy as curl": pure text, no widgets.
namespace requestdetails {

/// @p body as people read it: JSON indented, other UTF-8 text as it is, binary as its size; "(cut at 64 KiB)" when
/// @p cut.
[[nodiscard]] QString prettyBody(const QByteArray &body, bool cut);
/// A stream's raw server-sent events, at most @p maxEvents of them, then how many more there were.
[[nodiscard]] QString rawEvents(const QByteArray &stream, bool cut, int maxEvents = 20);
/// Whether curlCommand() can reproduce @p record: its headers and whole body were kept (it was made while the window
/// watched, with a body under the limit).
[[nodiscard]] bool canReproduce(const model::RequestRecord &record);
/// A curl command that sends @p record's request again to the gateway at @p dataUrl: its method, path and query, its
/// headers but the hop-by-hop ones, Host and Content-Length (Accept-Encoding becomes --compressed), the client's key
/// as $OBLETH_API_KEY (never the masked value), and the body with --data-raw.
[[nodiscard]] QString curlCommand(const model::RequestRecord &record, const QString &dataUrl);

} // namespace requestdetails

} // namespace obleth::ui
