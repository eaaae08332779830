#include "usagepage.h"

#include "gatewaylink.h"

namespace obleth::ui {

UsagePage::UsagePage(GatewayLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
{ }

} // namespace obleth::ui
