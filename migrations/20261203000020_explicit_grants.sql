-- The backstop holds on its own (issue 25). A staff role is in force only with an explicit
-- confirmed grant: "no grant at all" no longer counts as confirmed, so a staff account
-- written past the application (inactive, without a request) can't be switched on. The
-- grants made without a request are recorded: the operator's first administrators and the
-- demo's staff (any active staff account the owner inserts) get theirs by trigger, and the
-- accounts made so without one get it now. The server's role may only ask (insert pending
-- grants): confirming is an update by a second administrator, which the guards check.

INSERT INTO role_grants (user_id, role, state, confirmed_at)
SELECT u.id, u.role, 'confirmed', u.created_at FROM users u
WHERE u.role <> 'coordinator'
  AND NOT EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = u.id AND g.role = u.role);

CREATE OR REPLACE FUNCTION user_role_confirmed(user_id UUID, role user_role) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT $2 = 'coordinator' OR COALESCE((
        SELECT g.state = 'confirmed' FROM role_grants g
        WHERE g.user_id = $1 AND g.role = $2
        ORDER BY g.id DESC LIMIT 1
    ), false)
$$;

-- An active staff account inserted by the owner (the server can't: users_staff_inserted_pending)
-- has its grant recorded as given without a request.
CREATE FUNCTION users_staff_grant_recorded() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role <> 'coordinator' AND NEW.active THEN
        INSERT INTO role_grants (user_id, role, state, confirmed_at)
        VALUES (NEW.id, NEW.role, 'confirmed', now());
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER users_staff_grant_recorded AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION users_staff_grant_recorded();

CREATE FUNCTION role_grants_server_only_asks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_user = 'digikoord_app' AND NEW.state <> 'pending' THEN
        RAISE EXCEPTION 'the server only asks for a role; a second administrator confirms it'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'role_grants_server_only_asks';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER role_grants_server_only_asks BEFORE INSERT ON role_grants
    FOR EACH ROW EXECUTE FUNCTION role_grants_server_only_asks();
