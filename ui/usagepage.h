#pragma once

#include <QWidget>

namespace obleth::ui {

class GatewayLink;

/// Usage and cost by tenant, model and day for a period, as a table and a bar chart, with budgets at a glance.
class UsagePage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UsagePage)

public:
    explicit UsagePage(GatewayLink *link, QWidget *parent = nullptr);

private:
    GatewayLink *m_link;
};

} // namespace obleth::ui
