-- The account plan the SIE 4I export is written with (issue 30, `src/ledger/`): set by an
-- administrator, never hard-coded. One row. Every account, the organisation number and the
-- two dimensions are NULL until an administrator sets them, and the export is refused
-- until each is set. The appropriation coding starts as the 2021 assignment gives it
-- (utgiftsområde 22, anslag 2:4, anslagspost 4) and stays editable.
CREATE TABLE ledger_settings (
    id                          BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    company_name                TEXT NOT NULL DEFAULT 'Tillväxtverket'
        CHECK (length(btrim(company_name)) BETWEEN 1 AND 100),
    -- Not in the sources: entered by an administrator.
    org_number                  TEXT CHECK (org_number ~ '^[0-9]{6}-[0-9]{4}$'),
    voucher_series              TEXT NOT NULL DEFAULT 'DK' CHECK (voucher_series ~ '^[A-Za-z0-9]{1,10}$'),
    payout_account              TEXT CHECK (payout_account ~ '^[0-9]{3,8}$'),
    payout_account_name         TEXT CHECK (length(btrim(payout_account_name)) BETWEEN 1 AND 100),
    bank_account                TEXT CHECK (bank_account ~ '^[0-9]{3,8}$'),
    bank_account_name           TEXT CHECK (length(btrim(bank_account_name)) BETWEEN 1 AND 100),
    repayment_account           TEXT CHECK (repayment_account ~ '^[0-9]{3,8}$'),
    repayment_account_name      TEXT CHECK (length(btrim(repayment_account_name)) BETWEEN 1 AND 100),
    refund_account              TEXT CHECK (refund_account ~ '^[0-9]{3,8}$'),
    refund_account_name         TEXT CHECK (length(btrim(refund_account_name)) BETWEEN 1 AND 100),
    appropriation_account       TEXT CHECK (appropriation_account ~ '^[0-9]{3,8}$'),
    appropriation_account_name  TEXT CHECK (length(btrim(appropriation_account_name)) BETWEEN 1 AND 100),
    -- SIE dimension numbers (#DIM) of the actors' objects and of the appropriation's.
    actor_dimension             INTEGER CHECK (actor_dimension BETWEEN 1 AND 999),
    appropriation_dimension     INTEGER CHECK (appropriation_dimension BETWEEN 1 AND 999),
    expenditure_area            TEXT NOT NULL DEFAULT '22' CHECK (expenditure_area ~ '^[0-9]{1,3}$'),
    appropriation               TEXT NOT NULL DEFAULT '2:4' CHECK (appropriation ~ '^[0-9]{1,3}:[0-9]{1,3}$'),
    appropriation_item          TEXT NOT NULL DEFAULT '4' CHECK (appropriation_item ~ '^[0-9]{1,3}$'),
    updated_by                  UUID REFERENCES users (id),
    updated_at                  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- An account is a number with its name, or nothing.
    CONSTRAINT ledger_settings_accounts_named CHECK (
        (payout_account IS NULL) = (payout_account_name IS NULL)
        AND (bank_account IS NULL) = (bank_account_name IS NULL)
        AND (repayment_account IS NULL) = (repayment_account_name IS NULL)
        AND (refund_account IS NULL) = (refund_account_name IS NULL)
        AND (appropriation_account IS NULL) = (appropriation_account_name IS NULL)
    ),
    -- Money goes out of and into the bank account against another: never bank against bank.
    CONSTRAINT ledger_settings_bank_apart CHECK (
        bank_account IS NULL OR bank_account NOT IN (
            COALESCE(payout_account, ''), COALESCE(repayment_account, ''),
            COALESCE(refund_account, ''), COALESCE(appropriation_account, ''))
    ),
    CONSTRAINT ledger_settings_dimensions_apart CHECK (actor_dimension <> appropriation_dimension)
);
INSERT INTO ledger_settings DEFAULT VALUES;
