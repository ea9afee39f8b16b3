-- The server (role digikoord_app) never creates a staff account that is already in force:
-- it inserts new staff inactive with a pending request (role_grants), and only the
-- owner — the operator's `admin create` and the demo — creates active staff directly.
CREATE FUNCTION users_staff_inserted_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role <> 'coordinator' AND NEW.active AND current_user = 'digikoord_app' THEN
        RAISE EXCEPTION 'the server creates staff accounts only inactive, to be confirmed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'users_staff_inserted_pending';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER users_staff_inserted_pending BEFORE INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION users_staff_inserted_pending();
