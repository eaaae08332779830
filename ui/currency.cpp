#include "currency.h"

#include <QSettings>

#include <optional>

namespace obleth::ui {

namespace {
const QString kSettingsKey = QStringLiteral("ui/currency");

std::optional<Currency> &inUse()
{
    static std::optional<Currency> currency;
    return currency;
}
} // namespace

QString Currency::wrap(const QString &amount) const
{
    const QString space = spaced ? QStringLiteral("\u00a0") : QString(); // never broken from its amount
    return symbolAfter ? amount + space + symbol : symbol + space + amount;
}

const QList<Currency> &DisplayCurrency::known()
{
    static const QList<Currency> all{
        {QStringLiteral("USD"), QStringLiteral("$"), false, false},
        {QStringLiteral("EUR"), QStringLiteral("€"), false, false},
        {QStringLiteral("GBP"), QStringLiteral("£"), false, false},
        {QStringLiteral("JPY"), QStringLiteral("¥"), false, false},
        {QStringLiteral("CNY"), QStringLiteral("CN¥"), false, false},
        {QStringLiteral("INR"), QStringLiteral("₹"), false, false},
        {QStringLiteral("CHF"), QStringLiteral("CHF"), false, true},
        {QStringLiteral("CAD"), QStringLiteral("CA$"), false, false},
        {QStringLiteral("AUD"), QStringLiteral("A$"), false, false},
        {QStringLiteral("SEK"), QStringLiteral("kr"), true, true},
    };
    return all;
}

Currency DisplayCurrency::byCode(const QString &code)
{
    for (const Currency &c : known()) {
        if (c.code.compare(code, Qt::CaseInsensitive) == 0)
            return c;
    }
    return known().first();
}

const Currency &DisplayCurrency::current()
{
    std::optional<Currency> &c = inUse();
    if (!c)
        c = byCode(QSettings().value(kSettingsKey).toString());
    return *c;
}

void DisplayCurrency::set(const QString &code)
{
    const Currency chosen = byCode(code);
    QSettings().setValue(kSettingsKey, chosen.code);
    const bool other = current().code != chosen.code;
    inUse() = chosen;
    if (other)
        Q_EMIT instance()->changed();
}

DisplayCurrency *DisplayCurrency::instance()
{
    static DisplayCurrency notifier;
    return &notifier;
}

} // namespace obleth::ui
