#include "permitpool.h"

namespace obleth::admission {

namespace {
/// Holds a permit for as long as its parent lives.
class PermitHolder final : public QObject
{
public:
    PermitHolder(Permit permit, QObject *parent)
        : QObject(parent)
        , m_permit(std::move(permit))
    {
    }

private:
    Permit m_permit;
};
} // namespace

void Permit::release()
{
    if (PermitPool *pool = std::exchange(m_pool, nullptr))
        pool->giveBack();
}

Permit PermitPool::acquire()
{
    ++m_inUse;
    Q_EMIT changed(m_inUse);
    return Permit(this);
}

void PermitPool::giveBack()
{
    Q_ASSERT(m_inUse > 0);
    --m_inUse;
    Q_EMIT changed(m_inUse);
}

void PermitPool::holdUntilDestroyed(Permit permit, QObject *owner)
{
    new PermitHolder(std::move(permit), owner);
}

} // namespace obleth::admission
