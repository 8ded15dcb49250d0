-- sink-cache: current control status of one (org, framework). One call per hash slot {org/framework};
-- every key it touches is declared and shares that slot (Redis Cluster safe).
--
-- KEYS[1]  <prefix>{org/fw}:status       hash  controlId -> reader JSON {"status","observedAt","recordId"}
-- KEYS[2]  <prefix>{org/fw}:status:meta  hash  controlId -> "pos:grave:rank:recordId"
-- ARGV[1]  TTL in ms for both keys, 0 = none
-- ARGV[2..] 6 values per event, in partition (offset) order:
--          controlId, offset, kind ("v" value | "t" tombstone), rank, recordId, reader JSON
--          (rank = observedAt ms * 8 + status severity, StatusOrder in the schemas module)
--
-- Rules (README "Newer wins"):
--  * a value replaces the entry when its (rank, recordId) is greater (recordId compared byte by byte): the
--    later observation wins, at the same instant the more severe status, then the greater recordId;
--    equal or smaller changes nothing;
--  * pos = highest source offset of any value seen since the last deletion, grave = offset of the last
--    applied tombstone. A tombstone deletes only when it comes after every value seen (offset > pos):
--    an old tombstone replayed never deletes newer state. A value from before the grave (offset <= grave)
--    belongs to a deleted life and is ignored: a replay never resurrects a deleted control.
-- Returns one integer per event: 1 applied, 0 unchanged (older, duplicate, replayed), 2 deleted.

for i = 1, 2 do
  local t = redis.call('TYPE', KEYS[i])['ok']
  if t ~= 'none' and t ~= 'hash' then
    return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' holds a ' .. t .. ', sink-cache expects a hash')
  end
end

local function greater_bytes(a, b)
  local la, lb = #a, #b
  local n = la < lb and la or lb
  for k = 1, n do
    local x, y = string.byte(a, k), string.byte(b, k)
    if x ~= y then return x > y end
  end
  return la > lb
end

local function chunked(cmd, key, list)
  for i = 1, #list, 1000 do
    redis.call(cmd, key, unpack(list, i, math.min(i + 999, #list)))
  end
end

local ttl = tonumber(ARGV[1])
local state, order, results = {}, {}, {}

-- Every control's bookkeeping in one HMGET (in chunks), instead of one HGET per control.
for i = 2, #ARGV, 6 do
  local control = ARGV[i]
  if not state[control] then
    state[control] = true
    order[#order + 1] = control
  end
end
for j = 1, #order, 1000 do
  local last = math.min(j + 999, #order)
  local metas = redis.call('HMGET', KEYS[2], unpack(order, j, last))
  for k = j, last do
    -- every field in the constructor: the table is sized once
    local s = { pos = -1, grave = -1, obs = false, rid = false, json = false, action = false, dirty = false }
    local meta = metas[k - j + 1]
    if meta then
      local p, g, o, r = string.match(meta, '^(%-?%d+):(%-?%d+):(%-?%d*):(.*)$')
      if p then
        s.pos, s.grave = tonumber(p), tonumber(g)
        if o ~= '' then s.obs, s.rid = tonumber(o), r end
      end
    end
    state[order[k]] = s
  end
end

for i = 2, #ARGV, 6 do
  local offset = tonumber(ARGV[i + 1])
  local s = state[ARGV[i]]
  local result = 0
  if ARGV[i + 2] == 't' then
    if offset > s.pos and offset > s.grave then
      s.grave, s.obs, s.rid, s.json, s.action, s.dirty = offset, false, false, false, 'del', true
      result = 2
    end
  elseif offset > s.grave then
    local obs, rid = tonumber(ARGV[i + 3]), ARGV[i + 4]
    if not s.obs or obs > s.obs or (obs == s.obs and greater_bytes(rid, s.rid)) then
      s.obs, s.rid, s.json, s.action, s.dirty = obs, rid, ARGV[i + 5], 'set', true
      result = 1
    end
    if offset > s.pos then s.pos, s.dirty = offset, true end
  end
  results[#results + 1] = result
end

local sets, dels, metas = {}, {}, {}
for _, control in ipairs(order) do
  local s = state[control]
  if s.dirty then
    metas[#metas + 1] = control
    if s.obs then
      metas[#metas + 1] = string.format('%d:%d:%d:%s', s.pos, s.grave, s.obs, s.rid)
    else
      metas[#metas + 1] = string.format('%d:%d::', s.pos, s.grave)
    end
    if s.action == 'set' then
      sets[#sets + 1] = control
      sets[#sets + 1] = s.json
    elseif s.action == 'del' then
      dels[#dels + 1] = control
    end
  end
end
if #sets > 0 then chunked('HSET', KEYS[1], sets) end
if #dels > 0 then chunked('HDEL', KEYS[1], dels) end
if #metas > 0 then
  chunked('HSET', KEYS[2], metas)
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[1], ttl)
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
end
return results
