#include "eventscontroller.h"

#include "config/configservices.h"
#include "http/httpresponder.h"
#include "status/eventfeed.h"
#include "usage/requestjson.h"
#include "usage/requestmonitor.h"

#include <QJsonDocument>
#include <QTimer>

namespace obleth::admin {

namespace {

/// One subscriber's event stream. A child of its responder: it goes when the client does. Events are
/// dropped (and the number dropped reported later) while the client is more than kMaxBuffered behind.
class EventStream final : public QObject
{
public:
    static constexpr qint64 kMaxBuffered = 1024 * 1024;
    static constexpr int kKeepAliveMs = 15'000;

    EventStream(http::HttpResponder *responder, usage::RequestMonitor *monitor, config::LiveConfig *config,
                status::EventFeed *feed)
        : QObject(responder)
        , m_responder(responder)
        , m_monitor(monitor)
    {
        http::Headers headers;
        headers.add("Content-Type", "text/event-stream");
        headers.add("Cache-Control", "no-cache");
        responder->beginStream(200, headers);
        responder->writeChunk(": obleth events\n\n");
        monitor->watchProgress();
        connect(monitor, &usage::RequestMonitor::requestStarted, this,
                [this](const model::RequestStarted &s) { send("request_started", usage::toJson(s)); });
        connect(monitor, &usage::RequestMonitor::requestProgress, this,
                [this](const model::RequestProgress &p) { send("request_progress", usage::toJson(p)); });
        connect(monitor, &usage::RequestMonitor::requestFinished, this,
                [this](const model::RequestRecord &r) { send("request_finished", usage::toJson(r)); });
        connect(monitor, &usage::RequestMonitor::closing, this, [this] { m_responder->endStream(); });
        connect(config, &config::LiveConfig::changed, this, [this] {
            send("config_changed",
                 QJsonObject{{QStringLiteral("at"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)}});
        });
        if (feed) {
            // Health and alert events (contract sections 10-12), under their own names.
            connect(feed, &status::EventFeed::published, this,
                    [this](const QString &type, const QJsonObject &data) { send(type.toUtf8(), data); });
        }
        m_keepAlive.setInterval(kKeepAliveMs);
        connect(&m_keepAlive, &QTimer::timeout, this, [this] { m_responder->writeChunk(": keep-alive\n\n"); });
        m_keepAlive.start();
    }
    ~EventStream() override { m_monitor->unwatchProgress(); }
    Q_DISABLE_COPY_MOVE(EventStream)

private:
    void send(const QByteArray &type, const QJsonObject &data)
    {
        if (m_responder->isFinished())
            return;
        if (m_responder->bufferedBytes() > kMaxBuffered) {
            ++m_dropped;
            return;
        }
        QByteArray event;
        if (m_dropped > 0) {
            event += "event: events_dropped\ndata: {\"count\":" + QByteArray::number(m_dropped) + "}\n\n";
            m_dropped = 0;
        }
        event
            += QByteArray("event: ") + type + "\ndata: " + QJsonDocument(data).toJson(QJsonDocument::Compact) + "\n\n";
        m_responder->writeChunk(event);
    }

    http::HttpResponder *m_responder;
    usage::RequestMonitor *m_monitor;
    QTimer m_keepAlive{this};
    qint64 m_dropped = 0;
};

} // namespace

void EventsController::addRoutes(const RouteSink &add)
{
    add("GET", QStringLiteral("/api/v1/events"),
        [this](ApiCall &call) { new EventStream(call.responder, m_monitor, &m_config->live, m_feed); });
}

} // namespace obleth::admin
