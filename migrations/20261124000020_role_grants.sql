-- Four eyes on power: a staff role (case officer, approver, administrator) is given
-- only when a second administrator confirms another administrator's request for it.
-- users.role stays the role in force; a request waits here, and only the transaction
-- that confirms it may write a staff role into users.
--
-- A new staff account is inserted inactive (so it can neither log in nor use a
-- set-password link) with its role already in users.role, as the organisation CHECK
-- needs, and a request with from_role NULL; confirming the request activates it.

CREATE TYPE role_grant_state AS ENUM ('pending', 'confirmed', 'refused');

CREATE TABLE role_grants (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users (id),
    role          user_role NOT NULL,
    -- The role in force when asked; NULL for an account that has none yet.
    from_role     user_role,
    state         role_grant_state NOT NULL DEFAULT 'pending',
    -- NULL only for a grant made without a request: the operator's command that
    -- creates the first administrators (users::create_first_administrator).
    requested_by  UUID REFERENCES users (id),
    requested_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    confirmed_by  UUID REFERENCES users (id),
    confirmed_at  TIMESTAMPTZ,
    refused_by    UUID REFERENCES users (id),
    refused_at    TIMESTAMPTZ,
    CONSTRAINT role_grants_staff_role CHECK (role <> 'coordinator'),
    -- The one who confirms is neither the one who asked nor the one who gets the role.
    CONSTRAINT role_grants_four_eyes CHECK (confirmed_by <> requested_by),
    CONSTRAINT role_grants_not_for_oneself CHECK (confirmed_by <> user_id),
    CONSTRAINT role_grants_state_fits CHECK (CASE state
        WHEN 'pending' THEN requested_by IS NOT NULL
            AND confirmed_by IS NULL AND confirmed_at IS NULL
            AND refused_by IS NULL AND refused_at IS NULL
        WHEN 'confirmed' THEN confirmed_at IS NOT NULL
            AND (confirmed_by IS NOT NULL) = (requested_by IS NOT NULL)
            AND refused_by IS NULL AND refused_at IS NULL
        WHEN 'refused' THEN requested_by IS NOT NULL
            AND refused_by IS NOT NULL AND refused_at IS NOT NULL
            AND confirmed_by IS NULL AND confirmed_at IS NULL
    END)
);
-- One open request per user: decide it before asking for another role.
CREATE UNIQUE INDEX role_grants_one_pending ON role_grants (user_id) WHERE state = 'pending';
CREATE INDEX role_grants_user_role ON role_grants (user_id, role, id);

-- Only administrators ask, confirm and refuse; a request is decided once and then
-- kept as it is, like the audit log.
CREATE FUNCTION role_grants_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'role grant % is kept', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'role_grants_kept';
    END IF;
    IF TG_OP = 'UPDATE' AND (OLD.state <> 'pending'
            OR NEW.user_id <> OLD.user_id OR NEW.role <> OLD.role
            OR NEW.from_role IS DISTINCT FROM OLD.from_role
            OR NEW.requested_by IS DISTINCT FROM OLD.requested_by
            OR NEW.requested_at <> OLD.requested_at) THEN
        RAISE EXCEPTION 'role grant % is decided once', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'role_grants_decided_once';
    END IF;
    IF EXISTS (
        SELECT 1 FROM (VALUES
            (CASE WHEN TG_OP = 'INSERT' THEN NEW.requested_by END),
            (NEW.confirmed_by),
            (NEW.refused_by)) AS who (id)
        WHERE who.id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = who.id AND u.role = 'admin' AND u.active)
    ) THEN
        RAISE EXCEPTION 'only an active administrator asks for, confirms or refuses a role'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'role_grants_by_administrators';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER role_grants_guard BEFORE INSERT OR UPDATE OR DELETE ON role_grants
    FOR EACH ROW EXECUTE FUNCTION role_grants_guard();

-- Whether the user's role is in force: a coordinator's always; a staff role unless the
-- latest request for it is pending or refused (a new account waiting or turned down).
-- A staff user with no request at all was created by the operator.
CREATE FUNCTION user_role_confirmed(user_id UUID, role user_role) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT $2 = 'coordinator' OR COALESCE((
        SELECT g.state FROM role_grants g
        WHERE g.user_id = $1 AND g.role = $2
        ORDER BY g.id DESC LIMIT 1
    ), 'confirmed') = 'confirmed'
$$;

-- The users' side. New rows are left to the application (which inserts staff inactive
-- with a request) and to the operator's command; what is guarded are the changes.
CREATE FUNCTION users_staff_role_confirmed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A staff role is written only by the transaction that confirms a grant of it
    -- (now() is the transaction's start, the confirmed_at that transaction wrote).
    IF NEW.role <> 'coordinator' AND NEW.role IS DISTINCT FROM OLD.role AND NOT EXISTS (
        SELECT 1 FROM role_grants g
        WHERE g.user_id = NEW.id AND g.role = NEW.role
          AND g.state = 'confirmed' AND g.confirmed_at = now()
    ) THEN
        RAISE EXCEPTION 'user % gets the role % only with a confirmed grant', NEW.id, NEW.role
            USING ERRCODE = 'check_violation', CONSTRAINT = 'users_staff_role_confirmed';
    END IF;
    -- An account whose staff role waits for confirmation, or was refused, stays out.
    IF NEW.active AND NOT OLD.active AND NOT user_role_confirmed(NEW.id, NEW.role) THEN
        RAISE EXCEPTION 'user % has no confirmed grant of the role %', NEW.id, NEW.role
            USING ERRCODE = 'check_violation', CONSTRAINT = 'users_staff_account_confirmed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER users_staff_role_confirmed BEFORE UPDATE OF role, active ON users
    FOR EACH ROW EXECUTE FUNCTION users_staff_role_confirmed();
