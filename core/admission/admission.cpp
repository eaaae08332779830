#include "admission.h"

#include "platform/logging.h"

#include <algorithm>
#include <limits>

namespace obleth::admission {

namespace {
Scheduler::Limits limitsWith(int capacity)
{
    Scheduler::Limits limits;
    limits.capacity = std::max(capacity, 1);
    return limits;
}

Scheduler::Request schedulerRequest(const model::ConfigSnapshot &snapshot, const model::Tenant &tenant,
                                    const model::ModelConfig *model)
{
    Scheduler::Request r;
    r.tenant = tenant.id;
    r.tenantWeight = double(tenant.weight);
    r.group = tenant.fairshareGroup;
    for (const model::FairShareGroup &g : snapshot.groups) {
        if (g.name == tenant.fairshareGroup)
            r.groupWeight = double(g.weight);
    }
    if (tenant.maxInFlight)
        r.tenantCap = int(*tenant.maxInFlight);
    r.model = model ? model->modelName : model::kMockModelName;
    if (model) {
        r.cost = model->admissionWeight;
        if (const std::optional<qint64> cap = model->concurrencyCap())
            r.modelCap = int(std::min<qint64>(*cap, std::numeric_limits<int>::max()));
    }
    return r;
}
} // namespace

Admission::Admission(int capacity, QObject *parent, Clock clock)
    : QObject(parent)
    , m_now(clock ? std::move(clock) : Clock([this] { return m_ownClock.elapsed(); }))
    , m_scheduler([this] { return m_now(); }, limitsWith(capacity))
    , m_buckets([this] { return m_now(); })
{
    m_ownClock.start();
    m_expiry.setSingleShot(true);
    connect(&m_expiry, &QTimer::timeout, this, &Admission::onExpiry);
}

Admission::~Admission() = default;

void Admission::admit(const model::ConfigSnapshot &snapshot, const Request &request, Ticket &ticket, Proceed proceed,
                      Reject reject)
{
    Q_ASSERT(ticket.m_state == Ticket::State::Unused);
    const model::Tenant &tenant = *request.tenant;
    const QByteArray &id = request.requestId;
    TokenBuckets::Reservation reservation{true, 0, 0};
    if (tenant.tokensPerMinute) {
        const qint64 perMinute = *tenant.tokensPerMinute;
        reservation = m_buckets.reserve(tenant.id, perMinute, request.tokenEstimate);
        if (!reservation.granted) {
            // Debug: a client stuck over its budget is refused once a request, which must not flood the log.
            qCDebug(lcAdmission).noquote()
                << id << "refused: tenant" << tenant.name << "has used its budget of" << perMinute
                << "tokens per minute; retry in" << reservation.retryAfterSecs << "s";
            ticket.m_state = Ticket::State::Refused;
            return reject(reservation.retryAfterSecs,
                          QStringLiteral("the tenant's token budget (%1 tokens per minute) is used up; retry in %2 s")
                              .arg(perMinute)
                              .arg(reservation.retryAfterSecs));
        }
    }
    ticket.m_admission = this;
    ticket.m_tenant = tenant.id;
    ticket.m_perMinute = tenant.tokensPerMinute.value_or(0);
    ticket.m_reserved = reservation.reserved;
    ticket.m_requestId = id;

    const Scheduler::Decision decision = m_scheduler.submit(schedulerRequest(snapshot, tenant, request.model));
    ticket.m_permit = decision.ticket;
    switch (decision.outcome) {
    case Scheduler::Outcome::Admitted:
        qCDebug(lcAdmission).noquote() << id << "admitted at once";
        ticket.m_state = Ticket::State::Admitted;
        return proceed(ticket);
    case Scheduler::Outcome::Rejected:
        qCDebug(lcAdmission).noquote() << id << "refused: the fair-share queue is full";
        ticket.giveBackTokens();
        ticket.m_state = Ticket::State::Refused;
        return reject(decision.retryAfterSecs, QStringLiteral("the fair-share queue is full"));
    case Scheduler::Outcome::Queued:
        qCDebug(lcAdmission).noquote() << id << "queued for a permit;" << m_scheduler.queued() << "waiting";
        ticket.m_state = Ticket::State::Queued;
        ticket.m_queuedAt = m_now();
        ticket.m_proceed = std::move(proceed);
        ticket.m_reject = std::move(reject);
        m_queued.insert(decision.ticket, &ticket);
        armExpiry();
        return;
    }
}

qint64 Admission::tokensLeft(const model::Tenant &tenant) const
{
    return tenant.tokensPerMinute ? m_buckets.available(tenant.id, *tenant.tokensPerMinute) : -1;
}

void Admission::release(quint64 permit)
{
    startAdmitted(m_scheduler.release(permit));
}

void Admission::withdraw(Ticket *ticket)
{
    qCDebug(lcAdmission).noquote() << ticket->m_requestId << "left the queue: its client is gone";
    m_queued.remove(ticket->m_permit);
    m_scheduler.cancel(ticket->m_permit);
    armExpiry();
}

void Admission::startAdmitted(const QList<quint64> &permits)
{
    for (quint64 permit : permits) {
        Ticket *ticket = m_queued.take(permit);
        if (!ticket) { // not ours (cannot happen): give the permit straight back
            startAdmitted(m_scheduler.release(permit));
            continue;
        }
        qCDebug(lcAdmission).noquote() << ticket->m_requestId << "admitted from the queue";
        ticket->m_state = Ticket::State::Admitted;
        ticket->m_waitedMs = std::max<qint64>(m_now() - ticket->m_queuedAt, 0);
        ticket->m_reject = nullptr;
        // Not from inside whatever released the permit (often a responder being destroyed); not at all if the
        // ticket (with its owner) goes first: it leaves m_ready then.
        ticket->m_proceedPending = true;
        m_ready.append(ticket);
    }
    if (!m_ready.isEmpty() && !m_readyPosted) {
        m_readyPosted = true;
        QMetaObject::invokeMethod(this, &Admission::proceedReady, Qt::QueuedConnection);
    }
    armExpiry();
}

void Admission::proceedReady()
{
    m_readyPosted = false;
    // One at a time from the front: a proceed may end other tickets (they leave m_ready) or admit more.
    while (!m_ready.isEmpty()) {
        Ticket *ticket = m_ready.takeFirst();
        ticket->m_proceedPending = false;
        const Proceed proceed = std::move(ticket->m_proceed); // the ticket may go while it runs
        ticket->m_proceed = nullptr;
        if (proceed)
            proceed(*ticket);
    }
}

void Admission::setCapacity(int capacity)
{
    startAdmitted(m_scheduler.setCapacity(capacity));
}

void Admission::applySettings(const model::AdmissionSettings &settings)
{
    const int length = int(std::clamp<qint64>(settings.maxQueueLength, 0, std::numeric_limits<int>::max()));
    const qint64 waitMs
        = std::clamp<qint64>(settings.maxQueueWaitSecs, 0, std::numeric_limits<qint64>::max() / 1000) * 1000;
    if (length == m_scheduler.maxQueueLength() && waitMs == m_scheduler.maxQueueWaitMs())
        return;
    qCDebug(lcAdmission).noquote() << "queue bounds:" << length << "requests," << waitMs << "ms";
    m_scheduler.setQueueLimits(length, waitMs);
    armExpiry(); // a shorter wait may have expired some already
}

void Admission::onExpiry()
{
    const QList<quint64> expired = m_scheduler.expire();
    for (quint64 permit : expired) {
        Ticket *ticket = m_queued.take(permit);
        if (!ticket)
            continue;
        qCDebug(lcAdmission).noquote() << ticket->m_requestId << "refused: waited too long for a permit";
        ticket->m_state = Ticket::State::Refused;
        ticket->giveBackTokens();
        ticket->m_proceed = nullptr;
        const Reject reject = std::move(ticket->m_reject);
        reject(1, QStringLiteral("waited too long for a fair-share permit"));
    }
    armExpiry();
}

void Admission::armExpiry()
{
    const qint64 at = m_scheduler.nextExpiry();
    if (at < 0) {
        m_expiry.stop();
        return;
    }
    m_expiry.start(int(std::clamp<qint64>(at - m_now(), 0, std::numeric_limits<int>::max() - 1)) + 1);
}

// ---- Ticket ----------------------------------------------------------------------------------

Ticket::~Ticket()
{
    if (!m_admission)
        return;
    switch (m_state) {
    case State::Queued: // the client left while waiting: its place and its tokens go back
        m_admission->withdraw(this);
        giveBackTokens();
        break;
    case State::Admitted: // settled already, or the estimate stays charged
        if (m_proceedPending)
            m_admission->m_ready.removeOne(this);
        m_admission->release(m_permit);
        break;
    case State::Unused:
    case State::Refused: break; // given back when refused
    }
}

qint64 Ticket::waitedMs() const
{
    if (m_state == State::Queued && m_admission)
        return std::max<qint64>(m_admission->now() - m_queuedAt, 0);
    return m_state == State::Admitted ? m_waitedMs : 0;
}

void Ticket::settle(qint64 tokens)
{
    if (m_state != State::Admitted || m_settled)
        return;
    m_settled = true;
    if (m_admission && m_perMinute > 0)
        m_admission->m_buckets.settle(m_tenant, m_perMinute, m_reserved, tokens);
}

void Ticket::giveBackTokens()
{
    if (m_settled)
        return;
    m_settled = true;
    if (m_admission && m_perMinute > 0)
        m_admission->m_buckets.settle(m_tenant, m_perMinute, m_reserved, 0);
}

} // namespace obleth::admission
