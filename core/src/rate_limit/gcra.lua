-- One slot of a shared GCRA bucket (generic cell rate algorithm), reserved atomically: the rule
-- of gcra.rs, on Redis's clock.
--
-- KEYS[1]  the bucket: its value is the theoretical arrival time (TAT) in microseconds.
-- ARGV[1]  the emission interval: microseconds between two slots at the sustained rate.
-- ARGV[2]  the tolerance: emission interval x burst, how far the TAT may run ahead of now.
-- ARGV[3]  the latest start the caller accepts (before its deadline), in microseconds on Redis's
--          clock; 0 when the client does not know Redis's clock yet.
-- ARGV[4]  when the caller stops waiting for this reply, in microseconds on Redis's clock; 0
--          when unknown.
-- ARGV[5]  the longest wait the caller accepts, in microseconds from now: the latest start when
--          ARGV[3] is 0.
--
-- Returns {1, wait, now}: a slot is reserved `wait` microseconds from now (0 = at once); {0,
-- wait, now}: the next slot lies past the latest start; {-1, 0, now}: the command ran after
-- its caller had given up on it (it was queued while Redis was frozen or slow). Only the first
-- reserves anything, so a refused or abandoned caller costs the bucket nothing. `now` is
-- Redis's TIME, from which the client learns the offset of Redis's clock to its own.
--
-- Needs Redis 5 or later (scripts replicate their effects, so TIME may precede a write).

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local latest_start = tonumber(ARGV[3])
local expires = tonumber(ARGV[4])
if latest_start == 0 then
  latest_start = now + tonumber(ARGV[5])
end

if expires ~= 0 and now > expires then
  return {-1, 0, now}
end

local tat = now
local stored = redis.call('GET', KEYS[1])
if stored then
  tat = math.max(tonumber(stored), now)
end

local new_tat = tat + interval
local start = math.max(new_tat - tolerance, now)
if start > latest_start then
  return {0, start - now, now}
end

-- Once the TAT is in the past the bucket is full again, which is what a missing key means:
-- the key expires then, so idle accounts leave nothing behind.
local ttl_ms = math.ceil((new_tat - now) / 1000) + 1
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl_ms)
return {1, start - now, now}
