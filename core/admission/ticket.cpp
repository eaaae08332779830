#include "ticket.h"

#include "admission.h"

namespace obleth::admission {

Ticket::Ticket(Admission *admission, QObject *owner)
    : QObject(owner)
    , m_admission(admission)
{ }

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
        m_admission->release(m_permit);
        break;
    case State::Refused: break; // given back when refused
    }
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
