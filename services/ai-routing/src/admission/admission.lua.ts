import { createHash } from 'node:crypto';

/** A Lua script and its SHA1, for EVALSHA. */
export interface LuaScript {
  source: string;
  sha: string;
}

const script = (source: string): LuaScript => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});

/*
 * Conventions shared by the scripts below.
 * - Clock: Redis `TIME` in ms, the same for every replica.
 * - Budget counter (hash): spent, reserved (integer micros, changed only by HINCRBY with the caller's
 *   decimal strings, so sums stay exact: Lua's own tostring would round past 14 digits); t80/t100 =
 *   the limit at which that alert was reported. It expires after its period (+ grace).
 * - Holds (sorted set next to the counter): member `<reservation id>|<micros>`, score = expiry ms.
 *   Expired members are swept inside the admit script and their micros leave `reserved`; an empty
 *   set means nothing is reserved, which also heals a `reserved` left over by a lost set.
 * - Token bucket (hash): tokens (float, may be negative after a settle charged more than estimated),
 *   ts (ms); refills capacity/60 per second; expires when full again (absent = full).
 */
const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function level(key, cap)
  local s = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens, ts = tonumber(s[1]), tonumber(s[2])
  if tokens == nil or ts == nil then return cap end
  return math.min(cap, tokens + math.max(0, now - ts) * cap / 60000)
end

local function setBucket(key, cap, tokens)
  local ttl = math.ceil((cap - tokens) * 60000 / cap)
  if ttl > 0 then
    redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(now))
    redis.call('PEXPIRE', key, ttl)
  else
    redis.call('DEL', key)
  end
end

-- Drops the expired holds of a budget (their micros leave 'reserved'); an empty set heals 'reserved'.
local function sweep(counter, holds)
  local expired = redis.call('ZRANGEBYSCORE', holds, '-inf', now, 'LIMIT', 0, 1000)
  for _, member in ipairs(expired) do
    redis.call('ZREM', holds, member)
    local micros = string.match(member, '|(%d+)$')
    if micros and micros ~= '0' then redis.call('HINCRBY', counter, 'reserved', '-' .. micros) end
  end
  if redis.call('ZCARD', holds) == 0 and redis.call('HGET', counter, 'reserved') ~= '0' then
    redis.call('HSET', counter, 'reserved', '0')
  end
end

-- Appends (tag, '80'|'100', spent) to out for each alert threshold the spend reached first.
local function thresholds(counter, limitS, tag, out)
  local limit = tonumber(limitS)
  if limit <= 0 then return end
  local v = redis.call('HMGET', counter, 'spent', 't80', 't100')
  local spent = tonumber(v[1]) or 0
  if spent * 5 >= limit * 4 and not (v[2] and tonumber(v[2]) >= limit) then
    redis.call('HSET', counter, 't80', limitS)
    out[#out + 1] = tag; out[#out + 1] = '80'; out[#out + 1] = v[1]
  end
  if spent >= limit and not (v[3] and tonumber(v[3]) >= limit) then
    redis.call('HSET', counter, 't100', limitS)
    out[#out + 1] = tag; out[#out + 1] = '100'; out[#out + 1] = v[1]
  end
end
`;

/**
 * Admit, all or nothing.
 * KEYS: for each budget i: counter, holds; then the four buckets (key rpm, key tpm, route rpm, route tpm).
 * ARGV: reservation id, estimate micros, reservation ttl ms, budget count n; per budget: hard (0|1),
 *   limit micros, drop-at ms (period end + grace, for the holds key); per bucket: capacity (0 = skip), cost.
 * Returns {'init', i...} when budget counters are missing (nothing done; seed them and call again),
 *   {'budget', i, spent, reserved}, {'rate', bucket j, retry-after ms} or {'ok', expires-at ms}.
 */
export const ADMIT_SCRIPT = script(`${PRELUDE}
local id, estimate = ARGV[1], ARGV[2]
local estimateN = tonumber(estimate)
local ttl = tonumber(ARGV[3])
local nb = tonumber(ARGV[4])

local missing = {'init'}
for i = 1, nb do
  if redis.call('EXISTS', KEYS[2 * i - 1]) == 0 then missing[#missing + 1] = tostring(i) end
end
if #missing > 1 then return missing end

for i = 1, nb do
  local counter, holds = KEYS[2 * i - 1], KEYS[2 * i]
  sweep(counter, holds)
  local base = 4 + (i - 1) * 3
  if ARGV[base + 1] == '1' then
    local v = redis.call('HMGET', counter, 'spent', 'reserved')
    if (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0) + estimateN > tonumber(ARGV[base + 2]) then
      return {'budget', tostring(i), v[1] or '0', v[2] or '0'}
    end
  end
end

local bb = 4 + nb * 3
local levels = {}
local worstJ, worstWait = 0, -1
for j = 1, 4 do
  local cap = tonumber(ARGV[bb + 2 * j - 1])
  if cap > 0 then
    local cost = tonumber(ARGV[bb + 2 * j])
    local lvl = level(KEYS[2 * nb + j], cap)
    levels[j] = lvl
    if lvl + 1e-9 < cost then
      local wait = math.ceil((cost - lvl) * 60000 / cap)
      if wait > worstWait then worstJ, worstWait = j, wait end
    end
  end
end
if worstJ > 0 then return {'rate', tostring(worstJ), tostring(worstWait)} end

local expiresAt = now + ttl
local member = id .. '|' .. estimate
for i = 1, nb do
  local counter, holds = KEYS[2 * i - 1], KEYS[2 * i]
  if estimate ~= '0' then redis.call('HINCRBY', counter, 'reserved', estimate) end
  redis.call('ZADD', holds, expiresAt, member)
  redis.call('PEXPIREAT', holds, ARGV[4 + (i - 1) * 3 + 3])
end
for j = 1, 4 do
  if levels[j] ~= nil then
    local cap = tonumber(ARGV[bb + 2 * j - 1])
    setBucket(KEYS[2 * nb + j], cap, levels[j] - tonumber(ARGV[bb + 2 * j]))
  end
end
return {'ok', tostring(expiresAt)}
`);

/**
 * Settle (or release: actual 0, report 0), at most once per reservation: it applies only while the
 * reservation's holds are still there (or it has expired, and then the call did happen: a late
 * settle still charges), so a second settle/release on any replica does nothing.
 * KEYS: for each budget i: counter, holds; then the key and the route TPM buckets.
 * ARGV: holds member, estimate micros, actual micros, report thresholds (0|1), expires-at ms,
 *   budget count n; per budget: limit micros; then key tpm capacity, token delta, route tpm
 *   capacity, token delta.
 * A missing counter is not recreated (the next admit seeds it from the ledger, which has this usage).
 * Returns a flat list of crossings: budget index, '80'|'100', spent micros, ...
 */
export const SETTLE_SCRIPT = script(`${PRELUDE}
local member, estimate, actual = ARGV[1], ARGV[2], ARGV[3]
local report = ARGV[4] == '1'
local expired = now >= tonumber(ARGV[5])
local nb = tonumber(ARGV[6])
local out = {}
local removed = {}
local live = nb == 0 or expired
for i = 1, nb do
  removed[i] = redis.call('ZREM', KEYS[2 * i], member)
  if removed[i] == 1 then live = true end
end
-- Neither held nor expired: this reservation was settled or released already (on any replica).
if not live then return out end
for i = 1, nb do
  local counter = KEYS[2 * i - 1]
  if redis.call('EXISTS', counter) == 1 then
    if removed[i] == 1 and estimate ~= '0' then
      if redis.call('HINCRBY', counter, 'reserved', '-' .. estimate) < 0 then
        redis.call('HSET', counter, 'reserved', '0')
      end
    end
    if actual ~= '0' then redis.call('HINCRBY', counter, 'spent', actual) end
    if report then thresholds(counter, ARGV[6 + i], tostring(i), out) end
  end
end
local tb = 6 + nb
for j = 1, 2 do
  local cap = tonumber(ARGV[tb + 2 * j - 1])
  local delta = tonumber(ARGV[tb + 2 * j])
  if cap > 0 and delta ~= 0 then
    local key = KEYS[2 * nb + j]
    setBucket(key, cap, math.min(cap, level(key, cap) - delta))
  end
end
return out
`);

/**
 * Seeds a budget counter if it is still absent (the first seeder wins, like SET NX), with its
 * expiry, and drops holds left without a counter (their micros are not in the new `reserved`).
 * KEYS: counter, holds. ARGV: spent micros, drop-at ms. Returns 1 when this call created it.
 */
export const INIT_SCRIPT = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'spent', ARGV[1], 'reserved', '0')
redis.call('PEXPIREAT', KEYS[1], math.max(tonumber(ARGV[2]), now + 60000))
redis.call('DEL', KEYS[2])
return 1
`);

/**
 * One budget lease step (see budget-leases.ts): drops the replica's previous hold on the budget,
 * adds the spend it settled locally since its last report, reports the alert thresholds that spend
 * crossed, and holds a new amount for the calls it will admit locally.
 * KEYS: counter, holds.
 * ARGV: previous holds member ('' = none), previous amount, consumed micros, wanted micros, minimum
 *   micros, hard (0|1), limit micros, drop-at ms, lease id, lease ttl ms, kept micros, step number.
 * A step is applied once: the counter remembers each lease's last step (`s:<lease id>`), and the
 * same step sent again (its answer was lost) only gets the first answer back (without thresholds).
 * Granted: soft budgets get `wanted`; hard ones get `wanted` capped at half the free room (so other
 * replicas keep some), but never less than `minimum`; when even `minimum` does not fit, only `kept`
 * (what calls in flight already hold) and the answer is 'short'.
 * Returns {'init'} when the counter is missing (nothing done; seed it and call again), else
 * {'ok'|'short', granted, spent, reserved (this grant included), then '0', '80'|'100', spent per
 *   threshold crossed}.
 */
export const LEASE_SCRIPT = script(`${PRELUDE}
local counter, holds = KEYS[1], KEYS[2]
if redis.call('EXISTS', counter) == 0 then return {'init'} end
local stepField = 's:' .. ARGV[9]
local last = redis.call('HGET', counter, stepField)
if last then
  local lastStep, lastGranted, lastStatus = string.match(last, '^(%d+)|(%d+)|(%a+)$')
  if lastStep == ARGV[12] then
    local v = redis.call('HMGET', counter, 'spent', 'reserved')
    return {lastStatus, lastGranted, v[1] or '0', v[2] or '0'}
  end
end
sweep(counter, holds)
local previous, previousAmount, consumed = ARGV[1], ARGV[2], ARGV[3]
if previous ~= '' and redis.call('ZREM', holds, previous) == 1 and previousAmount ~= '0' then
  if redis.call('HINCRBY', counter, 'reserved', '-' .. previousAmount) < 0 then
    redis.call('HSET', counter, 'reserved', '0')
  end
end
if consumed ~= '0' then redis.call('HINCRBY', counter, 'spent', consumed) end
local crossed = {}
thresholds(counter, ARGV[7], '0', crossed)
local wanted, minimum, kept = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[11])
local v = redis.call('HMGET', counter, 'spent', 'reserved')
local spent, reserved = tonumber(v[1]) or 0, tonumber(v[2]) or 0
local status, granted = 'ok', wanted
if ARGV[6] == '1' then
  local free = tonumber(ARGV[7]) - spent - reserved
  if minimum > free then
    status, granted = 'short', kept
  else
    granted = math.min(wanted, math.max(minimum, math.floor(free / 2)))
  end
end
local amount = string.format('%d', granted)
if granted > 0 then
  redis.call('HINCRBY', counter, 'reserved', amount)
  redis.call('ZADD', holds, now + tonumber(ARGV[10]), ARGV[9] .. '|' .. amount)
  redis.call('PEXPIREAT', holds, ARGV[8])
end
redis.call('HSET', counter, stepField, ARGV[12] .. '|' .. amount .. '|' .. status)
local out = {status, amount, v[1] or '0', string.format('%d', reserved + granted)}
for _, x in ipairs(crossed) do out[#out + 1] = x end
return out
`);
