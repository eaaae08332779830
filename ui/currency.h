#pragma once

#include <QList>
#include <QObject>
#include <QString>

namespace obleth::ui {

/// A currency the window shows money in. The gateway has none: its prices are plain numbers per token, in whatever
/// currency the person who typed them thought in; the window only says which.
struct Currency
{
    QString code; ///< ISO 4217 ("USD")
    QString symbol; ///< as written next to an amount ("$", "CHF")
    bool symbolAfter = false; ///< "12,50 €" rather than "€12.50"
    bool spaced = false; ///< a space between symbol and amount ("CHF 0.15")

    /// @p amount as text (already formatted) with the symbol on its side.
    [[nodiscard]] QString wrap(const QString &amount) const;
};

/// The display currency, a setting of the window (QSettings "ui/currency", by code; USD unless set). Pages that show
/// money follow changed().
class DisplayCurrency final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DisplayCurrency)

public:
    /// The currencies offered in Settings, the default (USD) first.
    [[nodiscard]] static const QList<Currency> &known();
    /// The known currency with @p code, or USD.
    [[nodiscard]] static Currency byCode(const QString &code);
    /// The one in use (read from the settings once).
    [[nodiscard]] static const Currency &current();
    /// Uses and remembers the currency with @p code; changed() follows when it is another.
    static void set(const QString &code);
    /// Where changed() comes from.
    [[nodiscard]] static DisplayCurrency *instance();

Q_SIGNALS:
    void changed();

private:
    DisplayCurrency() = default;
};

} // namespace obleth::ui
