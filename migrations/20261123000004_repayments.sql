-- Repayment of unused funds (26 February Y+1), and Tillväxtverket's own account with
-- Kammarkollegiet for the year.

-- What an actor owes for a year: the unused funds of its latest approved report.
-- NULL while no report is approved (the obligation is not yet open).
CREATE FUNCTION repayment_owed(p_year INTEGER, p_organisation UUID) RETURNS NUMERIC
LANGUAGE sql STABLE AS $$
    SELECT unused FROM reports
    WHERE year = p_year AND organisation_id = p_organisation AND state = 'approved'
    ORDER BY version DESC LIMIT 1
$$;

CREATE TYPE repayment_state AS ENUM ('registered', 'confirmed');

-- A payment the region says it made; it settles the debt only once Tillväxtverket has
-- confirmed it as received in its account.
CREATE TABLE repayment_payments (
    id                   UUID PRIMARY KEY,
    year                 INTEGER NOT NULL REFERENCES programme_years (year),
    organisation_id      UUID NOT NULL REFERENCES organisations (id),
    state                repayment_state NOT NULL DEFAULT 'registered',
    paid_on              DATE NOT NULL,
    amount               NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    reference            TEXT NOT NULL CHECK (length(btrim(reference)) BETWEEN 1 AND 50),
    registered_by        UUID NOT NULL REFERENCES users (id),
    registered_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    received_on          DATE,
    received_amount      NUMERIC(14, 2) CHECK (received_amount > 0),
    verification_number  TEXT CHECK (length(btrim(verification_number)) BETWEEN 1 AND 50),
    confirmed_by         UUID REFERENCES users (id),
    confirmed_at         TIMESTAMPTZ,
    -- Set by the database when the confirmed total passes what is owed: to be refunded.
    overpayment          BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT repayment_payments_confirmed_when_confirmed CHECK (
        (state = 'confirmed') = (received_on IS NOT NULL AND received_amount IS NOT NULL
            AND verification_number IS NOT NULL AND confirmed_by IS NOT NULL AND confirmed_at IS NOT NULL)
    )
);
CREATE INDEX repayment_payments_actor ON repayment_payments (year, organisation_id);

-- Payments need an open obligation; a confirmation that takes the received total past what
-- is owed is flagged as over-payment, never silently absorbed.
CREATE FUNCTION repayment_payment_checks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owed NUMERIC(14, 2);
    received NUMERIC(16, 2);
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('repayment:' || NEW.organisation_id::text), NEW.year);
    owed := repayment_owed(NEW.year, NEW.organisation_id);
    IF owed IS NULL THEN
        RAISE EXCEPTION 'no approved report for % in %', NEW.organisation_id, NEW.year
            USING ERRCODE = 'check_violation', CONSTRAINT = 'repayment_payments_obligation_open';
    END IF;
    IF NEW.state = 'confirmed' THEN
        SELECT COALESCE(sum(received_amount), 0) INTO received FROM repayment_payments
        WHERE year = NEW.year AND organisation_id = NEW.organisation_id
          AND state = 'confirmed' AND id <> NEW.id;
        NEW.overpayment := received + NEW.received_amount > owed;
    ELSE
        NEW.overpayment := false;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER repayment_payments_checks BEFORE INSERT OR UPDATE ON repayment_payments
    FOR EACH ROW EXECUTE FUNCTION repayment_payment_checks();

-- Tillväxtverket's own account for a year, registered by an administrator. What it must
-- repay to Kammarkollegiet is computed, never typed (src/repayments/model.rs).
CREATE TABLE agency_accounts (
    year               INTEGER PRIMARY KEY REFERENCES programme_years (year),
    requisitioned      NUMERIC(14, 2) CHECK (requisitioned > 0 AND requisitioned <= 23000000),
    requisitioned_on   DATE,
    support_costs      NUMERIC(14, 2) NOT NULL DEFAULT 0 CHECK (support_costs >= 0 AND support_costs <= 2000000),
    repaid             NUMERIC(14, 2) CHECK (repaid >= 0),
    repaid_on          DATE,
    updated_by         UUID NOT NULL REFERENCES users (id),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT agency_accounts_requisition_dated CHECK ((requisitioned IS NULL) = (requisitioned_on IS NULL)),
    CONSTRAINT agency_accounts_repayment_dated CHECK ((repaid IS NULL) = (repaid_on IS NULL))
);
