#pragma once

#include <QByteArray>

/// The Lua scripts of the shared admission state in Redis (contract section 15): each check-and-take is one script,
/// so that it is atomic whatever the other instances do at the same time.
namespace obleth::cluster::scripts {

/// Takes one lease in several limits at once, or in none. KEYS: the limits' sorted sets (member: the lease id, score:
/// its expiry in ms on the server's clock); ARGV: the lease id, its TTL in ms, then each limit's max. Expired leases
/// are removed first. Returns 0 when taken, else the (1-based) index of the first full limit.
const QByteArray &acquireSource();
/// Renews leases that have not expired: KEYS[i] holds ARGV[i + 1]; ARGV[1]: the TTL in ms. Returns how many.
const QByteArray &renewSource();
/// Gives a lease back in every limit (KEYS; ARGV: the lease id, the channel), and publishes it when it held any.
const QByteArray &releaseSource();
/// A tenant's tokens_per_minute bucket (a hash: level, at), TokenBuckets' rules: ARGV: per minute, 'reserve' or
/// 'settle', the estimate or what to give back. reserve returns {1, 0} or {0, retry-after seconds}.
const QByteArray &tokensSource();
/// An instance's heartbeat in the instances' sorted set (ARGV: its id, the ms after which one counts as gone);
/// returns how many are alive.
const QByteArray &heartbeatSource();

} // namespace obleth::cluster::scripts
