-- Requisitions and payouts: a region asks for its year's funds, a case officer
-- prepares the payout, an approver (another person) approves it, and the payment
-- is registered. The rules that must always hold are here, not only in code.

CREATE TYPE requisition_state AS ENUM ('draft', 'submitted', 'returned', 'approved', 'rejected', 'withdrawn');
CREATE TYPE payout_state AS ENUM ('prepared', 'approved', 'paid', 'sent_back');
CREATE TYPE payment_method AS ENUM ('bankgiro', 'plusgiro');

-- Case numbers (DK-2025-007) are counted per year and never reused.
CREATE TABLE case_number_counters (
    year  INTEGER PRIMARY KEY,
    last  INTEGER NOT NULL CHECK (last > 0)
);

CREATE TABLE requisitions (
    id                  UUID PRIMARY KEY,
    case_number         TEXT NOT NULL CHECK (case_number ~ '^DK-[0-9]{4}-[0-9]{3,}$'),
    year                INTEGER NOT NULL REFERENCES programme_years (year),
    organisation_id     UUID NOT NULL REFERENCES organisations (id),
    -- The decision's registration number, stored with the requisition as the decision demands.
    decision_number     TEXT NOT NULL CHECK (length(btrim(decision_number)) BETWEEN 1 AND 50),
    state               requisition_state NOT NULL DEFAULT 'draft',
    amount              NUMERIC(14, 2) CHECK (amount > 0),
    payment_method      payment_method,
    account_number      TEXT CHECK (account_number ~ '^[0-9]{1,8}-[0-9]{1,4}$'),
    payment_reference   TEXT CHECK (length(payment_reference) <= 50),
    contact_name        TEXT CHECK (length(contact_name) <= 200),
    contact_email       TEXT CHECK (length(contact_email) <= 200),
    contact_phone       TEXT CHECK (length(contact_phone) <= 40),
    signatory_name      TEXT CHECK (length(signatory_name) <= 200),
    signatory_title     TEXT CHECK (length(signatory_title) <= 200),
    declaration         BOOLEAN NOT NULL DEFAULT false,
    -- The latest return or rejection message, shown to the region with the state.
    state_note          TEXT CHECK (length(state_note) <= 5000),
    created_by          UUID NOT NULL REFERENCES users (id),
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    first_submitted_at  TIMESTAMPTZ,
    submitted_at        TIMESTAMPTZ,
    decided_at          TIMESTAMPTZ,
    CONSTRAINT requisitions_case_number_key UNIQUE (case_number),
    -- Anything filed is complete: every field filled in and the declaration made. A draft,
    -- or a draft withdrawn before it was ever submitted, may be incomplete.
    CONSTRAINT requisitions_complete_when_filed CHECK (
        state = 'draft' OR (state = 'withdrawn' AND first_submitted_at IS NULL) OR (
            amount IS NOT NULL AND payment_method IS NOT NULL AND account_number IS NOT NULL
            AND payment_reference IS NOT NULL AND contact_name IS NOT NULL
            AND contact_email IS NOT NULL AND contact_phone IS NOT NULL
            AND signatory_name IS NOT NULL AND signatory_title IS NOT NULL
            AND declaration AND first_submitted_at IS NOT NULL AND submitted_at IS NOT NULL
        )
    )
);
-- One requisition per actor and year that is not withdrawn or rejected.
CREATE UNIQUE INDEX requisitions_one_per_actor_and_year ON requisitions (year, organisation_id)
    WHERE state NOT IN ('withdrawn', 'rejected');
CREATE INDEX requisitions_year_state ON requisitions (year, state);

-- A requisition belongs to an actor of its year's period and asks for at most the year's cap.
CREATE FUNCTION requisition_within_programme() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cap NUMERIC(14, 2);
BEGIN
    SELECT y.cap_per_actor INTO cap
    FROM programme_years y JOIN period_actors a ON a.period_id = y.period_id
    WHERE y.year = NEW.year AND a.organisation_id = NEW.organisation_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'organisation % is not an actor in %', NEW.organisation_id, NEW.year
            USING ERRCODE = 'check_violation', CONSTRAINT = 'requisitions_actor_of_year';
    END IF;
    IF NEW.amount > cap THEN
        RAISE EXCEPTION 'requisition of % exceeds the cap %', NEW.amount, cap
            USING ERRCODE = 'check_violation', CONSTRAINT = 'requisitions_within_cap';
    END IF;
    -- The requisitioned amount never falls below what has been approved for payout.
    IF EXISTS (SELECT 1 FROM payouts p WHERE p.requisition_id = NEW.id
               AND p.state <> 'sent_back' AND p.amount > NEW.amount) THEN
        RAISE EXCEPTION 'requisition % would fall below its payout', NEW.case_number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'payouts_within_requisition';
    END IF;
    -- Leaving 'approved' means the payout was sent back first.
    IF TG_OP = 'UPDATE' AND OLD.state = 'approved' AND NEW.state <> 'approved'
       AND EXISTS (SELECT 1 FROM payouts p WHERE p.requisition_id = NEW.id AND p.state <> 'sent_back') THEN
        RAISE EXCEPTION 'requisition % has a payout', NEW.case_number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'requisitions_payout_consistent';
    END IF;
    RETURN NEW;
END $$;

-- A case officer may give one actor a later requisition deadline for one year.
CREATE TABLE deadline_extensions (
    year             INTEGER NOT NULL REFERENCES programme_years (year),
    organisation_id  UUID NOT NULL REFERENCES organisations (id),
    new_deadline     DATE NOT NULL,
    reason           TEXT NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
    granted_by       UUID NOT NULL REFERENCES users (id),
    granted_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (year, organisation_id)
);

-- The payout a case officer prepares from an approved requisition. "amount" is the
-- approved amount; the paid amount can't exceed it, and a payout is paid once.
CREATE TABLE payouts (
    id                UUID PRIMARY KEY,
    requisition_id    UUID NOT NULL REFERENCES requisitions (id),
    state             payout_state NOT NULL DEFAULT 'prepared',
    amount            NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    planned_date      DATE NOT NULL,
    prepared_by       UUID NOT NULL REFERENCES users (id),
    prepared_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    approved_by       UUID REFERENCES users (id),
    approved_at       TIMESTAMPTZ,
    sent_back_by      UUID REFERENCES users (id),
    sent_back_at      TIMESTAMPTZ,
    sent_back_reason  TEXT CHECK (length(sent_back_reason) <= 5000),
    paid_amount       NUMERIC(14, 2) CHECK (paid_amount > 0),
    paid_date         DATE,
    voucher_number    TEXT CHECK (length(btrim(voucher_number)) BETWEEN 1 AND 50),
    paid_by           UUID REFERENCES users (id),
    paid_at           TIMESTAMPTZ,
    -- Four eyes: the one who approves is never the one who prepared.
    CONSTRAINT payouts_four_eyes CHECK (approved_by IS NULL OR approved_by <> prepared_by),
    CONSTRAINT payouts_paid_within_approved CHECK (paid_amount <= amount),
    CONSTRAINT payouts_approved_when_approved CHECK (
        (state IN ('approved', 'paid')) = (approved_by IS NOT NULL AND approved_at IS NOT NULL)
    ),
    CONSTRAINT payouts_paid_when_paid CHECK (
        (state = 'paid') = (paid_amount IS NOT NULL AND paid_date IS NOT NULL
                            AND voucher_number IS NOT NULL AND paid_by IS NOT NULL AND paid_at IS NOT NULL)
    ),
    CONSTRAINT payouts_sent_back_with_reason CHECK (
        (state = 'sent_back') = (sent_back_by IS NOT NULL AND sent_back_reason IS NOT NULL)
    )
);
-- One live payout per requisition: a requisition is paid once.
CREATE UNIQUE INDEX payouts_one_per_requisition ON payouts (requisition_id) WHERE state <> 'sent_back';
CREATE INDEX payouts_state ON payouts (state);

-- Approved ≤ requisitioned, only from an approved requisition, and a year's payouts
-- never exceed its frame (actors × cap).
CREATE FUNCTION payout_within_frame() RETURNS trigger LANGUAGE plpgsql AS $$
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
    IF total + NEW.amount > frame THEN
        RAISE EXCEPTION 'payouts of % would exceed the frame %', req.year, frame
            USING ERRCODE = 'check_violation', CONSTRAINT = 'payouts_within_frame';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payouts_within_frame BEFORE INSERT OR UPDATE ON payouts
    FOR EACH ROW EXECUTE FUNCTION payout_within_frame();

CREATE TRIGGER requisitions_within_programme BEFORE INSERT OR UPDATE ON requisitions
    FOR EACH ROW EXECUTE FUNCTION requisition_within_programme();

-- A year's cap can't be lowered below what has already been requisitioned.
CREATE FUNCTION programme_year_cap_covers_requisitions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.cap_per_actor < OLD.cap_per_actor AND EXISTS (
        SELECT 1 FROM requisitions r
        WHERE r.year = NEW.year AND r.state NOT IN ('withdrawn', 'rejected') AND r.amount > NEW.cap_per_actor) THEN
        RAISE EXCEPTION 'cap of % below existing requisitions', NEW.year
            USING ERRCODE = 'check_violation', CONSTRAINT = 'requisitions_within_cap';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER programme_years_cap_covers_requisitions BEFORE UPDATE ON programme_years
    FOR EACH ROW EXECUTE FUNCTION programme_year_cap_covers_requisitions();

-- The thread between the region and Tillväxtverket on one requisition.
CREATE TABLE requisition_messages (
    id              UUID PRIMARY KEY,
    requisition_id  UUID NOT NULL REFERENCES requisitions (id),
    author_id       UUID NOT NULL REFERENCES users (id),
    body            TEXT NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 5000),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX requisition_messages_requisition ON requisition_messages (requisition_id, created_at);

-- An actor with requisitions stays in its period: its requisitions, payouts and the
-- year's frame (actors × cap) depend on it.
CREATE FUNCTION period_actor_without_requisitions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM requisitions r JOIN programme_years y ON y.year = r.year
               WHERE y.period_id = OLD.period_id AND r.organisation_id = OLD.organisation_id) THEN
        RAISE EXCEPTION 'actor % has requisitions in this period', OLD.actor_name
            USING ERRCODE = 'check_violation', CONSTRAINT = 'requisitions_actor_of_year';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER period_actors_keep_requisitions BEFORE DELETE ON period_actors
    FOR EACH ROW EXECUTE FUNCTION period_actor_without_requisitions();
