-- Late repayment as a state claim (issue 30, `src/repayments/interest.rs`): a repayment not
-- paid by its deadline bears late-payment interest (dröjsmålsränta) under räntelagen
-- (1975:635) 6 §: Riksbanken's reference rate for each calendar half-year (9 §) plus eight
-- percentage points. The reference rates are entered by an administrator, one per
-- half-year; none is written here (a missing one is named on every page that needs it,
-- never taken as zero). Whether the interest is claimed is a case officer's decision per
-- case, with a reason (förordning 1993:1138 om hantering av statliga fordringar allows
-- small amounts to be waived): changed with a new reason, never removed, every version
-- kept. Nothing here touches what a region owes for its unused funds.

CREATE TABLE reference_rates (
    -- 1 January or 1 July: the half-year the rate holds for.
    half_year_start  DATE PRIMARY KEY,
    -- In percent per year, as Riksbanken publishes it (it has been negative: -0.50 in 2017).
    rate             NUMERIC(6, 3) NOT NULL,
    set_by           UUID NOT NULL REFERENCES users (id),
    set_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT reference_rates_half_year CHECK (
        extract(day FROM half_year_start) = 1 AND extract(month FROM half_year_start) IN (1, 7)
    ),
    CONSTRAINT reference_rates_rate_sane CHECK (rate BETWEEN -10 AND 50)
);
COMMENT ON TABLE reference_rates IS
    'Riksbankens referensränta per kalenderhalvår (räntelagen 9 §), as an administrator entered it; dröjsmålsränta = rate + 8 percentage points (6 §).';

-- One decision per case (a region's repayment for a year): claim the interest or not, and why.
CREATE TABLE interest_decisions (
    year             INTEGER NOT NULL REFERENCES programme_years (year),
    organisation_id  UUID NOT NULL REFERENCES organisations (id),
    claim            BOOLEAN NOT NULL,
    reason           TEXT NOT NULL,
    decided_by       UUID NOT NULL REFERENCES users (id),
    decided_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (year, organisation_id),
    CONSTRAINT interest_decisions_reason_given CHECK (length(btrim(reason)) BETWEEN 1 AND 5000)
);

-- Every version of every decision, as it was made: written by the trigger below, never
-- changed.
CREATE TABLE interest_decision_history (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year             INTEGER NOT NULL,
    organisation_id  UUID NOT NULL,
    claim            BOOLEAN NOT NULL,
    reason           TEXT NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 5000),
    decided_by       UUID NOT NULL REFERENCES users (id),
    decided_at       TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (year, organisation_id) REFERENCES interest_decisions (year, organisation_id)
);
CREATE INDEX interest_decision_history_case ON interest_decision_history (year, organisation_id, id);

CREATE FUNCTION interest_decision_recorded() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO interest_decision_history (year, organisation_id, claim, reason, decided_by, decided_at)
    VALUES (NEW.year, NEW.organisation_id, NEW.claim, NEW.reason, NEW.decided_by, NEW.decided_at);
    RETURN NULL;
END $$;
CREATE TRIGGER interest_decision_recorded AFTER INSERT OR UPDATE ON interest_decisions
    FOR EACH ROW EXECUTE FUNCTION interest_decision_recorded();

CREATE FUNCTION interest_decision_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a decision on late-payment interest is changed with a new reason, never removed or rewritten'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'interest_decisions_kept';
END $$;
CREATE TRIGGER interest_decisions_kept BEFORE DELETE ON interest_decisions
    FOR EACH ROW EXECUTE FUNCTION interest_decision_kept();
CREATE TRIGGER interest_decision_history_kept BEFORE UPDATE OR DELETE ON interest_decision_history
    FOR EACH ROW EXECUTE FUNCTION interest_decision_kept();
