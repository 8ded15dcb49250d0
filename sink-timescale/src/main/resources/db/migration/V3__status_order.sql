-- The order every store keeps for a control's status (StatusOrder in the schemas module): the later
-- observation wins, at the same instant the more severe status, then the greater record id compared
-- byte by byte (COLLATE "C", whatever the database's locale), as Redis and the stream processor do.
CREATE FUNCTION status_severity(s compliance_status) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE s WHEN 'NOT_SATISFIED' THEN 4 WHEN 'PARTIALLY_SATISFIED' THEN 3 WHEN 'UNKNOWN' THEN 2
                        WHEN 'SATISFIED' THEN 1 ELSE 0 END::smallint $$;

COMMENT ON TABLE control_status IS
    'Latest status per org/framework/control: later observed_at, then more severe status, then greater record_id (bytewise) wins';
