#pragma once

#include <QList>
#include <QNetworkAccessManager>
#include <QObject>
#include <QStringList>
#include <QUrl>

#include <functional>

namespace obleth::discovery {

/// Asks OpenAI-compatible backends about themselves, without blocking: "Test" sends a model a one-token
/// chat request, "Discover" looks for the usual local servers (Ollama, LM Studio, llama.cpp, vLLM, …) by
/// their GET /v1/models. Answers come as callbacks on the caller's thread.
class BackendProbe final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BackendProbe)

public:
    explicit BackendProbe(QObject *parent = nullptr);

    struct TestResult
    {
        bool ok = false;
        int status = 0;
        qint64 latencyMs = 0;
        QString answer; ///< the reply's text, when ok
        QString error; ///< what went wrong and what to check, when not
    };
    /// Sends `ping` with max_tokens 1 to @p apiBase's chat/completions as @p upstreamModel.
    void testModel(const QString &apiBase, const QString &upstreamModel, const QString &apiKey,
                   std::function<void(const TestResult &)> done, int timeoutMs = 30'000);

    /// Sends an MCP `initialize` to @p url (streamable HTTP) with @p authHeader as the Authorization value;
    /// a good answer names the server (in TestResult::answer).
    void testMcpServer(const QUrl &url, const QString &authHeader, std::function<void(const TestResult &)> done,
                       int timeoutMs = 15'000);

    struct Server
    {
        QString name; ///< "Ollama", "LM Studio", …
        QUrl apiBase; ///< http://127.0.0.1:PORT/v1
        QStringList models;
    };
    struct Candidate
    {
        QString name;
        quint16 port;
    };
    /// The usual local servers and their default ports.
    [[nodiscard]] static QList<Candidate> usualLocalServers();
    /// Probes every candidate at once on 127.0.0.1; @p done gets those that answered with a model list.
    void discover(const QList<Candidate> &candidates, std::function<void(const QList<Server> &)> done,
                  int timeoutMs = 1500);

private:
    QNetworkAccessManager m_network;
};

} // namespace obleth::discovery
