#include "sharedscripts.h"

namespace obleth::cluster::scripts {

// Each script reads the time from the server (TIME), so that every instance's leases expire on one clock.

namespace {
/// @p body, opened by lines for a script whose KEYS are all of @p type: a key of another type (written by something
/// else than obleth) is deleted, so that its limit starts afresh instead of every call failing with WRONGTYPE.
QByteArray droppingForeignKeys(const char *type, const char *body)
{
    QByteArray source("for _, key in ipairs(KEYS) do\n"
                      "    local kind = redis.call('TYPE', key).ok\n"
                      "    if kind ~= '");
    source.append(type).append("' and kind ~= 'none' then redis.call('DEL', key) end\nend\n").append(body);
    return source;
}
} // namespace

const QByteArray &acquireSource()
{
    static const QByteArray source = droppingForeignKeys(
        "zset",
        R"lua(-- Takes one lease in several limits at once, or in none; the requests that wait for a full limit get its leases
-- first come, first served, whatever instance they wait on. For each of the n limits (n = #KEYS / 3): KEYS[i] holds
-- its leases (member: the lease id, score: its expiry), KEYS[n + i] the leases waiting for it (score: since when),
-- KEYS[2n + i] when each waiting one counts as gone unless it asks again. All in ms on this server's clock.
-- ARGV: the lease id, its TTL, how long a waiting lease keeps its place without asking again, the channel to publish
-- on when a place in a queue is given up, then each limit's max. Returns 0 when taken, else i: the first limit
-- that is full for this lease (nothing taken then; it waits in that limit's queue, and in no other).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease, ttl, waitTtl, channel = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local n = #KEYS / 3
local full = 0
for i = 1, n do
    local held, waiting, until_ = KEYS[i], KEYS[n + i], KEYS[2 * n + i]
    redis.call('ZREMRANGEBYSCORE', held, '-inf', now)
    local gone = redis.call('ZRANGEBYSCORE', until_, '-inf', now)
    for _, g in ipairs(gone) do
        redis.call('ZREM', waiting, g)
        redis.call('ZREM', until_, g)
    end
    if not redis.call('ZSCORE', held, lease) then
        local free = tonumber(ARGV[4 + i]) - redis.call('ZCARD', held)
        local since = redis.call('ZSCORE', waiting, lease)
        local ahead
        if since then
            ahead = redis.call('ZCOUNT', waiting, '-inf', '(' .. since)
        else
            ahead = redis.call('ZCARD', waiting)
        end
        if free <= ahead then
            full = i
            break
        end
    end
end
if full > 0 then
    local left = 0
    for i = 1, n do
        if i == full then
            redis.call('ZADD', KEYS[n + i], 'NX', now, lease)
            redis.call('ZADD', KEYS[2 * n + i], now + waitTtl, lease)
            redis.call('PEXPIRE', KEYS[n + i], waitTtl + 1000)
            redis.call('PEXPIRE', KEYS[2 * n + i], waitTtl + 1000)
        else
            left = left + redis.call('ZREM', KEYS[n + i], lease)
            redis.call('ZREM', KEYS[2 * n + i], lease)
        end
    end
    if left > 0 then -- those who waited behind it may go now
        redis.call('PUBLISH', channel, lease)
    end
    return full
end
for i = 1, n do
    redis.call('ZADD', KEYS[i], now + ttl, lease)
    redis.call('PEXPIRE', KEYS[i], ttl + 1000)
    redis.call('ZREM', KEYS[n + i], lease)
    redis.call('ZREM', KEYS[2 * n + i], lease)
end
return 0
)lua");
    return source;
}

const QByteArray &renewSource()
{
    static const QByteArray source = droppingForeignKeys(
        "zset",
        R"lua(-- Renews leases still held: KEYS[i] holds ARGV[i + 1]; ARGV[1]: the TTL in ms. A lease that expired already is not
-- taken again (its permit may be someone else's now). Returns how many were renewed.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local renewed = 0
for i, key in ipairs(KEYS) do
    local score = redis.call('ZSCORE', key, ARGV[i + 1])
    if score and tonumber(score) > now then
        redis.call('ZADD', key, 'XX', now + ttl, ARGV[i + 1])
        redis.call('PEXPIRE', key, ttl + 1000)
        renewed = renewed + 1
    end
end
return renewed
)lua");
    return source;
}

const QByteArray &releaseSource()
{
    static const QByteArray source = droppingForeignKeys(
        "zset",
        R"lua(-- Gives a lease back, held or waiting: KEYS as for acquiring (n held sets, n queues, n queue expiries); ARGV: the
-- lease id, the channel. Publishes when it held a lease or a place in a queue (others may go now).
local removed = 0
for _, key in ipairs(KEYS) do
    removed = removed + redis.call('ZREM', key, ARGV[1])
end
if removed > 0 then
    redis.call('PUBLISH', ARGV[2], ARGV[1])
end
return removed
)lua");
    return source;
}

const QByteArray &tokensSource()
{
    static const QByteArray source = droppingForeignKeys(
        "hash",
        R"lua(-- A tenant's tokens_per_minute as a token bucket in a hash (level, at: ms on this server's clock) that refills
-- continuously up to one minute's budget. ARGV[1]: the budget per minute; ARGV[2]: 'reserve' or 'settle';
-- ARGV[3]: the estimate to reserve, or what to give back (reserved - used; negative: charge more).
-- reserve returns {1, 0} when granted (admitted while the level is at least 1, however large the estimate: the
-- debt delays the next ones), else {0, seconds until it holds a token again}; settle returns {1, 0}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local per = tonumber(ARGV[1])
-- A level or a time that is not a finite number (not obleth's) counts as a full bucket.
local function finite(x) return x and x == x and x ~= math.huge and x ~= -math.huge end
local level = tonumber(redis.call('HGET', KEYS[1], 'level'))
local at = tonumber(redis.call('HGET', KEYS[1], 'at'))
if not finite(level) or not finite(at) then
    level, at = per, now
end
level = math.min(per, level + math.max(now - at, 0) * per / 60000)
local amount = tonumber(ARGV[3])
local result = {1, 0}
if ARGV[2] == 'reserve' then
    if level < 1 then
        result = {0, math.min(math.max(math.ceil((1 - level) * 60000 / math.max(per, 1) / 1000), 1), 3600)}
    else
        level = level - amount
    end
else
    level = math.min(per, level + amount)
end
redis.call('HSET', KEYS[1], 'level', string.format('%.17g', level), 'at', now)
-- Once full again it is the same as no bucket at all.
redis.call('PEXPIRE', KEYS[1], math.ceil((per - level) * 60000 / math.max(per, 1)) + 1000)
return result
)lua");
    return source;
}

const QByteArray &heartbeatSource()
{
    static const QByteArray source = droppingForeignKeys(
        "zset",
        R"lua(-- This instance is alive (KEYS[1]: the instances' set, score: the last heartbeat in ms on this server's clock;
-- ARGV[1]: its id, ARGV[2]: after how many ms without a heartbeat an instance counts as gone). Returns the live ones.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('ZADD', KEYS[1], now, ARGV[1])
return redis.call('ZCARD', KEYS[1])
)lua");
    return source;
}

} // namespace obleth::cluster::scripts
