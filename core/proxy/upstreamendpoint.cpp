#include "upstreamendpoint.h"

#include "platform/logging.h"

#include <QCryptographicHash>

namespace obleth::proxy {

UpstreamEndpoint::UpstreamEndpoint(QUrl base, QByteArray authorization, QByteArrayView apiKey)
    : m_base(std::move(base))
    , m_host(m_base.host())
    , m_authorization(std::move(authorization))
    , m_apiKey(apiKey.toByteArray())
    , m_tls(m_base.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0)
{
    m_port = quint16(m_base.port(m_tls ? 443 : 80));
    m_hostHeader = m_base.host(QUrl::FullyEncoded).toLatin1();
    if (m_base.port() != -1)
        m_hostHeader += ':' + QByteArray::number(m_base.port());
    m_basePath = m_base.path(QUrl::FullyEncoded).toLatin1();
    while (m_basePath.endsWith('/'))
        m_basePath.chop(1);

    m_poolKey = m_base.scheme().toLower() + QStringLiteral("://") + m_host.toLower() + QLatin1Char(':')
        + QString::number(m_port);
    const QByteArray credentials = m_authorization + '\n' + apiKey;
    if (credentials.size() > 1) {
        m_poolKey += QLatin1Char('#')
            + QString::fromLatin1(QCryptographicHash::hash(credentials, QCryptographicHash::Sha256).toHex().left(12));
    }
}

QString UpstreamEndpoint::loggable() const
{
    return loggableUrl(m_base);
}

} // namespace obleth::proxy
