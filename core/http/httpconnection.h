#pragma once

#include "httprequest.h"
#include "messageparser.h"

#include <QBasicTimer>
#include <QObject>
#include <QPointer>

QT_BEGIN_NAMESPACE
class QAbstractSocket;
QT_END_NAMESPACE

namespace obleth::http {

class HttpHandler;
class SocketResponder;
struct ServerOptions;

/// One client connection: reads requests one at a time, hands each to the handler, writes the answer.
/// It knows nothing of the server that accepted it: it reads the server's options and reports what happens
/// through its signals; the server tells it when to drain.
///
/// Its timeouts (the TLS handshake, an idle keep-alive connection, a head or body that stops arriving or trickles,
/// the linger before closing) are one deadline, worked out from the phase the connection is in, and one timer armed
/// lazily: a deadline that moves later (each read, each answer) leaves a running timer alone, and a timer that
/// fires early arms itself again for what is left. A keep-alive connection serving request after request, each
/// arriving whole, starts and kills no timer for them.
class HttpConnection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpConnection)

public:
    /// Takes @p socket over. @p options must outlive the connection (the server holds both).
    HttpConnection(QAbstractSocket *socket, HttpHandler *handler, const ServerOptions &options, QObject *parent);
    ~HttpConnection() override;

    /// From now on each answer is the connection's last, and the connection closes at once if it is waiting
    /// for a request (the server drains).
    void drain();

Q_SIGNALS:
    /// A request went to the handler.
    void requestStarted();
    /// That request's answer is written, or the client went away before it was (emitted once per request).
    void requestEnded();
    /// The connection is closed; it may be deleted (later: this is emitted from within it).
    void closed();

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    friend class SocketResponder;
    enum class State { Reading, Handling, Closing, Closed };
    /// Where the request being read is (while Reading): which deadline, besides the idle one, applies.
    enum class Phase { Handshake, Idle, Head, Body };

    void onReadyRead();
    void onBytesWritten();
    void processInput();
    void dispatch();
    void reject(int status, const QString &message);
    void responseFinished();
    void closeNow();
    void onDisconnected();
    void startLinger();
    /// True when the socket holds bytes no readyRead() will report again (see m_readDeferred).
    [[nodiscard]] bool socketHoldsUnreported() const;

    /// When the connection's current deadline falls (monotonic ms); kNever while a request is answered.
    [[nodiscard]] qint64 deadline() const;
    /// Makes sure the timer fires no later than deadline(): starts it only if none runs or it runs too long.
    void armTimer();
    /// deadline() has passed: closes, refuses with 408, or starts the body's next rate window.
    void onDeadline(qint64 now);

    void endRequest();
    [[nodiscard]] QString peer() const;

    QAbstractSocket *m_socket;
    HttpHandler *m_handler;
    const ServerOptions &m_options; ///< the server's; the server deletes every connection before its own end
    MessageParser m_parser;
    HttpRequest m_request; ///< the one being read
    QHostAddress m_peerAddress; ///< the client's, for each request
    QPointer<SocketResponder> m_responder;
    QBasicTimer m_timer; ///< fires at m_timerDue, which is never later than deadline()
    qint64 m_timerDue = 0; ///< while m_timer runs
    qint64 m_lastActivity = 0; ///< the last read while Reading, or the end of the last answer: idle is timed from it
    qint64 m_lastSent = 0; ///< while an answer is written: when the client last took some of it (send timeout)
    qint64 m_phaseDeadline = 0; ///< the handshake's or head's end, the body's rate window's end, the linger's end
    State m_state = State::Reading;
    Phase m_phase = Phase::Idle;
    qint64 m_windowBytes = 0; ///< body bytes received in the current rate window
    bool m_socketBuffered = false; ///< Qt buffers what it reads from this socket (TLS)
    /// An answer was under way and its bound held back what the client sent after it: the socket has more to
    /// read than readyRead() will tell (an unbuffered socket's notifier waits for a read, a full buffer for room).
    bool m_readDeferred = false;
    bool m_earlyAnswer = false; ///< refused on its head: the body is dropped and the connection closes
    bool m_keepAlive = true;
    bool m_dispatching = false;
    bool m_countedInFlight = false;
    bool m_draining = false;
};

} // namespace obleth::http
