-- The money chain in every case (issue 12): repay as soon as the report is submitted,
-- refund over-payments with four eyes, extend report and repayment deadlines, count only
-- what each region owed towards Kammarkollegiet, and keep Tillväxtverket's own documents
-- to Kammarkollegiet as the 26 March exports are kept.

-- What an actor owes for a year: the unused funds of its latest approved report version
-- or, until one is approved, of its latest submitted version. NULL before any submission.
CREATE OR REPLACE FUNCTION repayment_owed(p_year INTEGER, p_organisation UUID) RETURNS NUMERIC
LANGUAGE sql STABLE AS $$
    SELECT unused FROM reports
    WHERE year = p_year AND organisation_id = p_organisation AND state <> 'draft'
    ORDER BY state = 'approved' DESC, version DESC LIMIT 1
$$;

-- The first Swedish day the region could pay: the day its report was first submitted.
CREATE FUNCTION repayment_opened_on(p_year INTEGER, p_organisation UUID) RETURNS DATE
LANGUAGE sql STABLE AS $$
    SELECT (min(first_submitted_at) AT TIME ZONE 'Europe/Stockholm')::date FROM reports
    WHERE year = p_year AND organisation_id = p_organisation
$$;

-- Extensions for every regional deadline, one per actor, year and deadline.
CREATE TYPE extended_deadline AS ENUM ('requisition', 'report', 'repayment');
ALTER TABLE deadline_extensions ADD COLUMN deadline extended_deadline NOT NULL DEFAULT 'requisition';
ALTER TABLE deadline_extensions ALTER COLUMN deadline DROP DEFAULT;
ALTER TABLE deadline_extensions DROP CONSTRAINT deadline_extensions_pkey;
ALTER TABLE deadline_extensions ADD PRIMARY KEY (year, organisation_id, deadline);

-- The deadline an actor has for one obligation: the year's, or a later extension.
CREATE FUNCTION actor_deadline(p_year INTEGER, p_organisation UUID, p_deadline extended_deadline)
RETURNS DATE LANGUAGE sql STABLE AS $$
    SELECT GREATEST(
        CASE p_deadline WHEN 'requisition' THEN y.requisition_deadline
                        WHEN 'report' THEN y.report_deadline
                        ELSE y.repayment_deadline END,
        x.new_deadline)
    FROM programme_years y
    LEFT JOIN deadline_extensions x
        ON x.year = y.year AND x.organisation_id = p_organisation AND x.deadline = p_deadline
    WHERE y.year = p_year
$$;

-- An over-payment is the region's money, refunded with the same four eyes as a payout:
-- a case officer prepares, another person approves (or sends it back), and the payment
-- is registered with its voucher number.
CREATE TYPE refund_state AS ENUM ('prepared', 'approved', 'paid', 'sent_back');

CREATE TABLE refunds (
    id                UUID PRIMARY KEY,
    year              INTEGER NOT NULL REFERENCES programme_years (year),
    organisation_id   UUID NOT NULL REFERENCES organisations (id),
    state             refund_state NOT NULL DEFAULT 'prepared',
    amount            NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    planned_date      DATE NOT NULL,
    prepared_by       UUID NOT NULL REFERENCES users (id),
    prepared_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    approved_by       UUID REFERENCES users (id),
    approved_at       TIMESTAMPTZ,
    sent_back_by      UUID REFERENCES users (id),
    sent_back_at      TIMESTAMPTZ,
    sent_back_reason  TEXT CHECK (length(btrim(sent_back_reason)) BETWEEN 1 AND 5000),
    paid_date         DATE,
    voucher_number    TEXT CHECK (length(btrim(voucher_number)) BETWEEN 1 AND 50),
    paid_by           UUID REFERENCES users (id),
    paid_at           TIMESTAMPTZ,
    CONSTRAINT refunds_four_eyes CHECK (
        (approved_by IS NULL OR approved_by <> prepared_by)
        AND (sent_back_by IS NULL OR sent_back_by <> prepared_by)
    ),
    CONSTRAINT refunds_approved_when_approved CHECK (
        (state IN ('approved', 'paid')) = (approved_by IS NOT NULL AND approved_at IS NOT NULL)
    ),
    CONSTRAINT refunds_paid_when_paid CHECK (
        (state = 'paid') = (paid_date IS NOT NULL AND voucher_number IS NOT NULL
                            AND paid_by IS NOT NULL AND paid_at IS NOT NULL)
    ),
    CONSTRAINT refunds_sent_back_when_sent_back CHECK (
        (state = 'sent_back') = (sent_back_by IS NOT NULL AND sent_back_at IS NOT NULL
                                 AND sent_back_reason IS NOT NULL)
    )
);
CREATE INDEX refunds_actor ON refunds (year, organisation_id);

-- Refunds never pass the over-payment (confirmed received − owed), and move only forward:
-- prepared → approved → paid, or prepared → sent back.
CREATE FUNCTION refund_checks() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER refunds_checks BEFORE INSERT OR UPDATE ON refunds
    FOR EACH ROW EXECUTE FUNCTION refund_checks();

-- Tillväxtverket's own costs are capped as the decisions say: 1 000 000 kr in 2018,
-- 2 000 000 kr a year 2019–2025. The 23 000 000 kr frame is I2021/00795's, 2021–2025.
-- NULL: no decision gives a limit for the year.
CREATE FUNCTION agency_support_cap(p_year INTEGER) RETURNS NUMERIC LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_year = 2018 THEN 1000000::numeric
                WHEN p_year BETWEEN 2019 AND 2025 THEN 2000000::numeric END
$$;
CREATE FUNCTION agency_frame(p_year INTEGER) RETURNS NUMERIC LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_year BETWEEN 2021 AND 2025 THEN 23000000::numeric END
$$;
ALTER TABLE agency_accounts DROP CONSTRAINT agency_accounts_requisitioned_check;
ALTER TABLE agency_accounts DROP CONSTRAINT agency_accounts_support_costs_check;
ALTER TABLE agency_accounts ADD CONSTRAINT agency_accounts_requisitioned_check
    CHECK (requisitioned > 0 AND requisitioned <= COALESCE(agency_frame(year), requisitioned));
ALTER TABLE agency_accounts ADD CONSTRAINT agency_accounts_support_costs_check
    CHECK (support_costs >= 0 AND support_costs <= COALESCE(agency_support_cap(year), support_costs));

-- Tillväxtverket's two documents to Kammarkollegiet are exports of their own, recorded,
-- checksummed and frozen when submitted exactly as the 26 March exports are.
CREATE TYPE export_document AS ENUM ('summary', 'agency_requisition', 'agency_financial_report');
ALTER TABLE summary_exports ADD COLUMN document export_document NOT NULL DEFAULT 'summary';
CREATE FUNCTION summary_export_document_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.document IS DISTINCT FROM OLD.document THEN
        RAISE EXCEPTION 'export % is kept as it was', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'summary_exports_kept';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER summary_exports_document_kept BEFORE UPDATE ON summary_exports
    FOR EACH ROW EXECUTE FUNCTION summary_export_document_kept();

-- The decisions a year answers to: Tillväxtverket's own assignment (its registration
-- number is not in the sources, so an administrator enters it), and whether the year's
-- regional deadlines are the decision's or assumed until an administrator confirms them.
ALTER TABLE periods ADD COLUMN agency_assignment TEXT
    CHECK (length(btrim(agency_assignment)) BETWEEN 1 AND 50);
ALTER TABLE programme_years ADD COLUMN deadlines_assumed BOOLEAN NOT NULL DEFAULT false;
UPDATE programme_years y SET deadlines_assumed = true
FROM periods p WHERE p.id = y.period_id AND p.decision_number = 'N2018/04129';
