-- A refund rests on approved figures only (issue 25): what a region owes is, until a case
-- officer approves its report, the region's own figure, and may change. A refund is
-- prepared and approved only when the actor's year has an approved report version (which
-- `repayment_owed` then takes); registering an approved refund's payment stays possible.
CREATE OR REPLACE FUNCTION refund_checks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    overpaid NUMERIC(16, 2);
    refunding NUMERIC(16, 2);
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('repayment:' || NEW.organisation_id::text), NEW.year);
    IF TG_OP = 'UPDATE' AND NOT (
        OLD.state = NEW.state
        OR (OLD.state = 'prepared' AND NEW.state IN ('approved', 'sent_back'))
        OR (OLD.state = 'approved' AND NEW.state = 'paid')) THEN
        RAISE EXCEPTION 'refund % cannot go from % to %', OLD.id, OLD.state, NEW.state
            USING ERRCODE = 'check_violation', CONSTRAINT = 'refunds_state_order';
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.amount <> OLD.amount OR NEW.year <> OLD.year
                             OR NEW.organisation_id <> OLD.organisation_id) THEN
        RAISE EXCEPTION 'refund % is fixed once prepared', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'refunds_state_order';
    END IF;
    IF (TG_OP = 'INSERT' OR (OLD.state = 'prepared' AND NEW.state = 'approved'))
       AND NOT EXISTS (SELECT 1 FROM reports
                       WHERE year = NEW.year AND organisation_id = NEW.organisation_id
                         AND state = 'approved') THEN
        RAISE EXCEPTION 'refund % rests on a report nobody approved', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'refunds_rest_on_approved_report';
    END IF;
    IF NEW.state <> 'sent_back' THEN
        SELECT COALESCE(sum(received_amount), 0) - COALESCE(repayment_owed(NEW.year, NEW.organisation_id), 0)
        INTO overpaid FROM repayment_payments
        WHERE year = NEW.year AND organisation_id = NEW.organisation_id AND state = 'confirmed';
        SELECT COALESCE(sum(amount), 0) + NEW.amount INTO refunding FROM refunds
        WHERE year = NEW.year AND organisation_id = NEW.organisation_id
          AND state <> 'sent_back' AND id <> NEW.id;
        IF refunding > overpaid THEN
            RAISE EXCEPTION 'refunds of % pass the over-payment of %', refunding, overpaid
                USING ERRCODE = 'check_violation', CONSTRAINT = 'refunds_within_overpayment';
        END IF;
    END IF;
    RETURN NEW;
END $$;
