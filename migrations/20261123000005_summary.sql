-- The yearly summary to the Government (26 March): Tillväxtverket's own sections, and
-- a record of every export, with the file kept so a submitted one stays as it was.

CREATE TABLE summary_sections (
    year          INTEGER PRIMARY KEY REFERENCES programme_years (year),
    analysis      TEXT NOT NULL DEFAULT '' CHECK (length(analysis) <= 20000),
    innovation_hubs TEXT NOT NULL DEFAULT '' CHECK (length(innovation_hubs) <= 20000),
    digg_views    TEXT NOT NULL DEFAULT '' CHECK (length(digg_views) <= 20000),
    updated_by    UUID NOT NULL REFERENCES users (id),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TYPE export_format AS ENUM ('xlsx', 'docx', 'csv', 'json');

CREATE TABLE summary_exports (
    id            UUID PRIMARY KEY,
    year          INTEGER NOT NULL REFERENCES programme_years (year),
    format        export_format NOT NULL,
    filename      TEXT NOT NULL,
    sha256        TEXT NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size          INTEGER NOT NULL CHECK (size > 0),
    bytes         BYTEA NOT NULL CHECK (length(bytes) = size),
    created_by    UUID NOT NULL REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- "Inlämnad": submitted to the Government. Once set, never unset.
    submitted_at  TIMESTAMPTZ,
    submitted_by  UUID REFERENCES users (id),
    CONSTRAINT summary_exports_submitted_by_whom CHECK ((submitted_at IS NULL) = (submitted_by IS NULL))
);
CREATE INDEX summary_exports_year ON summary_exports (year, created_at);

-- An export's file never changes; a submitted export stays submitted.
CREATE FUNCTION summary_export_is_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'exports are kept' USING ERRCODE = 'check_violation', CONSTRAINT = 'summary_exports_kept';
    END IF;
    IF NEW.bytes IS DISTINCT FROM OLD.bytes OR NEW.sha256 IS DISTINCT FROM OLD.sha256
       OR (OLD.submitted_at IS NOT NULL AND NEW.submitted_at IS DISTINCT FROM OLD.submitted_at) THEN
        RAISE EXCEPTION 'export % is kept as it was', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'summary_exports_kept';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER summary_exports_kept BEFORE UPDATE OR DELETE ON summary_exports
    FOR EACH ROW EXECUTE FUNCTION summary_export_is_kept();
