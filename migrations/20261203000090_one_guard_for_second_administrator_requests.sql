-- A request for a second administrator (an account change, a provider change): only active
-- administrators ask and decide; it is asked pending, decided once (only its state,
-- decided_by and decided_at change, and only from pending), and kept. One guard serves every
-- such table: they share those columns and name their constraints after themselves
-- (<table>_kept, <table>_decided_once, <table>_by_administrators). It replaces the two
-- copies that migrations 40 and 60 wrote, and compares every other column, so a column added
-- to either table later is covered without touching the guard.
CREATE FUNCTION second_administrator_request_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% % is kept', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_kept';
    END IF;
    IF (TG_OP = 'INSERT' AND NEW.state <> 'pending')
       OR (TG_OP = 'UPDATE' AND (OLD.state <> 'pending'
           OR (to_jsonb(NEW) - ARRAY['state', 'decided_by', 'decided_at'])
              <> (to_jsonb(OLD) - ARRAY['state', 'decided_by', 'decided_at']))) THEN
        RAISE EXCEPTION '% % is asked for, then decided once', TG_TABLE_NAME, NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_decided_once';
    END IF;
    IF EXISTS (
        SELECT 1 FROM (VALUES
            (CASE WHEN TG_OP = 'INSERT' THEN NEW.requested_by END), (NEW.decided_by)) AS who (id)
        WHERE who.id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = who.id AND u.role = 'admin' AND u.active)
    ) THEN
        RAISE EXCEPTION 'only an active administrator asks for or decides a % row', TG_TABLE_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_by_administrators';
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER account_requests_guard ON account_requests;
CREATE TRIGGER account_requests_guard BEFORE INSERT OR UPDATE OR DELETE ON account_requests
    FOR EACH ROW EXECUTE FUNCTION second_administrator_request_guard();
DROP FUNCTION account_requests_guard();

DROP TRIGGER identity_provider_changes_guard ON identity_provider_changes;
CREATE TRIGGER identity_provider_changes_guard
    BEFORE INSERT OR UPDATE OR DELETE ON identity_provider_changes
    FOR EACH ROW EXECUTE FUNCTION second_administrator_request_guard();
DROP FUNCTION identity_provider_changes_guard();
