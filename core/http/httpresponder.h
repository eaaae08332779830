#pragma once

#include "headers.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>

#include <memory>
#include <vector>

namespace obleth::http {

/// Sees a response as it is written, whoever writes it (proxy, mock, cache, an error): the request log,
/// usage metering and the response cache hang off responses this way.
class ResponseTap
{
public:
    virtual ~ResponseTap() = default;
    /// The head is about to be written; a tap may add headers.
    virtual void responseHead(int status, Headers &headers) = 0;
    /// A piece of the body as the handler wrote it (without chunked framing).
    virtual void responseBody(const QByteArray &data) = 0;
    /// Called once: the whole response was written (@p complete), or the exchange ended without it
    /// (the client went away, or the connection was cut).
    virtual void responseEnd(bool complete) = 0;
};

/// Rewrites a response on its way to the client, whoever writes it (proxy, mock, an error): a translation from one
/// API's wire shape into another's, say. Sits between the writer and the wire: the taps see what it made of the
/// answer, as the client gets it.
class ResponseFilter
{
public:
    virtual ~ResponseFilter() = default;
    /// The head about to be written: the filter may change the status and the headers. A filter that changes the
    /// body's length removes Content-Length (the answer then goes chunked).
    virtual void head(int &status, Headers &headers) = 0;
    /// A piece of the body as the writer wrote it (never empty): what is written in its place (empty: nothing now).
    virtual QByteArray body(const QByteArray &data) = 0;
    /// The writer ended the answer: what is written last (empty: nothing). Not called when the answer is cut.
    virtual QByteArray end() { return {}; }
};

/// Work that lives exactly as long as one response and hears from its client: the proxy's relay of an upstream
/// answer, say. Owned by the responder (HttpResponder::adopt()), destroyed with it after the taps have ended, so
/// that it needs no QObject, no QPointer and no signal connection of its own.
class ResponseWork
{
public:
    virtual ~ResponseWork() = default;
    /// The client's socket has taken everything written so far (for backpressure).
    virtual void clientDrained() { }
    /// The client went away before the response was finished; the responder is deleted soon after.
    virtual void clientGone() { }
};

/// Writes the answer to one request. Handlers keep it as QPointer<HttpResponder>, or hang their work on it
/// (adopt()): it is deleted when the client goes away, and clientGone() is emitted just before that.
///
/// Either send() once, or beginStream(), writeChunk() as often as needed, then endStream(). Each of these
/// hands what it writes to the client at once, in one write; a Batch makes several of them one write.
class HttpResponder : public QObject
{
    Q_OBJECT

public:
    /// While a batch lives, the responder's writes are held back; when the outermost batch ends, they go to the
    /// client together, in one write. For what arrives together (all that one read from an upstream brought,
    /// a head with its body, the last piece with the end): a batch never holds bytes beyond the code that makes
    /// them, and endStream() hands everything on whatever batch is open.
    class Batch
    {
    public:
        explicit Batch(HttpResponder *responder);
        ~Batch();
        Q_DISABLE_COPY_MOVE(Batch)

    private:
        QPointer<HttpResponder> m_responder;
    };

    using QObject::QObject;
    ~HttpResponder() override;

    /// A complete response; Content-Length is set from @p body.
    void send(int status, Headers headers, const QByteArray &body);
    /// A JSON response.
    void sendJson(int status, const QByteArray &json, Headers extra = {});

    /// Starts a response whose body follows in pieces (chunked; close-delimited for HTTP/1.0 clients).
    /// When @p headers has a Content-Length, the body is sent as is and must add up to it.
    void beginStream(int status, Headers headers);
    void writeChunk(const QByteArray &data);
    void endStream();
    /// Cuts the connection: a client reading a stream sees it end without its final chunk.
    virtual void abortConnection() = 0;

    [[nodiscard]] bool hasStarted() const noexcept { return m_started; }
    [[nodiscard]] bool isFinished() const noexcept { return m_finished; }
    /// Bytes written but not yet taken by the client's socket.
    [[nodiscard]] virtual qint64 bufferedBytes() const = 0;
    /// The request's method was HEAD: bodies are not sent.
    void setHeadRequest(bool head) { m_head = head; }
    /// Adds a header to the answer, whoever writes it (call before it starts).
    void addHeader(const QByteArray &name, const QByteArray &value) { m_extraHeaders.add(name, value); }
    /// Adds a tap, owned by the responder from now on; taps see the response in the order added.
    void addTap(std::unique_ptr<ResponseTap> tap);
    /// Takes @p work over: it hears clientDrained() and clientGone() and is destroyed with the responder.
    void adopt(std::unique_ptr<ResponseWork> work);

    /// Where a filter sits; a response passes them in this order.
    enum class FilterStage {
        Translate, ///< from the writer's wire shape into the client's (an answer as a whole, errors included)
        Errors, ///< errors into the client's error shape (what the writer or an earlier stage left in another)
    };
    /// Sets (or, with nullptr, removes) the filter at @p stage, in place of the one there; only before the answer
    /// starts (later calls are ignored).
    void setFilter(FilterStage stage, std::unique_ptr<ResponseFilter> filter);

    /// For the connection: the client's socket has taken everything written (calls every work, emits drained()).
    void notifyDrained();
    /// For the connection: the client went away before the response was finished (calls every work, emits
    /// clientGone()).
    void notifyClientGone();

Q_SIGNALS:
    /// The client's socket has sent everything buffered (for backpressure).
    void drained();
    /// The client disconnected before the response was finished.
    void clientGone();
    /// The whole response was handed to the socket.
    void finished();

protected:
    enum class Framing { Length, Chunked, Close };
    /// Writes the status line and headers; @p framing tells how the body is delimited.
    virtual void writeHead(int status, const Headers &headers, Framing framing) = 0;
    virtual void writeBody(const QByteArray &data) = 0;
    virtual void writeEnd() = 0;
    /// Hands what was written so far to the network now, in one write (streams must not wait for the event loop).
    virtual void flush() { }
    /// Which framing this responder can use for a body of unknown length.
    [[nodiscard]] virtual Framing streamFraming() const { return Framing::Chunked; }
    void markFinished();

private:
    /// Flushes, unless a batch holds the writes back.
    void handOn();
    /// Passes @p data through the filters, in stage order.
    [[nodiscard]] QByteArray filtered(QByteArray data) const;
    void writeFiltered(const QByteArray &data);
    void endTaps(bool complete);

    Headers m_extraHeaders;
    std::vector<std::unique_ptr<ResponseWork>> m_works; ///< destroyed after the taps have ended (~HttpResponder)
    std::vector<std::unique_ptr<ResponseTap>> m_taps;
    std::unique_ptr<ResponseFilter> m_filters[2]; ///< by FilterStage
    bool m_filtering = false; ///< a filter is set
    int m_batches = 0; ///< batches open
    bool m_tapsEnded = false;
    bool m_started = false;
    bool m_finished = false;
    bool m_clientGone = false; ///< the client went away before the response was finished
    bool m_head = false;
    Framing m_framing = Framing::Length;
};

/// The standard reason phrase of an HTTP status (static data: nothing is allocated).
[[nodiscard]] QByteArray reasonPhrase(int status);

} // namespace obleth::http
