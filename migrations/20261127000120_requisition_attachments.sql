-- Documents on a requisition (for example the signed requisition as a PDF), with the same
-- checks as a report's: at most 10 MB each, 20 of at most 50 MB together.
CREATE TABLE requisition_attachments (
    id              UUID PRIMARY KEY,
    requisition_id  UUID NOT NULL REFERENCES requisitions (id),
    filename        TEXT NOT NULL CHECK (length(btrim(filename)) BETWEEN 1 AND 255),
    content_type    TEXT NOT NULL,
    size            INTEGER NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    sha256          TEXT NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes           BYTEA NOT NULL CHECK (length(bytes) = size),
    uploaded_by     UUID NOT NULL REFERENCES users (id),
    uploaded_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX requisition_attachments_requisition ON requisition_attachments (requisition_id);

CREATE FUNCTION requisition_attachments_fit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('requisition_attachments:' || NEW.requisition_id::text));
    IF (SELECT count(*) FROM requisition_attachments WHERE requisition_id = NEW.requisition_id) >= 20
       OR (SELECT COALESCE(sum(size), 0) FROM requisition_attachments
           WHERE requisition_id = NEW.requisition_id) + NEW.size > 52428800 THEN
        RAISE EXCEPTION 'requisition % has no room for another attachment', NEW.requisition_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'requisition_attachments_fit';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER requisition_attachments_fit BEFORE INSERT ON requisition_attachments
    FOR EACH ROW EXECUTE FUNCTION requisition_attachments_fit();
