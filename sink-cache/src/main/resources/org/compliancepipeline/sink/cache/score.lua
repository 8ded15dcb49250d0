-- sink-cache: the score of one (org, framework). One call per hash slot {org/framework}.
--
-- KEYS[1]  <prefix>{org/fw}:score       hash    score, satisfied, applicable, updatedAt, controls* (reader fields)
-- KEYS[2]  <prefix>{org/fw}:score:meta  string  "pos:grave:updatedAtMillis"
-- ARGV[1]  TTL in ms for both keys, 0 = none
-- ARGV[2]  F: number of hash fields each value carries
-- ARGV[3..] 3 + 2F values per event, in partition (offset) order:
--          offset, kind ("v" value | "t" tombstone), updatedAt ms, then F field/value pairs
--
-- Rules: a value replaces the hash when its updatedAt is greater (equal or smaller: unchanged).
-- pos/grave as in status.lua: an old tombstone never deletes newer state, a replayed value from before
-- the last deletion never resurrects it.
-- Returns one integer per event: 1 applied, 0 unchanged, 2 deleted.

local t1 = redis.call('TYPE', KEYS[1])['ok']
if t1 ~= 'none' and t1 ~= 'hash' then
  return redis.error_reply('WRONGTYPE ' .. KEYS[1] .. ' holds a ' .. t1 .. ', sink-cache expects a hash')
end
local t2 = redis.call('TYPE', KEYS[2])['ok']
if t2 ~= 'none' and t2 ~= 'string' then
  return redis.error_reply('WRONGTYPE ' .. KEYS[2] .. ' holds a ' .. t2 .. ', sink-cache expects a string')
end

local ttl = tonumber(ARGV[1])
local fields = tonumber(ARGV[2])
local stride = 3 + 2 * fields

local pos, grave, version = -1, -1, nil
local meta = redis.call('GET', KEYS[2])
if meta then
  local p, g, v = string.match(meta, '^(%-?%d+):(%-?%d+):(%-?%d*)$')
  if p then
    pos, grave = tonumber(p), tonumber(g)
    if v ~= '' then version = tonumber(v) end
  end
end

local results, action, from, dirty = {}, nil, nil, false
for i = 3, #ARGV, stride do
  local offset = tonumber(ARGV[i])
  local result = 0
  if ARGV[i + 1] == 't' then
    if offset > pos and offset > grave then
      grave, version, action, from, dirty = offset, nil, 'del', nil, true
      result = 2
    end
  elseif offset > grave then
    local v = tonumber(ARGV[i + 2])
    if version == nil or v > version then
      version, action, from, dirty = v, 'set', i + 3, true
      result = 1
    end
    if offset > pos then pos, dirty = offset, true end
  end
  results[#results + 1] = result
end

if dirty then
  if action == 'set' then
    redis.call('HSET', KEYS[1], unpack(ARGV, from, from + 2 * fields - 1))
  elseif action == 'del' then
    redis.call('DEL', KEYS[1])
  end
  local m = string.format('%d:%d:%s', pos, grave, version and string.format('%d', version) or '')
  if ttl > 0 then
    redis.call('SET', KEYS[2], m, 'PX', ttl)
    redis.call('PEXPIRE', KEYS[1], ttl)
  else
    redis.call('SET', KEYS[2], m)
  end
end
return results
