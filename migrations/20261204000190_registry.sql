-- Tillväxtverket's diarienummer on every case (issue 31, `src/registry/`): an actor's
-- requisition, report and repayment of a year, and the year's report to the Government.
-- The registrar types the number from the agency's own diary, or takes the next number of
-- the series an administrator sets. A case is there as soon as it has been filed: what is
-- a case is written once, in the view `registry_cases`, which the registrar's list, the
-- check of every entry and the case pages all read.

CREATE TYPE registry_case_kind AS ENUM ('requisition', 'report', 'repayment', 'summary');

-- Every case that needs a diarienummer, and when it came in:
--   requisition: the actor's year has a filed requisition (one that was ever sent in);
--   report:      the actor's year has a filed report;
--   repayment:   the actor's report says something is unused (`repayment_owed_per_actor`);
--   summary:     the programme year has a filed report, or its summary has been exported.
CREATE VIEW registry_cases AS
SELECT 'requisition'::registry_case_kind AS kind, year, organisation_id,
       min(first_submitted_at) AS opened_at
FROM requisitions
WHERE first_submitted_at IS NOT NULL
GROUP BY year, organisation_id
UNION ALL
SELECT 'report'::registry_case_kind, year, organisation_id, min(first_submitted_at)
FROM reports
WHERE first_submitted_at IS NOT NULL
GROUP BY year, organisation_id
UNION ALL
SELECT 'repayment'::registry_case_kind, o.year, o.organisation_id,
       (SELECT min(r.first_submitted_at) FROM reports r
        WHERE r.year = o.year AND r.organisation_id = o.organisation_id)
FROM repayment_owed_per_actor o
WHERE o.owed > 0
UNION ALL
SELECT 'summary'::registry_case_kind, y.year, NULL::uuid,
       LEAST((SELECT min(r.first_submitted_at) FROM reports r WHERE r.year = y.year),
             (SELECT min(e.created_at) FROM summary_exports e
              WHERE e.year = y.year AND e.document = 'summary'))
FROM programme_years y
WHERE EXISTS (SELECT 1 FROM reports r WHERE r.year = y.year AND r.first_submitted_at IS NOT NULL)
   OR EXISTS (SELECT 1 FROM summary_exports e WHERE e.year = y.year AND e.document = 'summary');

-- One diarienummer per case, and a diarienummer on one case only. A correction changes the
-- number (audited with before and after); the case it belongs to never changes.
CREATE TABLE registry_entries (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             registry_case_kind NOT NULL,
    year             INTEGER NOT NULL REFERENCES programme_years (year),
    -- The actor's; none for the year's summary, which is Tillväxtverket's own.
    organisation_id  UUID REFERENCES organisations (id),
    diarienummer     TEXT NOT NULL,
    registered_by    UUID NOT NULL REFERENCES users (id),
    registered_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT registry_entries_diarienummer_key UNIQUE (diarienummer),
    CONSTRAINT registry_entries_diarienummer_format CHECK (
        diarienummer = btrim(diarienummer)
        AND length(diarienummer) BETWEEN 1 AND 50
        AND diarienummer !~ '[[:cntrl:]]'
    ),
    CONSTRAINT registry_entries_summary_without_organisation
        CHECK ((kind = 'summary') = (organisation_id IS NULL))
);
-- One entry per case (kind, year, organisation; the summary's organisation is none).
CREATE UNIQUE INDEX registry_entries_one_per_case ON registry_entries
    (kind, year, COALESCE(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid));

-- A diarienummer is registered on a case that exists; its case is never changed.
CREATE FUNCTION registry_entry_checks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.kind IS DISTINCT FROM OLD.kind OR NEW.year IS DISTINCT FROM OLD.year
           OR NEW.organisation_id IS DISTINCT FROM OLD.organisation_id
           OR NEW.registered_by IS DISTINCT FROM OLD.registered_by
           OR NEW.registered_at IS DISTINCT FROM OLD.registered_at THEN
            RAISE EXCEPTION 'a diarienummer stays on its case'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'registry_entries_case_kept';
        END IF;
        RETURN NEW;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM registry_cases c
                   WHERE c.kind = NEW.kind AND c.year = NEW.year
                     AND c.organisation_id IS NOT DISTINCT FROM NEW.organisation_id) THEN
        RAISE EXCEPTION 'no % case of % for %', NEW.kind, NEW.year, NEW.organisation_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'registry_entries_case_exists';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER registry_entries_checks BEFORE INSERT OR UPDATE ON registry_entries
    FOR EACH ROW EXECUTE FUNCTION registry_entry_checks();

-- A diarienummer registered is kept: corrected (with before and after in the audit log),
-- never removed, whoever asks (the schema's owner too; the server may not even try:
-- src/db/server_role.sql).
CREATE FUNCTION registry_entries_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a registered diarienummer is kept: % refused', TG_OP
        USING ERRCODE = 'check_violation', CONSTRAINT = 'registry_entries_kept';
END $$;
CREATE TRIGGER registry_entries_kept BEFORE DELETE ON registry_entries
    FOR EACH ROW EXECUTE FUNCTION registry_entries_kept();
CREATE TRIGGER registry_entries_not_truncated BEFORE TRUNCATE ON registry_entries
    FOR EACH STATEMENT EXECUTE FUNCTION registry_entries_kept();

-- The number series an administrator sets, one per calendar year of registration: the
-- prefix, the next running number and how many digits it is written with
-- (`Ä` + 2026 + 42 in five digits: `Ä 2026-00042`). Taking a number moves `next` on in the
-- transaction that registers it.
CREATE TABLE registry_series (
    year    INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    prefix  TEXT NOT NULL DEFAULT '' CHECK (
        prefix = btrim(prefix) AND length(prefix) <= 20 AND prefix !~ '[[:cntrl:]]'
    ),
    next    INTEGER NOT NULL CHECK (next BETWEEN 1 AND 99999999),
    digits  INTEGER NOT NULL DEFAULT 5 CHECK (digits BETWEEN 1 AND 8),
    set_by  UUID NOT NULL REFERENCES users (id),
    set_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The summary's diarienummer, typed on its cover before the registry existed, becomes the
-- registry's entry for the year (where the year is a case and the number is not taken).
INSERT INTO registry_entries (kind, year, organisation_id, diarienummer, registered_by, registered_at)
SELECT 'summary', s.year, NULL, s.case_number, s.updated_by, s.updated_at
FROM summary_sections s
WHERE s.case_number <> ''
  AND s.case_number !~ '[[:cntrl:]]'
  AND EXISTS (SELECT 1 FROM registry_cases c WHERE c.kind = 'summary' AND c.year = s.year)
ON CONFLICT DO NOTHING;
