#pragma once

#include "httprequest.h"
#include "messageparser.h"

#include <QBasicTimer>
#include <QObject>
#include <QPointer>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace obleth::http {

class HttpHandler;
class SocketResponder;
struct ServerOptions;

/// One client connection: reads requests one at a time, hands each to the handler, writes the answer.
/// It knows nothing of the server that accepted it: it reads the server's options and reports what happens
/// through its signals; the server tells it when to drain.
class HttpConnection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpConnection)

public:
    /// Takes @p socket over. @p options must outlive the connection (the server holds both).
    HttpConnection(QTcpSocket *socket, HttpHandler *handler, const ServerOptions &options, QObject *parent);
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
    /// Where the request being read is; m_guard times the head and body phases.
    enum class Phase { Handshake, Idle, Head, Body };

    void onReadyRead();
    void processInput();
    void dispatch();
    void reject(int status, const QString &message);
    void responseFinished();
    void closeNow();
    void onDisconnected();
    void restartIdleTimer();
    void onGuardTimeout();
    void startLinger();

    void endRequest();
    [[nodiscard]] QString peer() const;

    QTcpSocket *m_socket;
    HttpHandler *m_handler;
    const ServerOptions &m_options; ///< the server's; the server deletes every connection before its own end
    MessageParser m_parser;
    HttpRequest m_request;
    QPointer<SocketResponder> m_responder;
    QBasicTimer m_timer; ///< idle keep-alive, a request that stops arriving, the linger before closing
    QBasicTimer m_guard; ///< the head's deadline and the body's rate windows
    State m_state = State::Reading;
    Phase m_phase = Phase::Idle;
    qint64 m_windowBytes = 0; ///< body bytes received in the current rate window
    bool m_earlyAnswer = false; ///< refused on its head: the body is dropped and the connection closes
    bool m_keepAlive = true;
    bool m_dispatching = false;
    bool m_countedInFlight = false;
    bool m_draining = false;
};

} // namespace obleth::http
