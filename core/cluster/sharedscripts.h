#pragma once

#include <QByteArray>

/// The Lua scripts of the shared admission state in Redis (contract section 15): each check-and-take is one script,
/// so that it is atomic whatever the other instances do at the same time.
namespace obleth::cluster::scripts {

/// Takes one lease in several limits at once, or in none; requests waiting for a full limit get its leases first
/// come, first served across instances (so that an instance giving a lease back does not keep it for its own next
/// request). KEYS: per limit its held leases (sorted set, score: expiry in ms on the server's clock), then per limit
/// its queue (score: waiting since), then per limit the queue's expiries. ARGV: the lease id, its TTL in ms, how long
/// a waiting lease keeps its place without asking again, the release channel, then each limit's max. Expired leases
/// and places are removed first. Returns 0 when taken, else the (1-based) index of the limit it waits for.
const QByteArray &acquireSource();
/// Renews leases that have not expired: KEYS[i] holds ARGV[i + 1]; ARGV[1]: the TTL in ms. Returns how many.
const QByteArray &renewSource();
/// Gives a lease back, held or waiting (KEYS as for acquiring; ARGV: the lease id, the channel), and publishes it when
/// it held a lease or a place.
const QByteArray &releaseSource();
/// A tenant's tokens_per_minute bucket (a hash: level, at), TokenBuckets' rules: ARGV: per minute, 'reserve' or
/// 'settle', the estimate or what to give back. reserve returns {1, 0} or {0, retry-after seconds}.
const QByteArray &tokensSource();
/// An instance's heartbeat in the instances' sorted set (ARGV: its id, the ms after which one counts as gone);
/// returns how many are alive.
const QByteArray &heartbeatSource();

} // namespace obleth::cluster::scripts
