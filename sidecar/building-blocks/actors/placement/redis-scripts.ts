// Lua run atomically inside Redis: membership heartbeats and activation claims.
// Time comes from Redis (`TIME`), so hosts with skewed clocks still agree on
// who has expired.

/**
 * KEYS: hosts zset (member -> expiry ms), info hash, version counter.
 * ARGV: self id, self info JSON, ttl ms, events channel.
 * Drops expired members, (re)registers self, bumps the version and publishes
 * when the member set changed. Returns {version, selfWasMember, id1, info1, ...}.
 */
export const heartbeatScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local changed = false
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  changed = true
end
local was = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not was then changed = true end
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then changed = true end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local v
if changed then
  v = redis.call('INCR', KEYS[3])
  redis.call('PUBLISH', ARGV[4], 'members')
else
  v = tonumber(redis.call('GET', KEYS[3]) or '0')
end
local out = {v, was and 1 or 0}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')) do
  table.insert(out, id)
  table.insert(out, redis.call('HGET', KEYS[2], id) or '{}')
end
return out
`;

/** KEYS: hosts zset, info hash, version counter. ARGV: self id, events channel. */
export const leaveScript = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('INCR', KEYS[3])
  redis.call('PUBLISH', ARGV[2], 'members')
end
return 1
`;

/**
 * KEYS: claim key, hosts zset. ARGV: self id.
 * Takes the claim when it is free, ours, or held by a host whose membership
 * expired; otherwise returns the holder's id.
 */
export const claimScript = `
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local exp = redis.call('ZSCORE', KEYS[2], cur)
  if exp and tonumber(exp) > now then return cur end
end
redis.call('SET', KEYS[1], ARGV[1])
return false
`;

/** KEYS: claim key. ARGV: self id. Deletes the claim only when it is ours. */
export const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;
