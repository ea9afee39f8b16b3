-- Earlier years imported from a spreadsheet (2018–2024, or any programme year): one row
-- per actor and year with the figures that matter, marked as imported by being here and
-- by the upload they came from. Live cases and imported figures never mix for an actor
-- and year: the import refuses an actor-year that has a requisition in Digikoord.

CREATE TABLE history_uploads (
    id           UUID PRIMARY KEY,
    filename     TEXT NOT NULL CHECK (length(btrim(filename)) BETWEEN 1 AND 255),
    sha256       TEXT NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes        BYTEA NOT NULL CHECK (length(bytes) <= 10485760),
    row_count    INTEGER NOT NULL CHECK (row_count >= 0),
    uploaded_by  UUID NOT NULL REFERENCES users (id),
    uploaded_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    loaded_by    UUID REFERENCES users (id),
    loaded_at    TIMESTAMPTZ,
    CONSTRAINT history_uploads_loaded_by_whom CHECK ((loaded_at IS NULL) = (loaded_by IS NULL))
);

CREATE TABLE imported_actor_years (
    year                INTEGER NOT NULL REFERENCES programme_years (year),
    organisation_id     UUID NOT NULL REFERENCES organisations (id),
    upload_id           UUID NOT NULL REFERENCES history_uploads (id),
    requisitioned       NUMERIC(14, 2) NOT NULL CHECK (requisitioned >= 0),
    paid_out            NUMERIC(14, 2) CHECK (paid_out >= 0),
    paid_on             DATE,
    used                NUMERIC(14, 2) CHECK (used >= 0),
    unused              NUMERIC(14, 2) CHECK (unused >= 0),
    repaid              NUMERIC(14, 2) CHECK (repaid >= 0),
    repaid_on           DATE,
    report_approved_on  DATE,
    PRIMARY KEY (year, organisation_id),
    CONSTRAINT imported_paid_dated CHECK ((paid_out IS NULL) = (paid_on IS NULL)),
    CONSTRAINT imported_paid_within_requisitioned CHECK (paid_out <= requisitioned),
    CONSTRAINT imported_used_and_unused_are_paid_out CHECK (
        (used IS NULL AND unused IS NULL) OR used + unused = paid_out
    ),
    CONSTRAINT imported_repaid_dated CHECK ((repaid IS NULL) = (repaid_on IS NULL)),
    CONSTRAINT imported_report_needs_figures CHECK (report_approved_on IS NULL OR used IS NOT NULL)
);

-- An imported actor-year belongs to the year's actors and has no live requisition.
CREATE FUNCTION imported_actor_year_checks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM programme_years y JOIN period_actors a ON a.period_id = y.period_id
                   WHERE y.year = NEW.year AND a.organisation_id = NEW.organisation_id) THEN
        RAISE EXCEPTION 'organisation % is not an actor in %', NEW.organisation_id, NEW.year
            USING ERRCODE = 'check_violation', CONSTRAINT = 'imported_actor_of_the_year';
    END IF;
    IF EXISTS (SELECT 1 FROM requisitions r WHERE r.year = NEW.year
               AND r.organisation_id = NEW.organisation_id) THEN
        RAISE EXCEPTION 'organisation % has a requisition in % in Digikoord', NEW.organisation_id, NEW.year
            USING ERRCODE = 'check_violation', CONSTRAINT = 'imported_not_live';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER imported_actor_years_checks BEFORE INSERT OR UPDATE ON imported_actor_years
    FOR EACH ROW EXECUTE FUNCTION imported_actor_year_checks();
