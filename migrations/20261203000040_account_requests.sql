-- No administrator becomes another person (issue 25). For a staff account, what would let
-- one administrator take it over waits for a second administrator, as a role does: a new
-- e-mail address (the next link would go to it), a reset of the second factor (the next
-- login enrols a new one), a new set-password link, and an administrator's confirmation of
-- a link to an identity provider. A coordinator's are done at once.
CREATE TYPE account_change AS ENUM ('email', 'second_factor_reset', 'password_link', 'identity_link');

CREATE TABLE account_requests (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        UUID NOT NULL REFERENCES users (id),
    change         account_change NOT NULL,
    -- The address asked for (an e-mail change).
    new_email      TEXT CHECK (new_email = lower(btrim(new_email))
                               AND new_email ~ '^[^@[:space:]]+@[^@[:space:]]+$'
                               AND length(new_email) <= 254),
    -- The link to confirm (an identity link). No foreign key: the request is kept when the
    -- link is removed (it is then not confirmed).
    identity_link  UUID,
    state          role_grant_state NOT NULL DEFAULT 'pending',
    requested_by   UUID NOT NULL REFERENCES users (id),
    requested_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    decided_by     UUID REFERENCES users (id),
    decided_at     TIMESTAMPTZ,
    CONSTRAINT account_requests_what CHECK (
        (change = 'email') = (new_email IS NOT NULL)
        AND (change = 'identity_link') = (identity_link IS NOT NULL)),
    CONSTRAINT account_requests_decided CHECK (
        (state = 'pending') = (decided_by IS NULL) AND (decided_by IS NULL) = (decided_at IS NULL)),
    -- The one who confirms is neither the one who asked nor the one whose account it is.
    CONSTRAINT account_requests_four_eyes CHECK (state <> 'confirmed' OR decided_by <> requested_by),
    CONSTRAINT account_requests_not_for_oneself CHECK (state <> 'confirmed' OR decided_by <> user_id)
);
CREATE UNIQUE INDEX account_requests_one_pending ON account_requests (user_id, change)
    WHERE state = 'pending';
CREATE INDEX account_requests_user ON account_requests (user_id, id);

-- Only active administrators ask and decide; a request is decided once and kept.
CREATE FUNCTION account_requests_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'account request % is kept', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'account_requests_kept';
    END IF;
    IF TG_OP = 'UPDATE' AND (OLD.state <> 'pending' OR NEW.user_id <> OLD.user_id
            OR NEW.change <> OLD.change OR NEW.new_email IS DISTINCT FROM OLD.new_email
            OR NEW.identity_link IS DISTINCT FROM OLD.identity_link
            OR NEW.requested_by <> OLD.requested_by OR NEW.requested_at <> OLD.requested_at) THEN
        RAISE EXCEPTION 'account request % is decided once', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'account_requests_decided_once';
    END IF;
    IF TG_OP = 'INSERT' AND NEW.state <> 'pending' THEN
        RAISE EXCEPTION 'an account request is asked for, then decided'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'account_requests_decided_once';
    END IF;
    IF EXISTS (
        SELECT 1 FROM (VALUES
            (CASE WHEN TG_OP = 'INSERT' THEN NEW.requested_by END), (NEW.decided_by)) AS who (id)
        WHERE who.id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = who.id AND u.role = 'admin' AND u.active)
    ) THEN
        RAISE EXCEPTION 'only an active administrator asks for or decides an account change'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'account_requests_by_administrators';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER account_requests_guard BEFORE INSERT OR UPDATE OR DELETE ON account_requests
    FOR EACH ROW EXECUTE FUNCTION account_requests_guard();

-- Whether the transaction has confirmed this change to the user's account (now() is the
-- transaction's start, the decided_at the confirming transaction wrote).
CREATE FUNCTION account_change_confirmed_now(p_user UUID, p_change account_change, p_email TEXT)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM account_requests r
                   WHERE r.user_id = p_user AND r.change = p_change AND r.state = 'confirmed'
                     AND r.decided_at = now()
                     AND (p_email IS NULL OR r.new_email = p_email))
$$;

-- The server changes a staff member's address, and removes a staff member's second factor,
-- only in the transaction that confirms the request for it.
CREATE FUNCTION users_staff_email_confirmed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_user = 'digikoord_app' AND OLD.role <> 'coordinator'
       AND NEW.email <> OLD.email
       AND NOT account_change_confirmed_now(NEW.id, 'email', NEW.email) THEN
        RAISE EXCEPTION 'a staff member''s e-mail address changes only with a second administrator''s confirmation'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'users_staff_email_confirmed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER users_staff_email_confirmed BEFORE UPDATE OF email ON users
    FOR EACH ROW EXECUTE FUNCTION users_staff_email_confirmed();

CREATE FUNCTION second_factors_staff_reset_confirmed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_user = 'digikoord_app'
       AND EXISTS (SELECT 1 FROM users u WHERE u.id = OLD.user_id AND u.role <> 'coordinator')
       AND NOT account_change_confirmed_now(OLD.user_id, 'second_factor_reset', NULL) THEN
        RAISE EXCEPTION 'a staff member''s second factor is reset only with a second administrator''s confirmation'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'second_factors_staff_reset_confirmed';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER second_factors_staff_reset_confirmed BEFORE DELETE ON second_factors
    FOR EACH ROW EXECUTE FUNCTION second_factors_staff_reset_confirmed();
