-- A network event can be cancelled (ställas in) with a reason: it stays, marked, so the
-- registered hear of it, the calendar feeds mark it cancelled and nobody registers again.
ALTER TABLE network_events
    ADD COLUMN cancelled_at  TIMESTAMPTZ,
    ADD COLUMN cancelled_by  UUID REFERENCES users (id),
    ADD COLUMN cancel_reason TEXT CHECK (length(btrim(cancel_reason)) BETWEEN 1 AND 2000),
    ADD CONSTRAINT network_events_cancelled_whole CHECK (
        (cancelled_at IS NULL) = (cancelled_by IS NULL)
        AND (cancelled_at IS NULL) = (cancel_reason IS NULL));

-- No registration for a cancelled event. FOR SHARE waits for a cancellation in flight and
-- then sees it.
CREATE FUNCTION network_registration_open() RETURNS trigger AS $$
BEGIN
    IF (SELECT cancelled_at FROM network_events WHERE id = NEW.event_id FOR SHARE) IS NOT NULL THEN
        RAISE EXCEPTION 'network event % is cancelled', NEW.event_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'network_registration_open';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER network_registration_open BEFORE INSERT ON network_registrations
    FOR EACH ROW EXECUTE FUNCTION network_registration_open();
