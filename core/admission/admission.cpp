#include "admission.h"

namespace obleth::admission {

/// Holds one admitted ticket for as long as its parent (the request's responder) lives.
class TicketHolder final : public QObject
{
public:
    TicketHolder(Admission *admission, quint64 ticket, QObject *owner)
        : QObject(owner)
        , m_admission(admission)
        , m_ticket(ticket)
    { }
    ~TicketHolder() override
    {
        if (m_admission)
            m_admission->released(m_ticket);
    }

private:
    QPointer<Admission> m_admission;
    quint64 m_ticket;
};

namespace {
Scheduler::Limits limitsWith(int capacity)
{
    Scheduler::Limits limits;
    limits.capacity = std::max(capacity, 1);
    return limits;
}
} // namespace

Admission::Admission(int capacity, QObject *parent)
    : QObject(parent)
    , m_scheduler([this] { return m_clock.elapsed(); }, limitsWith(capacity))
{
    m_clock.start();
    m_expiry.setSingleShot(true);
    connect(&m_expiry, &QTimer::timeout, this, &Admission::onExpiry);
}

Admission::~Admission()
{
    for (const Pending &p : std::as_const(m_pending))
        disconnect(p.ownerGone);
}

void Admission::request(const model::ConfigSnapshot &snapshot, const model::Tenant &tenant,
                        const model::ModelConfig *model, QObject *owner, Proceed proceed, Reject reject)
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
        if (model->maxConcurrency)
            r.modelCap = int(*model->maxConcurrency);
    }
    const Scheduler::Decision decision = m_scheduler.submit(r);
    switch (decision.outcome) {
    case Scheduler::Outcome::Admitted:
        hold(decision.ticket, owner);
        proceed();
        return;
    case Scheduler::Outcome::Rejected:
        reject(decision.retryAfterSecs, QStringLiteral("the fair-share queue is full"));
        return;
    case Scheduler::Outcome::Queued: {
        Pending pending{owner, std::move(proceed), std::move(reject), {}};
        const quint64 ticket = decision.ticket;
        pending.ownerGone = connect(owner, &QObject::destroyed, this, [this, ticket] {
            m_pending.remove(ticket);
            m_scheduler.cancel(ticket);
        });
        m_pending.insert(ticket, std::move(pending));
        armExpiry();
        return;
    }
    }
}

void Admission::hold(quint64 ticket, QObject *owner)
{
    new TicketHolder(this, ticket, owner);
}

void Admission::released(quint64 ticket)
{
    startAdmitted(m_scheduler.release(ticket));
}

void Admission::startAdmitted(const QList<quint64> &tickets)
{
    for (quint64 ticket : tickets) {
        Pending pending = m_pending.take(ticket);
        disconnect(pending.ownerGone);
        if (!pending.owner) { // gone meanwhile: give the permit straight back
            startAdmitted(m_scheduler.release(ticket));
            continue;
        }
        hold(ticket, pending.owner);
        // Not from inside whatever released the permit (often a responder being destroyed).
        QMetaObject::invokeMethod(pending.owner, std::move(pending.proceed), Qt::QueuedConnection);
    }
    armExpiry();
}

void Admission::setCapacity(int capacity)
{
    startAdmitted(m_scheduler.setCapacity(capacity));
}

void Admission::onExpiry()
{
    const QList<quint64> expired = m_scheduler.expire();
    for (quint64 ticket : expired) {
        Pending pending = m_pending.take(ticket);
        disconnect(pending.ownerGone);
        if (pending.owner)
            pending.reject(1, QStringLiteral("waited too long for a fair-share permit"));
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
    m_expiry.start(int(std::max<qint64>(at - m_clock.elapsed(), 0)) + 1);
}

} // namespace obleth::admission
