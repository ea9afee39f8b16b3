-- What a region owes before approval is the unused amount of the version it *submitted*:
-- a report returned for completion and being edited must not move it until it is
-- submitted again. The figure is taken as the report is submitted.
ALTER TABLE reports ADD COLUMN submitted_unused NUMERIC(14, 2);
UPDATE reports SET submitted_unused = unused WHERE state <> 'draft';

CREATE FUNCTION reports_keep_submitted_unused() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'draft' THEN
        NEW.submitted_unused := NULL;
    ELSIF NEW.submitted_unused IS NULL
          OR (TG_OP = 'UPDATE' AND NEW.state = 'submitted' AND OLD.state <> 'submitted') THEN
        NEW.submitted_unused := NEW.received
            - (NEW.cost_personnel + NEW.cost_services + NEW.cost_travel + NEW.cost_other);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER reports_submitted_unused BEFORE INSERT OR UPDATE ON reports
    FOR EACH ROW EXECUTE FUNCTION reports_keep_submitted_unused();

CREATE OR REPLACE FUNCTION repayment_owed(p_year INTEGER, p_organisation UUID) RETURNS NUMERIC
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN state = 'approved' THEN unused ELSE submitted_unused END FROM reports
    WHERE year = p_year AND organisation_id = p_organisation AND state <> 'draft'
    ORDER BY state = 'approved' DESC, version DESC LIMIT 1
$$;
