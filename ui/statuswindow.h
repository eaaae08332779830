#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
QT_END_NAMESPACE

namespace obleth::ui {

/// Where the gateway listens and, on first start, the key made for the default tenant (shown once); or why
/// it could not start and what to do about it.
class StatusWindow final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatusWindow)

public:
    explicit StatusWindow(QWidget *parent = nullptr);

    void showListening(const QString &dataUrl, const QString &adminUrl);
    void showFirstKey(const QString &key);
    void showError(const QString &error);
    /// What the user can do about a start-up error (empty when there is no advice).
    [[nodiscard]] static QString whatToDo(const QString &error);
    [[nodiscard]] QString stateText() const;

Q_SIGNALS:
    /// The first start's key was shown (the overview's snippets use it).
    void firstKeyShown(const QString &key);

private:
    QLabel *m_state;
    QLineEdit *m_dataUrl;
    QLineEdit *m_adminUrl;
    QLabel *m_keyLabel;
    QLineEdit *m_key;
};

} // namespace obleth::ui
