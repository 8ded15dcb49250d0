-- sink-cache: the leaderboard of one framework and its live updates. One call per hash slot {framework}.
--
-- KEYS[1]  <prefix>lb:{fw}        sorted set  orgId -> score (ZRANGE ascending = worst first)
-- KEYS[2]  <prefix>lb:{fw}:meta   hash        orgId -> "pos:grave:updatedAtMillis:score"
-- KEYS[3]  <prefix><stream>:{fw}  stream      one entry per applied change (when ARGV[3] > 0)
-- ARGV[1]  TTL in ms for KEYS[1] and KEYS[2], 0 = none
-- ARGV[2]  framework id (for the live events)
-- ARGV[3]  stream MAXLEN (approximate trimming), 0 = no stream
-- ARGV[4]  stream TTL in ms, 0 = none
-- ARGV[5]  pub/sub channel, "" = none
-- ARGV[6..] 8 values per event, in partition (offset) order:
--          orgId, offset, kind ("v" | "t"), updatedAt ms, score, satisfied, applicable, updatedAt ISO-8601
--
-- Same newer-wins rules as score.lua (compared here again: the score hash lives in another slot).
-- A change is published (stream entry and/or channel message) exactly when it is applied, in the same
-- script: replays and duplicates publish nothing.
-- Returns one integer per event: 1 applied, 0 unchanged, 2 deleted.

local t1 = redis.call('TYPE', KEYS[1])['ok']
if t1 ~= 'none' and t1 ~= 'zset' then
  return redis.error_reply('WRONGTYPE ' .. KEYS[1] .. ' holds a ' .. t1 .. ', sink-cache expects a zset')
end
local t2 = redis.call('TYPE', KEYS[2])['ok']
if t2 ~= 'none' and t2 ~= 'hash' then
  return redis.error_reply('WRONGTYPE ' .. KEYS[2] .. ' holds a ' .. t2 .. ', sink-cache expects a hash')
end
local maxlen = tonumber(ARGV[3])
if maxlen > 0 then
  local t3 = redis.call('TYPE', KEYS[3])['ok']
  if t3 ~= 'none' and t3 ~= 'stream' then
    return redis.error_reply('WRONGTYPE ' .. KEYS[3] .. ' holds a ' .. t3 .. ', sink-cache expects a stream')
  end
end

local ttl, framework, streamTtl, channel = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[4]), ARGV[5]
local fw = cjson.encode(framework)

local function publish(event, org, previous, score, satisfied, applicable, updatedAt)
  if maxlen > 0 then
    if event == 'update' then
      redis.call('XADD', KEYS[3], 'MAXLEN', '~', maxlen, '*', 'event', event, 'orgId', org, 'framework', framework,
        'score', score, 'previous', previous or '', 'satisfied', satisfied, 'applicable', applicable, 'updatedAt', updatedAt)
    else
      redis.call('XADD', KEYS[3], 'MAXLEN', '~', maxlen, '*', 'event', event, 'orgId', org, 'framework', framework,
        'previous', previous or '')
    end
  end
  if channel ~= '' then
    local msg
    if event == 'update' then
      msg = '{"event":"update","orgId":' .. cjson.encode(org) .. ',"framework":' .. fw .. ',"score":' .. score
        .. ',"previous":' .. (previous or 'null') .. ',"satisfied":' .. satisfied .. ',"applicable":' .. applicable
        .. ',"updatedAt":' .. cjson.encode(updatedAt) .. '}'
    else
      msg = '{"event":"delete","orgId":' .. cjson.encode(org) .. ',"framework":' .. fw .. ',"previous":' .. (previous or 'null') .. '}'
    end
    redis.call('PUBLISH', channel, msg)
  end
end

local state, order, results, published = {}, {}, {}, 0
-- Every org's bookkeeping in one HMGET (in chunks), instead of one HGET per org.
for i = 6, #ARGV, 8 do
  local org = ARGV[i]
  if not state[org] then
    state[org] = true
    order[#order + 1] = org
  end
end
for j = 1, #order, 1000 do
  local last = math.min(j + 999, #order)
  local metas = redis.call('HMGET', KEYS[2], unpack(order, j, last))
  for k = j, last do
    local s = { pos = -1, grave = -1 }
    local meta = metas[k - j + 1]
    if meta then
      local p, g, v, score = string.match(meta, '^(%-?%d+):(%-?%d+):(%-?%d*):(.*)$')
      if p then
        s.pos, s.grave = tonumber(p), tonumber(g)
        if v ~= '' then s.version, s.score = tonumber(v), score end
      end
    end
    state[order[k]] = s
  end
end

for i = 6, #ARGV, 8 do
  local org = ARGV[i]
  local offset = tonumber(ARGV[i + 1])
  local s = state[org]
  local result = 0
  if ARGV[i + 2] == 't' then
    if offset > s.pos and offset > s.grave then
      publish('delete', org, s.score)
      s.grave, s.version, s.score, s.action, s.dirty = offset, nil, nil, 'del', true
      result = 2
    end
  elseif offset > s.grave then
    local v = tonumber(ARGV[i + 3])
    if s.version == nil or v > s.version then
      local score = ARGV[i + 4]
      publish('update', org, s.score, score, ARGV[i + 5], ARGV[i + 6], ARGV[i + 7])
      s.version, s.score, s.action, s.dirty = v, score, 'set', true
      result = 1
    end
    if offset > s.pos then s.pos, s.dirty = offset, true end
  end
  if result ~= 0 then published = published + 1 end
  results[#results + 1] = result
end

local adds, rems, metas = {}, {}, {}
for _, org in ipairs(order) do
  local s = state[org]
  if s.dirty then
    metas[#metas + 1] = org
    metas[#metas + 1] = string.format('%d:%d:%s:%s', s.pos, s.grave, s.version and string.format('%d', s.version) or '', s.score or '')
    if s.action == 'set' then
      adds[#adds + 1] = s.score
      adds[#adds + 1] = org
    elseif s.action == 'del' then
      rems[#rems + 1] = org
    end
  end
end
for i = 1, #adds, 1000 do redis.call('ZADD', KEYS[1], unpack(adds, i, math.min(i + 999, #adds))) end
for i = 1, #rems, 1000 do redis.call('ZREM', KEYS[1], unpack(rems, i, math.min(i + 999, #rems))) end
for i = 1, #metas, 1000 do redis.call('HSET', KEYS[2], unpack(metas, i, math.min(i + 999, #metas))) end
if #metas > 0 and ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
if published > 0 and maxlen > 0 and streamTtl > 0 then
  redis.call('PEXPIRE', KEYS[3], streamTtl)
end
return results
