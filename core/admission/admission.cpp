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

QString tokensRefusal(qint64 perMinute, int retryAfterSecs)
{
    return QStringLiteral("the tenant's token budget (%1 tokens per minute) is used up; retry in %2 s")
        .arg(perMinute)
        .arg(retryAfterSecs);
}

/// Waiting for a lease: tries again this often (besides whenever a lease is given back anywhere), which also
/// bounds how late a request that waited too long for one is refused.
constexpr int kLeaseRetryMs = 200;
} // namespace

Admission::Admission(int capacity, QObject *parent, Clock clock)
    : QObject(parent)
    , m_now(clock ? std::move(clock) : Clock([this] { return m_ownClock.elapsed(); }))
    , m_scheduler([this] { return m_now(); }, limitsWith(capacity))
    , m_buckets([this] { return m_now(); })
{
    m_capacity = std::max(capacity, 1);
    m_ownClock.start();
    m_expiry.setSingleShot(true);
    connect(&m_expiry, &QTimer::timeout, this, &Admission::onExpiry);
    m_retry.setSingleShot(true);
    m_retry.setInterval(kLeaseRetryMs);
    connect(&m_retry, &QTimer::timeout, this, &Admission::onRetry);
}

Admission::~Admission() = default;

void Admission::admit(const model::ConfigSnapshot &snapshot, const Request &request, Ticket &ticket, Proceed proceed,
                      Reject reject)
{
    Q_ASSERT(ticket.m_state == Ticket::State::Unused);
    if (m_shared)
        return admitShared(snapshot, request, ticket, std::move(proceed), std::move(reject));
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
            return reject(reservation.retryAfterSecs, tokensRefusal(perMinute, reservation.retryAfterSecs));
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
        if (m_shared) { // it takes its shared lease first
            enterGate(*ticket);
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
    if (m_shared)
        pumpGate();
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
    m_capacity = std::max(capacity, 1);
    startAdmitted(m_scheduler.setCapacity(effectiveCapacity()));
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

// ---- With shared limits ---------------------------------------------------------------------

void Admission::setSharedLimits(SharedLimits *shared)
{
    Q_ASSERT(!m_shared && m_scheduler.inFlight() == 0 && m_scheduler.queued() == 0);
    m_shared = shared;
    if (!shared)
        return;
    // Several leases given back at once (one read of the channel) make one round of asking.
    connect(shared, &SharedLimits::freed, this, [this] {
        if (m_pumpPosted || m_leasing.isEmpty())
            return;
        m_pumpPosted = true;
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_pumpPosted = false;
                pumpGate();
            },
            Qt::QueuedConnection);
    });
    connect(shared, &SharedLimits::availabilityChanged, this, &Admission::onAvailabilityChanged);
    connect(shared, &SharedLimits::liveInstancesChanged, this, &Admission::onAvailabilityChanged);
    onAvailabilityChanged();
}

int Admission::localShare() const
{
    return std::max(m_capacity / std::max(m_shared->liveInstances(), 1), 1);
}

int Admission::effectiveCapacity() const
{
    return m_shared && !m_shared->isAvailable() ? localShare() : m_capacity;
}

int Admission::localCapacity() const
{
    return m_shared && !m_shared->isAvailable() ? localShare() : 0;
}

void Admission::onAvailabilityChanged()
{
    // Shared: the local scheduler may admit up to the global capacity, so that its decisions never keep a free
    // shared permit unused; the leases are the bound. Local: this instance's share.
    startAdmitted(m_scheduler.setCapacity(effectiveCapacity()));
    pumpGate();
}

void Admission::admitShared(const model::ConfigSnapshot &snapshot, const Request &request, Ticket &ticket,
                            Proceed proceed, Reject reject)
{
    const model::Tenant &tenant = *request.tenant;
    ticket.m_admission = this;
    ticket.m_tenant = tenant.id;
    ticket.m_perMinute = tenant.tokensPerMinute.value_or(0);
    ticket.m_requestId = request.requestId;
    ticket.m_serial = m_nextSerial++;
    ticket.m_request = schedulerRequest(snapshot, tenant, request.model);
    ticket.m_proceed = std::move(proceed);
    ticket.m_reject = std::move(reject);
    // The key's limit first: when it is full the request is refused at once (as KeyAuthenticator refuses), whatever
    // else is full.
    const Scheduler::Request &r = ticket.m_request;
    if (request.key && request.key->maxInFlight) {
        ticket.m_keyLimit = int(ticket.m_limits.size());
        ticket.m_limits.append({"key:" + request.key->id.toUtf8(), *request.key->maxInFlight});
        ticket.m_keyFull = QStringLiteral("the API key %1... already has %2 requests in flight, its limit")
                               .arg(request.key->keyPrefix)
                               .arg(*request.key->maxInFlight);
    }
    ticket.m_limits.append({"capacity", m_capacity});
    if (r.modelCap)
        ticket.m_limits.append({"model:" + r.model.toUtf8(), *r.modelCap});
    if (r.tenantCap)
        ticket.m_limits.append({"tenant:" + r.tenant.toUtf8(), *r.tenantCap});

    if (ticket.m_perMinute > 0 && m_shared->isAvailable()) {
        ticket.m_state = Ticket::State::Reserving;
        m_waiting.insert(ticket.m_serial, &ticket);
        const qint64 estimate = request.tokenEstimate;
        m_shared->reserveTokens(tenant.id, ticket.m_perMinute, estimate,
                                [self = QPointer<Admission>(this), shared = m_shared, serial = ticket.m_serial,
                                 tenantId = tenant.id, perMinute = ticket.m_perMinute,
                                 estimate](const SharedLimits::TokenReply &reply) {
                                    Ticket *waiting = self ? self->m_waiting.value(serial) : nullptr;
                                    if (waiting)
                                        return self->onTokens(*waiting, reply, estimate);
                                    // The request is gone: it used nothing.
                                    if (shared && reply.outcome == SharedLimits::Outcome::Granted)
                                        shared->settleTokens(tenantId, perMinute, reply.reserved, 0);
                                });
        return;
    }
    if (ticket.m_perMinute > 0 && !reserveLocally(ticket, request.tokenEstimate))
        return;
    schedule(ticket);
}

bool Admission::reserveLocally(Ticket &ticket, qint64 estimate)
{
    const TokenBuckets::Reservation reservation = m_buckets.reserve(ticket.m_tenant, ticket.m_perMinute, estimate);
    if (reservation.granted) {
        ticket.m_reserved = reservation.reserved;
        ticket.m_tokensShared = false;
        return true;
    }
    qCDebug(lcAdmission).noquote() << ticket.m_requestId << "refused: the tenant's token budget is used up";
    ticket.m_state = Ticket::State::Refused;
    ticket.m_settled = true; // nothing reserved
    ticket.m_proceed = nullptr;
    const Reject reject = std::move(ticket.m_reject);
    reject(reservation.retryAfterSecs, tokensRefusal(ticket.m_perMinute, reservation.retryAfterSecs));
    return false;
}

void Admission::onTokens(Ticket &ticket, const SharedLimits::TokenReply &reply, qint64 estimate)
{
    m_waiting.remove(ticket.m_serial);
    switch (reply.outcome) {
    case SharedLimits::Outcome::Unavailable:
        if (!reserveLocally(ticket, estimate))
            return;
        break;
    case SharedLimits::Outcome::Full: {
        qCDebug(lcAdmission).noquote() << ticket.m_requestId << "refused: the tenant's shared token budget is used up";
        ticket.m_state = Ticket::State::Refused;
        ticket.m_settled = true;
        ticket.m_proceed = nullptr;
        const Reject reject = std::move(ticket.m_reject);
        return reject(reply.retryAfterSecs, tokensRefusal(ticket.m_perMinute, reply.retryAfterSecs));
    }
    case SharedLimits::Outcome::Granted:
        ticket.m_reserved = reply.reserved;
        ticket.m_tokensShared = true;
        break;
    }
    schedule(ticket);
}

void Admission::schedule(Ticket &ticket)
{
    const Scheduler::Decision decision = m_scheduler.submit(ticket.m_request);
    ticket.m_permit = decision.ticket;
    switch (decision.outcome) {
    case Scheduler::Outcome::Admitted:
        enterGate(ticket);
        pumpGate();
        return;
    case Scheduler::Outcome::Rejected: {
        qCDebug(lcAdmission).noquote() << ticket.m_requestId << "refused: the fair-share queue is full";
        ticket.giveBackTokens();
        ticket.m_state = Ticket::State::Refused;
        ticket.m_proceed = nullptr;
        const Reject reject = std::move(ticket.m_reject);
        return reject(decision.retryAfterSecs, QStringLiteral("the fair-share queue is full"));
    }
    case Scheduler::Outcome::Queued:
        qCDebug(lcAdmission).noquote() << ticket.m_requestId << "queued for a permit;" << m_scheduler.queued()
                                       << "waiting";
        ticket.m_state = Ticket::State::Queued;
        ticket.m_queuedAt = m_now();
        m_queued.insert(decision.ticket, &ticket);
        armExpiry();
        return;
    }
}

void Admission::enterGate(Ticket &ticket)
{
    ticket.m_state = Ticket::State::Leasing;
    if (ticket.m_queuedAt < 0)
        ticket.m_queuedAt = m_now();
    m_leasing.append(&ticket);
    m_waiting.insert(ticket.m_serial, &ticket);
}

void Admission::pumpGate()
{
    if (!m_shared)
        return;
    if (m_shared->isAvailable()) {
        // One request each, in order, pipelined: the first in order gets the first free lease that fits it.
        for (Ticket *ticket : QList<Ticket *>(m_leasing)) {
            if (!ticket->m_acquiring)
                acquireFor(*ticket);
            else // its answer may predate what freed a lease: it asks again when answered "full"
                ticket->m_askAgain = true;
        }
    } else {
        const int share = localShare();
        while (!m_leasing.isEmpty() && m_admitted < share)
            grant(*m_leasing.first(), false);
    }
    armRetry();
}

void Admission::acquireFor(Ticket &ticket)
{
    ticket.m_acquiring = true;
    ticket.m_askAgain = false;
    if (ticket.m_lease.isEmpty()) // the same id on every try: taking it twice takes it once
        ticket.m_lease = m_shared->newLeaseId();
    m_shared->acquire(ticket.m_lease, ticket.m_limits,
                      [self = QPointer<Admission>(this), shared = m_shared, serial = ticket.m_serial,
                       lease = ticket.m_lease](SharedLimits::Outcome outcome, int fullLimit) {
                          Ticket *waiting = self ? self->m_waiting.value(serial) : nullptr;
                          if (waiting && waiting->m_state == Ticket::State::Leasing)
                              return self->onLease(*waiting, outcome, fullLimit);
                          // Gone, refused, or admitted on local limits meanwhile: the lease (or the place in a
                          // shared queue) is nobody's.
                          if (shared && outcome != SharedLimits::Outcome::Unavailable)
                              shared->release(lease);
                      });
}

void Admission::onLease(Ticket &ticket, SharedLimits::Outcome outcome, int fullLimit)
{
    ticket.m_acquiring = false;
    switch (outcome) {
    case SharedLimits::Outcome::Granted: grant(ticket, true); return;
    case SharedLimits::Outcome::Full:
        if (fullLimit >= 0 && fullLimit == ticket.m_keyLimit) {
            qCDebug(lcAdmission).noquote()
                << ticket.m_requestId << "refused: its key's shared max_in_flight is reached";
            return refuseLeasing(ticket, 1, ticket.m_keyFull);
        }
        if (ticket.m_askAgain) // a lease was given back while it asked
            return acquireFor(ticket);
        armRetry(); // on the next lease given back, or the timer
        return;
    case SharedLimits::Outcome::Unavailable:
        if (!m_shared->isAvailable())
            pumpGate(); // on local limits now
        else
            armRetry();
        return;
    }
}

void Admission::grant(Ticket &ticket, bool leased)
{
    m_leasing.removeOne(&ticket);
    m_waiting.remove(ticket.m_serial);
    if (!leased) { // admitted on local limits: its place in a shared queue (if Redis can be told) is given up
        if (!ticket.m_lease.isEmpty() && m_shared)
            m_shared->release(ticket.m_lease);
        ticket.m_lease.clear();
    }
    qCDebug(lcAdmission).noquote() << ticket.m_requestId
                                   << (leased ? "admitted with its shared lease" : "admitted on local limits");
    ticket.m_state = Ticket::State::Admitted;
    ticket.m_counted = true;
    ++m_admitted;
    ticket.m_waitedMs = std::max<qint64>(m_now() - ticket.m_queuedAt, 0);
    ticket.m_reject = nullptr;
    ticket.m_proceedPending = true;
    m_ready.append(&ticket);
    if (!m_readyPosted) {
        m_readyPosted = true;
        QMetaObject::invokeMethod(this, &Admission::proceedReady, Qt::QueuedConnection);
    }
}

void Admission::refuseLeasing(Ticket &ticket, int retryAfterSecs, const QString &why)
{
    m_leasing.removeOne(&ticket);
    m_waiting.remove(ticket.m_serial);
    if (!ticket.m_lease.isEmpty() && m_shared) // its place in the shared queue
        m_shared->release(ticket.m_lease);
    ticket.m_state = Ticket::State::Refused;
    ticket.m_acquiring = false;
    ticket.giveBackTokens();
    ticket.m_proceed = nullptr;
    const Reject reject = std::move(ticket.m_reject);
    const quint64 permit = ticket.m_permit;
    startAdmitted(m_scheduler.release(permit)); // its local permit goes on
    reject(retryAfterSecs, why);
}

void Admission::onRetry()
{
    const qint64 deadline = m_now() - m_scheduler.maxQueueWaitMs();
    for (Ticket *ticket : QList<Ticket *>(m_leasing)) {
        if (ticket->m_queuedAt <= deadline && m_leasing.contains(ticket)) {
            qCDebug(lcAdmission).noquote() << ticket->m_requestId << "refused: waited too long for a shared permit";
            refuseLeasing(*ticket, 1, QStringLiteral("waited too long for a fair-share permit"));
        }
    }
    pumpGate();
}

void Admission::armRetry()
{
    if (m_leasing.isEmpty())
        m_retry.stop();
    else if (!m_retry.isActive())
        m_retry.start();
}

// ---- Ticket ----------------------------------------------------------------------------------

Ticket::~Ticket()
{
    if (!m_admission)
        return;
    switch (m_state) {
    case State::Reserving: // its reservation is given back when the answer comes
        m_admission->m_waiting.remove(m_serial);
        break;
    case State::Queued: // the client left while waiting: its place and its tokens go back
        m_admission->withdraw(this);
        giveBackTokens();
        break;
    case State::Leasing: // its local permit, its place and its tokens go back; a lease still coming goes back when it
                         // comes
        m_admission->m_waiting.remove(m_serial);
        m_admission->m_leasing.removeOne(this);
        if (!m_lease.isEmpty() && m_admission->m_shared)
            m_admission->m_shared->release(m_lease);
        giveBackTokens();
        m_admission->release(m_permit);
        break;
    case State::Admitted: // settled already, or the estimate stays charged
        if (m_proceedPending)
            m_admission->m_ready.removeOne(this);
        if (m_counted)
            --m_admission->m_admitted;
        if (!m_lease.isEmpty() && m_admission->m_shared) // before the local permit, which may start the next
            m_admission->m_shared->release(m_lease);
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
    if (m_admission && m_perMinute > 0) {
        if (!m_tokensShared)
            m_admission->m_buckets.settle(m_tenant, m_perMinute, m_reserved, tokens);
        else if (m_admission->m_shared)
            m_admission->m_shared->settleTokens(m_tenant, m_perMinute, m_reserved, tokens);
    }
}

void Ticket::giveBackTokens()
{
    if (m_settled)
        return;
    m_settled = true;
    if (m_admission && m_perMinute > 0) {
        if (!m_tokensShared)
            m_admission->m_buckets.settle(m_tenant, m_perMinute, m_reserved, 0);
        else if (m_admission->m_shared)
            m_admission->m_shared->settleTokens(m_tenant, m_perMinute, m_reserved, 0);
    }
}

} // namespace obleth::admission
