-- One slot of a shared GCRA bucket (generic cell rate algorithm), reserved atomically.
--
-- KEYS[1]  the bucket: its value is the theoretical arrival time (TAT) in microseconds.
-- ARGV[1]  the emission interval: microseconds between two slots at the sustained rate.
-- ARGV[2]  the tolerance: emission interval x burst, how far the TAT may run ahead of now.
-- ARGV[3]  the longest wait, in microseconds, the caller accepts (the time left before its
--          deadline).
--
-- Returns {1, wait}: a slot is reserved `wait` microseconds from now (0 = at once), and the
-- caller sleeps that long; or {0, wait}: the next slot lies past the caller's deadline, and
-- nothing is reserved, so a call that gives up does not take a slot from the others.
--
-- The clock is Redis's own TIME, so replicas whose clocks disagree still share one schedule;
-- replies hold only durations. Needs Redis 5 or later (scripts replicate their effects, so TIME
-- may precede a write).

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])

local tat = now
local stored = redis.call('GET', KEYS[1])
if stored then
  tat = math.max(tonumber(stored), now)
end

local new_tat = tat + interval
local wait = math.max(new_tat - tolerance - now, 0)
if wait > max_wait then
  return {0, wait}
end

-- Once the TAT is in the past the bucket is full again, which is what a missing key means:
-- the key expires then, so idle accounts leave nothing behind.
local ttl_ms = math.ceil((new_tat - now) / 1000) + 1
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl_ms)
return {1, wait}
