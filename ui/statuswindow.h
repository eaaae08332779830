#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
QT_END_NAMESPACE

namespace obleth::ui {

/// A small window that shows where the gateway listens and, on first start, the key made for the
/// default tenant (shown once). The full GUI arrives with the tray app.
class StatusWindow final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatusWindow)

public:
    explicit StatusWindow(QWidget *parent = nullptr);

    void showListening(const QString &dataUrl, const QString &adminUrl);
    void showFirstKey(const QString &key);
    void showError(const QString &error);

private:
    QLabel *m_state;
    QLineEdit *m_dataUrl;
    QLineEdit *m_adminUrl;
    QLabel *m_keyLabel;
    QLineEdit *m_key;
};

} // namespace obleth::ui
