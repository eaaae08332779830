#include "playgroundpage.h"

#include "gatewaylink.h"

namespace obleth::ui {

PlaygroundPage::PlaygroundPage(GatewayLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
{ }

} // namespace obleth::ui
