-- Decision records (issue 31): every decision Digikoord records — a requisition approved
-- (when its payout is attested), returned or rejected; a report approved or returned; a
-- refund approved; an extension granted or changed; a staff role granted — is written here
-- in the decision's own transaction, with what förvaltningslagen (2017:900) 31 § asks the
-- record to show: the day, the case, what was decided and why, who decided and who
-- presented the case (beslutsfattare and föredragande: the four eyes), and the decision it
-- rests on; and, for a requisition or report the region's coordinator drew up and its
-- authorised signatory confirmed, both of them. People are referenced by their user id,
-- never copied by name, so anonymising a user changes the name shown, never the record. A
-- record is frozen once made.

CREATE TYPE decision_kind AS ENUM (
    'requisition_approved', 'requisition_returned', 'requisition_rejected',
    'report_approved', 'report_returned', 'refund_approved', 'extension_granted',
    'role_granted'
);

CREATE TABLE decision_records (
    id                 UUID PRIMARY KEY,
    kind               decision_kind NOT NULL,
    year               INTEGER REFERENCES programme_years (year),
    organisation_id    UUID REFERENCES organisations (id),
    -- Digikoord's case number (DK-2025-007) when the decision belongs to one.
    case_number        TEXT CHECK (length(btrim(case_number)) BETWEEN 1 AND 50),
    -- The record the decision is about: 'requisition', 'report', 'refund',
    -- 'deadline_extension', 'user', with its id as the audit log names it.
    entity             TEXT NOT NULL CHECK (length(btrim(entity)) BETWEEN 1 AND 50),
    entity_id          TEXT NOT NULL CHECK (length(btrim(entity_id)) BETWEEN 1 AND 200),
    decided_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    decision           TEXT NOT NULL CHECK (length(btrim(decision)) BETWEEN 1 AND 5000),
    reasons            TEXT NOT NULL CHECK (length(btrim(reasons)) BETWEEN 1 AND 20000),
    decided_by         UUID NOT NULL REFERENCES users (id),
    -- The roles as they were when the decision was made: a later role change, or an
    -- anonymised name, leaves the record showing who decided in which capacity.
    decided_by_role    user_role NOT NULL,
    presented_by       UUID REFERENCES users (id),
    presented_by_role  user_role,
    -- The region's own four eyes on what was decided on (a requisition or report its
    -- coordinator drew up and its authorised signatory, firmatecknare, confirmed and sent
    -- in): both, or neither when the region sent it without a signatory.
    region_prepared_by UUID REFERENCES users (id),
    region_signed_by   UUID REFERENCES users (id),
    rests_on_record    UUID REFERENCES decision_records (id),
    rests_on           TEXT NOT NULL CHECK (length(btrim(rests_on)) BETWEEN 1 AND 5000),
    -- SHA-256 of the record's content as `records::model::Content` writes it.
    content_sha256     TEXT NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
    CONSTRAINT decision_records_presenter_role
        CHECK ((presented_by IS NULL) = (presented_by_role IS NULL)),
    -- Four eyes: the one who presents a case never decides it.
    CONSTRAINT decision_records_four_eyes
        CHECK (presented_by IS NULL OR presented_by <> decided_by),
    -- The region's preparer and signatory come together, and are two people.
    CONSTRAINT decision_records_region_signing_whole
        CHECK ((region_prepared_by IS NULL) = (region_signed_by IS NULL)),
    CONSTRAINT decision_records_region_signed_by_another
        CHECK (region_signed_by IS NULL OR region_signed_by <> region_prepared_by),
    -- Only a requisition's or report's decision has a region's signatory behind it.
    CONSTRAINT decision_records_region_signing_of_a_filing
        CHECK (region_signed_by IS NULL OR entity IN ('requisition', 'report')),
    -- A decision in a region's case names the region and the programme year; a role grant
    -- names neither.
    CONSTRAINT decision_records_case_of_an_actor CHECK (
        CASE kind WHEN 'role_granted' THEN organisation_id IS NULL AND year IS NULL
                  ELSE organisation_id IS NOT NULL AND year IS NOT NULL END
    )
);
CREATE INDEX decision_records_actor_year ON decision_records (year, organisation_id, kind, decided_at);
CREATE INDEX decision_records_decided_at ON decision_records (decided_at);

-- The case documents as PDF/A-2b (decision records, filed requisitions' receipts, filed
-- reports), made once from the DOCX by LibreOffice (`crate::pdfa`) and kept with their
-- checksum, so every download is the same file.
CREATE TABLE case_document_pdfs (
    -- `decision:<id>`, `receipt:<requisition id>:<submitted unix seconds>`,
    -- `report:<report id>:<submitted unix seconds>`.
    key       TEXT PRIMARY KEY CHECK (length(btrim(key)) BETWEEN 1 AND 200),
    filename  TEXT NOT NULL CHECK (length(btrim(filename)) BETWEEN 1 AND 255),
    sha256    TEXT NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes     BYTEA NOT NULL CHECK (length(bytes) > 0),
    made_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    made_by   UUID REFERENCES users (id),
    CONSTRAINT case_document_pdfs_checksum CHECK (sha256 = encode(sha256(bytes), 'hex'))
);

-- Both are frozen: no change, no removal, whoever asks (the schema's owner too). When the
-- retention rules (gallring, `src/retention/`) come to dispose of what a class allows,
-- their disposal run is the one thing that may be let through here.
CREATE FUNCTION case_records_are_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is kept as it was made: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_frozen';
END $$;
CREATE TRIGGER decision_records_frozen BEFORE UPDATE OR DELETE ON decision_records
    FOR EACH ROW EXECUTE FUNCTION case_records_are_frozen();
CREATE TRIGGER decision_records_not_truncated BEFORE TRUNCATE ON decision_records
    FOR EACH STATEMENT EXECUTE FUNCTION case_records_are_frozen();
CREATE TRIGGER case_document_pdfs_frozen BEFORE UPDATE OR DELETE ON case_document_pdfs
    FOR EACH ROW EXECUTE FUNCTION case_records_are_frozen();
CREATE TRIGGER case_document_pdfs_not_truncated BEFORE TRUNCATE ON case_document_pdfs
    FOR EACH STATEMENT EXECUTE FUNCTION case_records_are_frozen();
