#pragma once

#include "http/headers.h"
#include "upstreamendpoint.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <memory>
#include <vector>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace obleth::proxy {

class UpstreamConnection;

/// What to send upstream. Headers are sent exactly as given, plus Host and Content-Length:
/// the client adds nothing else of its own.
struct UpstreamRequest
{
    /// Where it goes, worked out once for every request to it (see UpstreamEndpoint). When not set, the exchange
    /// works it out from url, with the credentials in headers, for this request alone.
    std::shared_ptr<const UpstreamEndpoint> endpoint;
    QUrl
        url; ///< http or https, when there is no endpoint; path and query are sent as encoded here unless target is set
    QByteArray target; ///< when set, the request target sent as it is (path and query, percent-encoded)
    QByteArray method = "POST";
    http::Headers headers;
    /// Further fields, already as they are sent ("Name: value\r\n" each), after headers
    /// (writeUpstreamRequestHeaders()).
    QByteArray headerLines;
    QByteArray body;
    int connectTimeoutMs = 10'000;
    int firstByteTimeoutMs = 600'000;
    int idleTimeoutMs = 120'000; ///< 0: none
};

/// A lean asynchronous HTTP/1.1 client with a keep-alive connection pool per upstream host and credentials.
/// Unlike QNetworkAccessManager it has no cap of six connections per host and never adds headers
/// of its own (see docs/design.md). Lives in one thread; every exchange runs in that thread.
///
/// A connection (UpstreamConnection, in the source file) lives as long as its socket and serves one exchange after
/// another; the pool hands it out and takes it back as it is, without a signal connection or a timer made per
/// request. An idle connection is kept for kIdleKeepAliveMs, and dropped at once when the upstream speaks or closes.
class UpstreamClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpstreamClient)

public:
    explicit UpstreamClient(QObject *parent = nullptr);
    ~UpstreamClient() override;

    static constexpr int kMaxIdlePerHost = 256;
    static constexpr int kIdleKeepAliveMs = 30'000;

private:
    friend class UpstreamExchange;
    friend class UpstreamConnection;
    /// A pooled connection for @p key that is still fit to carry a request, or none.
    UpstreamConnection *takeIdle(const QString &key);
    /// A new connection to @p endpoint (it connects when an exchange begins on it).
    UpstreamConnection *open(std::shared_ptr<const UpstreamEndpoint> endpoint);
    /// Pools @p connection after a complete response with no bytes beyond it (or closes it when the pool is full).
    void giveBack(UpstreamConnection *connection);
    /// Takes @p connection out of the pool (it is closing).
    void forget(UpstreamConnection *connection);

    QHash<QString, std::vector<UpstreamConnection *>> m_idle; ///< per pool key; the most recently used last
};

/// One request/response with an upstream: a plain object, owned by whoever relays the answer (ProxyCall), that
/// reports to its Receiver. It runs on a pooled or a fresh UpstreamConnection; destroying it aborts it.
class UpstreamExchange final
{
    Q_DISABLE_COPY_MOVE(UpstreamExchange)

public:
    enum class Failure {
        ConnectFailed, ///< refused, unreachable, DNS, TLS
        ConnectTimeout,
        FirstByteTimeout,
        IdleTimeout,
        Reset, ///< the connection broke before the response was complete
        Malformed, ///< the upstream did not speak HTTP/1.x
    };
    /// The failure's name, for the operator's log.
    [[nodiscard]] static const char *failureName(Failure failure);
    /// The failure in a few plain words ("connection reset"), as a deployment's last_error shows it: no address.
    [[nodiscard]] static QString failureText(Failure failure);

    /// What one read from the upstream brought, handed on at once and as one, so that it can reach the client in
    /// one write: the head if it came, the body decoded from the read (every chunk of it, without the chunked
    /// framing), and whether the response is complete.
    struct Received
    {
        bool head = false; ///< the response's head came: status and headers are set
        int status = 0;
        http::Headers headers;
        QByteArray body;
        bool complete = false; ///< the response is complete: nothing follows
    };

    /// Hears what the exchange brings. Either may destroy the exchange (and the receiver); after complete or
    /// failed() nothing more is reported.
    class Receiver
    {
    public:
        /// Once per read that brought a head, body or the end; the last one says the response is complete. The
        /// receiver may take the headers and body out of @p what.
        virtual void received(Received &what) = 0;
        /// @p message says what went wrong (a socket's error text, a timeout); it does not name the upstream.
        virtual void failed(Failure failure, const QString &message) = 0;

    protected:
        ~Receiver() = default;
    };

    UpstreamExchange(UpstreamClient *client, UpstreamRequest request, Receiver *receiver);
    /// Aborts the exchange if it is still running: nothing is reported any more.
    ~UpstreamExchange();

    /// Sends the request, on a pooled connection when one is idle. The receiver may hear at once (a refused
    /// connection), and may destroy the exchange then.
    void start();
    /// Stops the exchange and closes its connection; nothing is reported.
    void abort();
    /// Stops reading from the upstream while the client is behind (backpressure).
    void setReadPaused(bool paused);

    /// Where the request goes (set once started).
    [[nodiscard]] const UpstreamEndpoint *endpoint() const noexcept { return m_request.endpoint.get(); }

private:
    friend class UpstreamConnection;
    /// Writes the request as it is sent (once: a retry sends the same bytes).
    void writeRequest();
    /// Hands the request to @p socket.
    void sendTo(QTcpSocket *socket) const;
    /// The connection it ran on had been closed by the upstream before the request reached it: sends it again, on a
    /// fresh connection (the connection has let go of the exchange).
    void retry();

    QPointer<UpstreamClient> m_client;
    UpstreamRequest m_request;
    QByteArray m_wire; ///< the request as sent: the head, and the body unless it is sent apart (large)
    Receiver *m_receiver;
    UpstreamConnection *m_connection = nullptr;
    enum class State { Ready, Running, Done } m_state = State::Ready;
    bool m_bodyApart = false;
    bool m_retried = false;
    bool m_head = false; ///< a HEAD request: the answer has no body
};

} // namespace obleth::proxy
