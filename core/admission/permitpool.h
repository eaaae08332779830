#pragma once

#include <QObject>

namespace obleth::admission {

class PermitPool;

/// One admission permit. Move-only; gives the permit back exactly once, when it is destroyed or
/// release() is called, whichever comes first.
class Permit final
{
public:
    Permit() = default;
    explicit Permit(PermitPool *pool)
        : m_pool(pool)
    {
    }
    Permit(Permit &&other) noexcept
        : m_pool(std::exchange(other.m_pool, nullptr))
    {
    }
    Permit &operator=(Permit &&other) noexcept
    {
        if (this != &other) {
            release();
            m_pool = std::exchange(other.m_pool, nullptr);
        }
        return *this;
    }
    Permit(const Permit &) = delete;
    Permit &operator=(const Permit &) = delete;
    ~Permit() { release(); }

    void release();
    [[nodiscard]] bool isHeld() const noexcept { return m_pool != nullptr; }

private:
    PermitPool *m_pool = nullptr;
};

/// Counts the permits held by chat and completion requests, from admission until their response or
/// stream ends. Fair-share queueing arrives on top of it; for now every request is admitted at once.
class PermitPool final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PermitPool)

public:
    using QObject::QObject;

    [[nodiscard]] Permit acquire();
    [[nodiscard]] int inUse() const noexcept { return m_inUse; }
    /// Attaches @p permit to @p owner: it is given back when @p owner is destroyed.
    static void holdUntilDestroyed(Permit permit, QObject *owner);

Q_SIGNALS:
    void changed(int inUse);

private:
    friend class Permit;
    void giveBack();

    int m_inUse = 0;
};

} // namespace obleth::admission
