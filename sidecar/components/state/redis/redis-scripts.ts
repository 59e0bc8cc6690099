// Lua run inside Redis so that checking ETags and writing happen atomically.
// The data layout is Dapr's: one hash per key with fields `data` (the raw
// value) and `version` (the ETag, incremented on every write), plus a
// `first-write` field once the key has been written with first-write
// concurrency. The acceptance rules are Dapr's:
//   set:    the key has no version yet, or the given ETag equals the version,
//           or no ETag was given ("0") and the key was never written with first-write;
//   delete: the key has no version, or the ETag equals it, or no ETag was given.
// A key holding another Redis type counts as missing and is replaced.
//
// One script serves single writes and transactions: every operation is
// validated first (against a scratch view, so later operations see earlier
// ones), and only if all pass is anything written. That makes transactions
// all-or-nothing, which MULTI/EXEC alone would not.
//
// KEYS[i] is operation i's key; ARGV holds 5 values per operation:
//   kind ("set" | "del"), etag ("0" = none), data, firstWrite ("1" | "0"),
//   ttl ("" = leave as is, > 0 = expire after that many seconds, <= 0 = persist).
// Returns {0} on success, or {i, reason} for the first operation that failed.
export const TRANSACTION_SCRIPT = `
local view = {}
local function current(key)
  local v = view[key]
  if v then return v end
  if redis.call("TYPE", key).ok ~= "hash" then
    v = { version = false, fwr = false }
  else
    v = { version = redis.call("HGET", key, "version"), fwr = redis.call("HEXISTS", key, "first-write") == 1 }
  end
  view[key] = v
  return v
end

for i = 1, #KEYS do
  local base = (i - 1) * 5
  local kind, etag, fw = ARGV[base + 1], ARGV[base + 2], ARGV[base + 4]
  local cur = current(KEYS[i])
  local missing = (not cur.version) or cur.version == ""
  if kind == "set" then
    if not (missing or cur.version == etag or ((not cur.fwr) and etag == "0")) then
      if etag == "0" then return { i, "first-write" } end
      return { i, "etag" }
    end
    local n = missing and 1 or ((tonumber(cur.version) or 0) + 1)
    view[KEYS[i]] = { version = tostring(n), fwr = cur.fwr or fw == "1" }
  else
    if not (missing or cur.version == etag or etag == "0") then return { i, "etag" } end
    view[KEYS[i]] = { version = false, fwr = false }
  end
end

for i = 1, #KEYS do
  local key = KEYS[i]
  local base = (i - 1) * 5
  if ARGV[base + 1] == "set" then
    local t = redis.call("TYPE", key).ok
    if t ~= "hash" and t ~= "none" then redis.call("DEL", key) end
    redis.call("HSET", key, "data", ARGV[base + 3])
    if ARGV[base + 4] == "1" then redis.call("HSET", key, "first-write", 0) end
    redis.call("HINCRBY", key, "version", 1)
    local ttl = ARGV[base + 5]
    if ttl ~= "" then
      local secs = tonumber(ttl)
      if secs > 0 then redis.call("EXPIRE", key, secs) else redis.call("PERSIST", key) end
    end
  else
    redis.call("DEL", key)
  end
end
return { 0 }
`;

/**
 * A read: the hash and its remaining TTL in one round trip (one command to
 * parse instead of MULTI, HGETALL, PTTL, EXEC). Returns {flat hash, pttl}.
 */
export const GET_SCRIPT = `
return {redis.call("HGETALL", KEYS[1]), redis.call("PTTL", KEYS[1])}
`;
