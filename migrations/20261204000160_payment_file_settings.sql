-- The payment files Digikoord makes for the bank (issue 30, `src/bank/pain001.rs`): ISO 20022
-- pain.001.001.03 credit transfers in SEK to the regions' bankgiro and plusgiro, one file per
-- batch of approved payouts and refunds chosen by a case officer. A file is a record of what
-- was handed to the bank, kept as it was made; making one marks nothing paid (the payment is
-- still registered with its voucher, as before).

-- Who pays: Tillväxtverket as the file's debtor. One row, set by an administrator on the
-- payment file's page; no file is made until the organisation number and the bankgiro the
-- money goes out from are set.
CREATE TABLE payment_file_settings (
    id            BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    debtor_name   TEXT NOT NULL DEFAULT 'Tillväxtverket'
                  CHECK (length(btrim(debtor_name)) BETWEEN 1 AND 70),
    org_number    TEXT CHECK (org_number ~ '^[0-9]{6}-[0-9]{4}$'),
    bankgiro      TEXT CHECK (bankgiro ~ '^[0-9]{3,4}-[0-9]{4}$'),
    -- The agency's bank's BIC, when its bank asks for it in the file (the debtor's agent).
    bic           TEXT CHECK (bic ~ '^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$'),
    updated_by    UUID REFERENCES users (id),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO payment_file_settings DEFAULT VALUES;

-- Each file's number, which its message id (GrpHdr/MsgId) is made from: never reused.
CREATE SEQUENCE payment_file_numbers;

CREATE TABLE payment_files (
    id               UUID PRIMARY KEY,
    number           BIGINT NOT NULL UNIQUE CHECK (number > 0),
    -- The file's MsgId: unique, as the banks require (`DIGIKOORD-20260210-000001`).
    message_id       TEXT NOT NULL UNIQUE CHECK (message_id ~ '^[A-Z0-9-]{1,35}$'),
    created_by       UUID NOT NULL REFERENCES users (id),
    -- The file's CreDtTm.
    created_at       TIMESTAMPTZ NOT NULL,
    payment_count    INTEGER NOT NULL CHECK (payment_count > 0),
    total            NUMERIC(16, 2) NOT NULL CHECK (total > 0),
    -- The bankgiro the file pays from (the settings may change afterwards).
    debtor_bankgiro  TEXT NOT NULL CHECK (debtor_bankgiro ~ '^[0-9]{3,4}-[0-9]{4}$'),
    sha256           TEXT NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- The file as it was made, downloaded again byte for byte.
    content          BYTEA NOT NULL CHECK (octet_length(content) BETWEEN 1 AND 10485760),
    CONSTRAINT payment_files_sha256_of_content CHECK (sha256 = encode(sha256(content), 'hex'))
);

-- The payments in a file, in the file's order: each an approved payout or an approved refund,
-- with what the file says of it.
CREATE TABLE payment_file_items (
    file_id         UUID NOT NULL REFERENCES payment_files (id),
    position        INTEGER NOT NULL CHECK (position > 0),
    payout_id       UUID REFERENCES payouts (id),
    refund_id       UUID REFERENCES refunds (id),
    amount          NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    execution_date  DATE NOT NULL,
    -- The EndToEndId: the case number (a refund's: its reference, `DK-2025-007-TB`).
    end_to_end_id   TEXT NOT NULL CHECK (length(btrim(end_to_end_id)) BETWEEN 1 AND 35),
    payment_method  payment_method NOT NULL,
    account_number  TEXT NOT NULL CHECK (account_number ~ '^[0-9]{1,8}-[0-9]{1,4}$'),
    PRIMARY KEY (file_id, position),
    CONSTRAINT payment_file_items_one_payment CHECK ((payout_id IS NULL) <> (refund_id IS NULL)),
    CONSTRAINT payment_file_items_payout_once UNIQUE (file_id, payout_id),
    CONSTRAINT payment_file_items_refund_once UNIQUE (file_id, refund_id)
);
CREATE INDEX payment_file_items_payout ON payment_file_items (payout_id) WHERE payout_id IS NOT NULL;
CREATE INDEX payment_file_items_refund ON payment_file_items (refund_id) WHERE refund_id IS NOT NULL;

-- Only an approved payout or refund, not yet paid, goes in a file, and with its own amount.
CREATE FUNCTION payment_file_item_checks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.payout_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM payouts p
            WHERE p.id = NEW.payout_id AND p.state = 'approved' AND p.amount = NEW.amount))
       OR (NEW.refund_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM refunds f
            WHERE f.id = NEW.refund_id AND f.state = 'approved' AND f.amount = NEW.amount)) THEN
        RAISE EXCEPTION 'only an approved payout or refund, not yet paid, goes in a payment file, with its amount'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'payment_file_items_approved';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payment_file_item_checks BEFORE INSERT ON payment_file_items
    FOR EACH ROW EXECUTE FUNCTION payment_file_item_checks();

-- A file and its payments are kept as they were made.
CREATE FUNCTION payment_file_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a payment file is kept as it was made'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'payment_files_kept';
END $$;
CREATE TRIGGER payment_file_kept BEFORE UPDATE OR DELETE ON payment_files
    FOR EACH ROW EXECUTE FUNCTION payment_file_kept();
CREATE TRIGGER payment_file_item_kept BEFORE UPDATE OR DELETE ON payment_file_items
    FOR EACH ROW EXECUTE FUNCTION payment_file_kept();

-- A file's count and total are its payments', checked as its transaction commits.
CREATE FUNCTION payment_file_adds_up() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n INTEGER;
    s NUMERIC(16, 2);
BEGIN
    SELECT count(*), COALESCE(sum(amount), 0) INTO n, s
    FROM payment_file_items WHERE file_id = NEW.id;
    IF n <> NEW.payment_count OR s <> NEW.total THEN
        RAISE EXCEPTION 'payment file % says % payments of %, its payments are % of %',
            NEW.message_id, NEW.payment_count, NEW.total, n, s
            USING ERRCODE = 'check_violation', CONSTRAINT = 'payment_files_add_up';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER payment_file_adds_up AFTER INSERT ON payment_files
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payment_file_adds_up();
