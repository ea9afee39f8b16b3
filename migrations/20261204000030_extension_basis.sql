-- Issue 27: an extension says on what basis, and imported history is held to the same
-- caps as live cases.

-- The sources give Tillväxtverket no power to move the Government's dates: a later date
-- for one actor rests on a decision or the ministry's consent, and records which. The
-- extensions granted before the basis was asked for are marked as such.
ALTER TABLE deadline_extensions
    ADD COLUMN basis TEXT NOT NULL DEFAULT 'Ej angiven (före 2026-12)'
        CONSTRAINT deadline_extensions_basis_given CHECK (length(btrim(basis)) BETWEEN 1 AND 500);
ALTER TABLE deadline_extensions ALTER COLUMN basis DROP DEFAULT;

-- An imported actor-year is within the year's cap per actor, and the year's paid-out total
-- (live payouts, earlier imports and this row) within its frame, cap × the period's actors
-- (2018: 21 × 500 000 kr = 10,5 Mkr), as `payout_within_frame` holds live payouts.
CREATE FUNCTION imported_actor_year_within_caps() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cap NUMERIC(14, 2);
    frame NUMERIC(16, 2);
    total NUMERIC(16, 2);
BEGIN
    SELECT y.cap_per_actor,
           y.cap_per_actor * (SELECT count(*) FROM period_actors a WHERE a.period_id = y.period_id)
        INTO cap, frame
    FROM programme_years y WHERE y.year = NEW.year;
    IF NEW.requisitioned > cap OR NEW.paid_out > cap THEN
        RAISE EXCEPTION 'imported % for % exceeds the cap %', NEW.paid_out, NEW.year, cap
            USING ERRCODE = 'check_violation', CONSTRAINT = 'imported_within_cap';
    END IF;
    IF NEW.paid_out IS NOT NULL THEN
        -- The same lock as live payouts take: two can't both fit the last krona.
        PERFORM pg_advisory_xact_lock(hashtext('payout_frame'), NEW.year);
        SELECT (SELECT COALESCE(sum(p.amount), 0) FROM live_payouts p
                JOIN requisitions r ON r.id = p.requisition_id WHERE r.year = NEW.year)
             + (SELECT COALESCE(sum(i.paid_out), 0) FROM imported_actor_years i
                WHERE i.year = NEW.year AND i.organisation_id <> NEW.organisation_id)
            INTO total;
        IF total + NEW.paid_out > frame THEN
            RAISE EXCEPTION 'paid out in % would exceed the frame %', NEW.year, frame
                USING ERRCODE = 'check_violation', CONSTRAINT = 'imported_within_frame';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER imported_actor_years_within_caps BEFORE INSERT OR UPDATE ON imported_actor_years
    FOR EACH ROW EXECUTE FUNCTION imported_actor_year_within_caps();

-- Live payouts count the year's imported figures too: one frame per year, whichever way
-- its money is recorded.
CREATE OR REPLACE FUNCTION payout_within_frame() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    req requisitions%ROWTYPE;
    frame NUMERIC(16, 2);
    total NUMERIC(16, 2);
BEGIN
    IF NEW.state = 'sent_back' THEN
        RETURN NEW;
    END IF;
    SELECT * INTO req FROM requisitions WHERE id = NEW.requisition_id;
    IF req.state <> 'approved' THEN
        RAISE EXCEPTION 'requisition % is not approved', req.case_number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'requisitions_payout_consistent';
    END IF;
    IF NEW.amount > req.amount THEN
        RAISE EXCEPTION 'payout % exceeds the requisitioned %', NEW.amount, req.amount
            USING ERRCODE = 'check_violation', CONSTRAINT = 'payouts_within_requisition';
    END IF;
    -- Serialise frame checks per year, so two payouts can't both fit the last krona.
    PERFORM pg_advisory_xact_lock(hashtext('payout_frame'), req.year);
    SELECT y.cap_per_actor * count(a.organisation_id) INTO frame
    FROM programme_years y JOIN period_actors a ON a.period_id = y.period_id
    WHERE y.year = req.year GROUP BY y.cap_per_actor;
    SELECT COALESCE(sum(p.amount), 0) INTO total
    FROM payouts p JOIN requisitions r ON r.id = p.requisition_id
    WHERE r.year = req.year AND p.state <> 'sent_back' AND p.id <> NEW.id;
    total := total + (SELECT COALESCE(sum(i.paid_out), 0) FROM imported_actor_years i
                      WHERE i.year = req.year);
    IF total + NEW.amount > frame THEN
        RAISE EXCEPTION 'payouts of % would exceed the frame %', req.year, frame
            USING ERRCODE = 'check_violation', CONSTRAINT = 'payouts_within_frame';
    END IF;
    RETURN NEW;
END $$;
