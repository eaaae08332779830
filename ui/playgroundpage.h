#pragma once

#include <QWidget>

namespace obleth::ui {

class GatewayLink;

/// Chat with any model through the gateway itself, as a client would: it goes through admission, the log and the cache.
class PlaygroundPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PlaygroundPage)

public:
    explicit PlaygroundPage(GatewayLink *link, QWidget *parent = nullptr);

private:
    GatewayLink *m_link;
};

} // namespace obleth::ui
