-- Token bucket of one API key, shared by every instance of the ingest API.
-- KEYS[1]: the bucket (a hash: tokens, ts). ARGV: rate (tokens per second), burst, cost (records).
-- Returns {allowed (1/0), milliseconds until the request could pass, tokens left (string)}.
-- Time comes from the Redis server, so instances with skewed clocks still share one bucket.
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
  ts = now
end
-- A request larger than the whole bucket passes when the bucket is full and leaves it in debt:
-- such a request is never refused forever, and the average rate still holds.
local need = math.min(cost, burst)
local allowed = 0
local wait_ms = 0
if tokens >= need then
  tokens = tokens - cost
  allowed = 1
else
  wait_ms = math.ceil((need - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return {allowed, wait_ms, tostring(tokens)}
