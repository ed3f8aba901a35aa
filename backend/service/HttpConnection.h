#pragma once

#include "service/HttpHeadParser.h"
#include "service/HttpMessage.h"

#include <QObject>
#include <QTimer>

#include <cstdint>
#include <memory>

class QTcpSocket;

namespace vibra::service {

class HttpServer;

/// One client connection of HttpServer: frames requests (head by HttpHeadParser, body by Content-Length),
/// enforces the server's limits and timeouts, and writes responses (a body, or a stream in chunks as the
/// socket drains). One request at a time; bytes pipelined behind it wait in the socket's bounded buffer.
///
/// Threads: the server's (owner) thread. Deletes itself (deleteLater) when the socket closes.
class HttpConnection : public QObject {
    Q_OBJECT
public:
    HttpConnection(HttpServer& server, QTcpSocket* socket);
    ~HttpConnection() override;

    /// Answers request `id` (ignored when it is not the one being served).
    void respond(std::uint64_t id, HttpResponse response);
    void abort();

private:
    enum class State { Idle, Head, Body, Busy, Streaming, Closing };
    void onReadyRead();
    void onTimeout();
    void onBytesWritten();
    void startBody(const HttpHeadParser::Head& head, qint64 length);
    void finishRequest();
    void refuse(int status, const QString& why);
    void writeHead(const HttpResponse& r, bool chunked, qint64 length);
    void pumpStream();
    void responseDone();
    void closeSoon();

    HttpServer& m_server;
    QTcpSocket* m_socket;
    HttpHeadParser m_parser;
    QTimer m_timer;
    State m_state = State::Idle;
    HttpRequest m_request;
    qint64 m_bodyRemaining = 0;
    std::uint64_t m_nextId = 0;
    std::uint64_t m_servingId = 0;
    bool m_closeAfter = false;
    std::shared_ptr<QIODevice> m_stream;
};

} // namespace vibra::service
