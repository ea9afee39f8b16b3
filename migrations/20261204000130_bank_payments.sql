-- The bank's files of incoming payments to Tillväxtverket's bankgiro (issue 30): Bankgirot's
-- BgMax and ISO 20022 camt.054, read in by a case officer (`src/bank/`). Each payment is kept
-- once, by the bank's own reference for it, so reading the same file again changes nothing.
-- A payment waits (unmatched) until a person decides: confirmed against a region's repayment
-- (which registers and confirms the repayment payment in the same transaction), or dismissed
-- with a reason. What the bank said is never changed afterwards, and nothing is deleted.

CREATE TYPE bank_file_kind AS ENUM ('bgmax', 'camt054');
CREATE TYPE bank_payment_state AS ENUM ('unmatched', 'confirmed', 'dismissed');

CREATE TABLE bank_files (
    id             UUID PRIMARY KEY,
    kind           bank_file_kind NOT NULL,
    file_name      TEXT NOT NULL CHECK (length(btrim(file_name)) BETWEEN 1 AND 255),
    -- The same bytes are one file: read twice, every payment in it is already here.
    sha256         TEXT NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    imported_by    UUID NOT NULL REFERENCES users (id),
    imported_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The payments this file brought in (those already read from another file are not
    -- counted), and their sum.
    payment_count  INTEGER NOT NULL CHECK (payment_count > 0),
    total          NUMERIC(16, 2) NOT NULL CHECK (total > 0)
);

CREATE TABLE bank_payments (
    id                    UUID PRIMARY KEY,
    file_id               UUID NOT NULL REFERENCES bank_files (id),
    -- Where in the file it was (its first line).
    line                  INTEGER NOT NULL CHECK (line > 0),
    -- The bank's reference for the payment (BgMax: the payment day and Bankgirot's serial
    -- number; camt.054: AcctSvcrRef or NtryRef). It becomes the repayment's voucher number,
    -- so it fits the same 50 characters.
    bank_reference        TEXT NOT NULL UNIQUE
                          CHECK (length(btrim(bank_reference)) BETWEEN 1 AND 50),
    amount                NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    paid_on               DATE NOT NULL,
    -- What the payer wrote (an OCR number, the old DK-…-AB reference, or free text).
    reference             TEXT NOT NULL DEFAULT '' CHECK (length(reference) <= 140),
    payer_name            TEXT NOT NULL DEFAULT '' CHECK (length(payer_name) <= 140),
    payer_bankgiro        TEXT CHECK (payer_bankgiro ~ '^[0-9]{3,4}-[0-9]{4}$'),
    state                 bank_payment_state NOT NULL DEFAULT 'unmatched',
    decided_by            UUID REFERENCES users (id),
    decided_at            TIMESTAMPTZ,
    dismiss_reason        TEXT CHECK (length(btrim(dismiss_reason)) BETWEEN 1 AND 5000),
    -- The repayment payment it was registered and confirmed as: one bank payment each.
    repayment_payment_id  UUID UNIQUE REFERENCES repayment_payments (id),
    CONSTRAINT bank_payments_decided CHECK (
        (state = 'unmatched') = (decided_by IS NULL AND decided_at IS NULL)
    ),
    CONSTRAINT bank_payments_confirmed_as_a_repayment CHECK (
        (state = 'confirmed') = (repayment_payment_id IS NOT NULL)
    ),
    CONSTRAINT bank_payments_dismissed_with_a_reason CHECK (
        (state = 'dismissed') = (dismiss_reason IS NOT NULL)
    )
);
CREATE INDEX bank_payments_waiting ON bank_payments (paid_on) WHERE state = 'unmatched';
CREATE INDEX bank_payments_file ON bank_payments (file_id);

-- What the bank said stays as it said it; a payment is decided once, from unmatched.
CREATE FUNCTION bank_payment_checks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'bank payment % is a record of money and is never removed', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bank_payments_kept';
    END IF;
    IF NEW.file_id <> OLD.file_id OR NEW.line <> OLD.line
       OR NEW.bank_reference <> OLD.bank_reference OR NEW.amount <> OLD.amount
       OR NEW.paid_on <> OLD.paid_on OR NEW.reference <> OLD.reference
       OR NEW.payer_name <> OLD.payer_name
       OR NEW.payer_bankgiro IS DISTINCT FROM OLD.payer_bankgiro THEN
        RAISE EXCEPTION 'bank payment % is as the bank sent it', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bank_payments_as_sent';
    END IF;
    IF OLD.state <> 'unmatched' AND NEW IS DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'bank payment % is already decided', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bank_payments_decided_once';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER bank_payment_checks BEFORE UPDATE OR DELETE ON bank_payments
    FOR EACH ROW EXECUTE FUNCTION bank_payment_checks();

CREATE FUNCTION bank_file_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'bank file % is kept as it was read', OLD.id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'bank_files_kept';
END $$;
CREATE TRIGGER bank_file_kept BEFORE UPDATE OR DELETE ON bank_files
    FOR EACH ROW EXECUTE FUNCTION bank_file_kept();

-- A confirmed bank payment's repayment payment is confirmed, with the bank's amount and
-- reference: the ledger and the bank's file say the same.
CREATE FUNCTION bank_payment_confirmed_as_received() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'confirmed' AND NOT EXISTS (
        SELECT 1 FROM repayment_payments p
        WHERE p.id = NEW.repayment_payment_id AND p.state = 'confirmed'
          AND p.received_amount = NEW.amount AND p.verification_number = NEW.bank_reference
    ) THEN
        RAISE EXCEPTION 'bank payment % is confirmed only as a received repayment of its amount', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bank_payments_confirmed_as_received';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER bank_payment_confirmed_as_received BEFORE UPDATE ON bank_payments
    FOR EACH ROW EXECUTE FUNCTION bank_payment_confirmed_as_received();
