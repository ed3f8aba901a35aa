#include "io/DecoderPump.h"

#include <QDebug>
#include <QLoggingCategory>

namespace vibra::io {

DecoderPump::DecoderPump(QString logPrefix)
    : m_log(logPrefix)
    , m_prefix(std::move(logPrefix)) {}

void DecoderPump::start(std::unique_ptr<decode::StreamDecoder> decoder, core::BlockOutlet* outlet) {
    m_decoder = std::move(decoder);
    m_outlet = outlet;
    m_logged = {};
    m_lastCheckMs = -1;
    m_warned = Warned::None;
}

void DecoderPump::feed(std::span<const std::uint8_t> bytes, std::int64_t hostNowNs) {
    m_decoder->feed(bytes, hostNowNs, m_blocks);
    m_decoder->flush(m_blocks);
    publish();
}

decode::MessageResult DecoderPump::feedMessage(std::span<const std::uint8_t> message,
                                               decode::MessageKind kind, std::int64_t hostNowNs) {
    decode::MessageResult r = m_decoder->feedMessage(message, kind, hostNowNs, m_blocks);
    publish();
    return r;
}

decode::MessageResult DecoderPump::feedFrame(const decode::DecodedFrame& frame, std::int64_t hostNowNs) {
    decode::MessageResult r = m_decoder->feedFrame(frame, hostNowNs, m_blocks);
    publish();
    return r;
}

void DecoderPump::flush() {
    m_decoder->flush(m_blocks);
    publish();
}

bool DecoderPump::finish() {
    const bool ok = m_decoder->finish(m_blocks);
    publish();
    logTotals();
    return ok;
}

void DecoderPump::close() {
    m_decoder->close(m_blocks);
    publish();
    deliver();
    logTotals();
}

void DecoderPump::deliver() {
    for (auto& b : m_blocks)
        m_outlet->deliver(std::move(b));
    m_blocks.clear();
}

void DecoderPump::publish() {
    m_decoder->account(m_outlet->counters());
    for (const auto& n : m_decoder->takeNotices()) {
        const QString text = QString::fromStdString(n);
        qInfo().noquote() << m_prefix << text;
        if (m_notices.size() < 16)
            m_notices << text;
    }
    const decode::DecoderStats& s = m_decoder->stats();
    const auto rejected = [](const decode::DecoderStats& x) { return x.malformed + x.crc; };
    if (rejected(s) > rejected(m_logged)) {
        // running totals, so a suppressed line never hides a count
        const QString why = QString::fromStdString(m_decoder->lastRejection());
        if (m_log.warn(
                QStringLiteral("%1 malformed and %2 CRC-failed unit(s) rejected so far (%3 oversized)%4")
                    .arg(s.malformed)
                    .arg(s.crc)
                    .arg(s.oversized)
                    .arg(why.isEmpty() ? QString() : QStringLiteral("; the last: ") + why)))
            m_logged = s;
    }
}

QStringList DecoderPump::takeNotices() {
    QStringList out;
    out.swap(m_notices);
    return out;
}

void DecoderPump::logTotals() {
    if (!m_decoder)
        return;
    const decode::DecoderStats& s = m_decoder->stats();
    if (s.malformed + s.crc == m_logged.malformed + m_logged.crc)
        return;
    qWarning().noquote() << m_prefix
                         << QStringLiteral(
                                "in total %1 malformed and %2 CRC-failed unit(s) rejected (%3 oversized)")
                                .arg(s.malformed)
                                .arg(s.crc)
                                .arg(s.oversized);
    m_logged = s;
}

QString DecoderPump::bytesText(std::uint64_t n) {
    if (n < 1000)
        return QStringLiteral("%1 bytes").arg(n);
    if (n < 1000 * 1000)
        return QStringLiteral("%1 kB").arg(static_cast<double>(n) / 1e3, 0, 'f', 1);
    return QStringLiteral("%1 MB").arg(static_cast<double>(n) / 1e6, 0, 'f', 1);
}

QString DecoderPump::describe() const {
    const auto dev = m_decoder->device();
    const decode::DecoderStats& s = m_decoder->stats();
    QString d = QString::fromStdString(m_decoder->formatName());
    if (dev) {
        QStringList names;
        for (const auto& n : dev->axisNames)
            names << QString::fromStdString(n);
        d += QStringLiteral(", %1 axes (%2), %3 Hz")
                 .arg(dev->axisCount())
                 .arg(names.join(QStringLiteral(", ")))
                 .arg(dev->sampleRate, 0, 'g', 7);
    }
    if (s.rateHz > 0)
        d += QStringLiteral(" (estimated %1 Hz, time stamp jitter %2 ms)")
                 .arg(s.rateHz, 0, 'g', 7)
                 .arg(s.jitterSeconds < 1e-9 ? 0.0 : s.jitterSeconds * 1e3, 0, 'g', 3);
    return d;
}

std::optional<QString> DecoderPump::checkProgress(qint64 nowMs) {
    const decode::DecoderStats& s = m_decoder->stats();
    if (m_lastCheckMs < 0) {
        m_lastCheckMs = m_lastSamplesMs = m_lastBytesMs = nowMs;
        m_samplesSeen = s.samples;
        m_bytesSeen = m_bytesAtLastSample = s.bytes;
        return std::nullopt;
    }
    m_lastCheckMs = nowMs;
    if (s.bytes != m_bytesSeen) {
        m_bytesSeen = s.bytes;
        m_lastBytesMs = nowMs;
    }
    if (s.samples != m_samplesSeen) {
        m_samplesSeen = s.samples;
        m_lastSamplesMs = nowMs;
        m_bytesAtLastSample = s.bytes;
        if (m_warned != Warned::None) {
            m_warned = Warned::None;
            return QStringLiteral("receiving again: %1").arg(describe());
        }
        return std::nullopt;
    }
    if (nowMs - m_lastBytesMs >= kQuietMs) {
        if (m_warned == Warned::Silent)
            return std::nullopt;
        m_warned = Warned::Silent;
        return QStringLiteral("no data for %1 s: is the device sending (cable, baud rate, firmware)?")
            .arg((nowMs - m_lastBytesMs) / 1000);
    }
    if (nowMs - m_lastSamplesMs >= kQuietMs && s.bytes > m_bytesAtLastSample) {
        if (m_warned == Warned::Undecodable)
            return std::nullopt;
        m_warned = Warned::Undecodable;
        const QString what = m_decoder->formatName() == "frame" ? QStringLiteral("no valid frame")
                             : m_decoder->formatName() == "csv" ? QStringLiteral("no valid line")
                                                                : QStringLiteral("nothing decodable");
        return QStringLiteral("%1 received in %2 s but %3: %4")
            .arg(bytesText(s.bytes - m_bytesAtLastSample))
            .arg((nowMs - m_lastSamplesMs) / 1000)
            .arg(what, QString::fromStdString(m_decoder->diagnose()));
    }
    return std::nullopt;
}

} // namespace vibra::io
