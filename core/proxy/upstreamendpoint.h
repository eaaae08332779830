#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QUrl>

namespace obleth::proxy {

/// An upstream as obleth reaches it, worked out once from its base URL (a model's api_base, the default upstream)
/// and the credentials its requests carry: where to connect, the Host header, the base path that request paths are
/// joined to, and the pool its kept-alive connections wait in. Immutable, so that every request to it shares one.
class UpstreamEndpoint final
{
public:
    /// @p base is an http or https URL; @p authorization the Authorization value sent with every request (empty for
    /// none) and @p apiKey the x-api-key value sent with every request (empty for none; Anthropic's Messages API
    /// takes its key so): credentials, which decide the pool (see poolKey()).
    explicit UpstreamEndpoint(QUrl base, QByteArray authorization = {}, QByteArrayView apiKey = {});

    [[nodiscard]] const QUrl &base() const noexcept { return m_base; }
    [[nodiscard]] bool isTls() const noexcept { return m_tls; }
    [[nodiscard]] const QString &host() const noexcept { return m_host; }
    [[nodiscard]] quint16 port() const noexcept { return m_port; }
    /// The Host header's value: the host as encoded in the URL, and its port when the URL names one.
    [[nodiscard]] const QByteArray &hostHeader() const noexcept { return m_hostHeader; }
    /// The base URL's path, percent-encoded, without trailing slashes ("" for the root).
    [[nodiscard]] const QByteArray &basePath() const noexcept { return m_basePath; }
    /// The Authorization value every request carries; empty for none.
    [[nodiscard]] const QByteArray &authorization() const noexcept { return m_authorization; }
    /// The x-api-key value every request carries; empty for none.
    [[nodiscard]] const QByteArray &apiKey() const noexcept { return m_apiKey; }
    /// Which pool connections to it are kept in: scheme, host and port, and a digest of the credentials.
    ///
    /// HTTP/1.1 cannot tell bytes an upstream sends late and unasked from the answer to the next request on the
    /// same connection. Connections are therefore shared only between requests with the same credentials, so such
    /// bytes can never answer another key's request. The digest stands in for them; the log names an upstream by
    /// loggable(), never by its pool key (a digest of a weak key could be confirmed from it).
    [[nodiscard]] const QString &poolKey() const noexcept { return m_poolKey; }
    /// Scheme, host and port, as the operator's log shows an upstream (loggableUrl()).
    [[nodiscard]] QString loggable() const;

private:
    QUrl m_base;
    QString m_host;
    QByteArray m_hostHeader;
    QByteArray m_basePath;
    QByteArray m_authorization;
    QByteArray m_apiKey;
    QString m_poolKey;
    quint16 m_port = 0;
    bool m_tls = false;
};

} // namespace obleth::proxy
