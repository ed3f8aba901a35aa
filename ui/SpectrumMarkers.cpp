#include "ui/SpectrumMarkers.h"

#include <qcustomplot.h>

#include <algorithm>
#include <numeric>

namespace vibra::ui {

namespace {
constexpr double kGap = 3.0; // pixels between two labels
const QMargins kPadding(2, 0, 2, 0);

bool freeAt(const QRectF& r, const QList<QRectF>& placed) {
    const QRectF grown = r.adjusted(-kGap, -1, kGap, 1);
    return std::none_of(placed.begin(), placed.end(), [&](const QRectF& p) { return p.intersects(grown); });
}
} // namespace

SpectrumMarkers::SpectrumMarkers(QCustomPlot* plot)
    : m_plot(plot) {}

QCPItemStraightLine* SpectrumMarkers::line(std::size_t i) {
    while (m_lines.size() <= i) {
        auto* l = new QCPItemStraightLine(m_plot);
        l->point1->setTypeY(QCPItemPosition::ptAxisRectRatio); // vertical whatever the y scale (log, dB)
        l->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
        l->setVisible(false);
        m_lines.push_back(l);
    }
    return m_lines[i];
}

QCPItemTracer* SpectrumMarkers::dot(std::size_t i) {
    while (m_dots.size() <= i) {
        auto* d = new QCPItemTracer(m_plot);
        d->setStyle(QCPItemTracer::tsCircle);
        d->setSize(6);
        d->setVisible(false);
        m_dots.push_back(d);
    }
    return m_dots[i];
}

QCPItemText* SpectrumMarkers::label(std::size_t i) {
    while (m_labels.size() <= i) {
        auto* t = new QCPItemText(m_plot);
        t->position->setType(QCPItemPosition::ptAbsolute);
        t->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        t->setPadding(kPadding);
        t->setVisible(false);
        m_labels.push_back(t);
    }
    return m_labels[i];
}

void SpectrumMarkers::set(std::vector<Line> lines, std::vector<Dot> dots) {
    m_lineSpecs = std::move(lines);
    m_dotSpecs = std::move(dots);
    for (std::size_t i = 0; i < std::max(m_lines.size(), m_lineSpecs.size()); ++i) {
        auto* l = line(i);
        const bool on = i < m_lineSpecs.size();
        l->setVisible(on);
        if (!on)
            continue;
        const auto& s = m_lineSpecs[i];
        l->point1->setCoords(s.hz, 0);
        l->point2->setCoords(s.hz, 1);
        l->setPen(QPen(s.color, s.width, s.style));
    }
    for (std::size_t i = 0; i < std::max(m_dots.size(), m_dotSpecs.size()); ++i) {
        auto* d = dot(i);
        const bool on = i < m_dotSpecs.size();
        d->setVisible(on);
        if (!on)
            continue;
        d->position->setCoords(m_dotSpecs[i].hz, m_dotSpecs[i].value);
        d->setPen(QPen(m_dotSpecs[i].color, 1.5));
    }
    const std::size_t labels = m_lineSpecs.size() + m_dotSpecs.size();
    for (std::size_t i = 0; i < std::max(m_labels.size(), labels); ++i) {
        auto* t = label(i);
        t->setVisible(false); // layout() shows those that fit
        if (i >= labels)
            continue;
        const bool isLine = i < m_lineSpecs.size();
        t->setText(isLine ? m_lineSpecs[i].label : m_dotSpecs[i - m_lineSpecs.size()].label);
        t->setColor(isLine ? m_lineSpecs[i].color : m_dotSpecs[i - m_lineSpecs.size()].color);
    }
}

void SpectrumMarkers::layout() {
    m_placed.clear();
    m_placedText.clear();
    auto* rect = m_plot->axisRect();
    auto* x = m_plot->xAxis;
    auto* y = m_plot->yAxis;
    const QRectF area = rect->rect();
    const QColor background = rect->backgroundBrush().color();
    const auto size = [&](QCPItemText* t) {
        const QFontMetricsF fm(t->font());
        return QSizeF(fm.horizontalAdvance(t->text()) + kPadding.left() + kPadding.right(), fm.height());
    };
    const auto place = [&](QCPItemText* t, const QRectF& r) {
        t->position->setCoords(r.topLeft());
        t->setBrush(QColor(background.red(), background.green(), background.blue(), 215));
        t->setVisible(true);
        m_placed.append(r);
        m_placedText.append(t->text());
    };
    // Line labels: in priority order, in the first of kRows rows along the top where they fit.
    std::vector<std::size_t> order(m_lineSpecs.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return m_lineSpecs[a].priority < m_lineSpecs[b].priority;
    });
    for (std::size_t i : order) {
        auto* t = m_labels[i];
        t->setVisible(false);
        const double px = x->coordToPixel(m_lineSpecs[i].hz);
        if (t->text().isEmpty() || !(px >= area.left() && px <= area.right()))
            continue;
        const QSizeF sz = size(t);
        for (int row = 0; row < kRows; ++row) {
            QRectF r(px - sz.width() / 2, area.top() + 2 + row * (sz.height() + 2), sz.width(), sz.height());
            r.moveLeft(
                std::clamp(r.left(), area.left() + 1, std::max(area.left() + 1, area.right() - r.width())));
            if (freeAt(r, m_placed)) {
                place(t, r);
                break;
            }
        }
    }
    // Peak labels: above their dot, else right or left of it, inside the axis rect.
    std::vector<std::size_t> dots(m_dotSpecs.size());
    std::iota(dots.begin(), dots.end(), std::size_t{0});
    std::stable_sort(dots.begin(), dots.end(), [&](std::size_t a, std::size_t b) {
        return m_dotSpecs[a].priority < m_dotSpecs[b].priority;
    });
    for (std::size_t i : dots) {
        auto* t = m_labels[m_lineSpecs.size() + i];
        t->setVisible(false);
        const double px = x->coordToPixel(m_dotSpecs[i].hz);
        const double py = y->coordToPixel(m_dotSpecs[i].value);
        if (!area.contains(QPointF(px, py)))
            continue;
        const QSizeF sz = size(t);
        const QRectF candidates[] = {
            QRectF(px - sz.width() / 2, py - 5 - sz.height(), sz.width(), sz.height()),
            QRectF(px + 6, py - sz.height() / 2, sz.width(), sz.height()),
            QRectF(px - 6 - sz.width(), py - sz.height() / 2, sz.width(), sz.height()),
            QRectF(px - sz.width() / 2, py + 5, sz.width(), sz.height()),
        };
        for (const auto& r : candidates)
            if (area.contains(r) && freeAt(r, m_placed)) {
                place(t, r);
                break;
            }
    }
}

QList<QRectF> SpectrumMarkers::visibleLabelRects() const {
    return m_placed;
}

QStringList SpectrumMarkers::visibleLabels() const {
    return m_placedText;
}

} // namespace vibra::ui
