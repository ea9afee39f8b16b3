-- The region's authorised signatory (firmatecknare, issue 31, `src/signatory/`). An
-- administrator marks a coordinator as their organisation's signatory. When a region has one
-- (besides the person who prepares), a requisition or report its coordinator has prepared
-- goes to Tillväxtverket only once a signatory has read and confirmed it, signed in with
-- their own account: the region's own four eyes. Without one, the region files as before.
--
-- "Awaiting the signatory" is a draft (or a returned case) with prepared_at set and
-- signed_at not: `awaiting_signatory`, one rule for every query. Sending it back, or the
-- coordinator taking it back, clears prepared_*; the signatory's confirmation sends it in
-- and writes signed_*. The receipt and the decision record name both people.

ALTER TABLE users
    ADD COLUMN signatory BOOLEAN NOT NULL DEFAULT false,
    -- Only a region's coordinator signs for the region.
    ADD CONSTRAINT users_signatory_is_coordinator CHECK (NOT signatory OR role = 'coordinator');
CREATE INDEX users_signatories ON users (organisation_id) WHERE signatory;

CREATE FUNCTION awaiting_signatory(prepared_at TIMESTAMPTZ, signed_at TIMESTAMPTZ)
    RETURNS boolean LANGUAGE sql IMMUTABLE AS
$$ SELECT prepared_at IS NOT NULL AND signed_at IS NULL $$;

ALTER TABLE requisitions
    ADD COLUMN prepared_by UUID REFERENCES users (id),
    ADD COLUMN prepared_at TIMESTAMPTZ,
    ADD COLUMN signed_by UUID REFERENCES users (id),
    ADD COLUMN signed_at TIMESTAMPTZ,
    -- The signatory's message when they sent it back to the coordinator.
    ADD COLUMN signatory_note TEXT CHECK (length(signatory_note) <= 5000),
    ADD CONSTRAINT requisitions_prepared_whole CHECK ((prepared_by IS NULL) = (prepared_at IS NULL)),
    ADD CONSTRAINT requisitions_signed_whole CHECK ((signed_by IS NULL) = (signed_at IS NULL)),
    -- Four eyes: the one who confirms is never the one who prepared.
    ADD CONSTRAINT requisitions_signed_by_another CHECK (
        signed_by IS NULL OR (prepared_by IS NOT NULL AND signed_by <> prepared_by)
    ),
    -- What awaits the signatory has not left the region.
    ADD CONSTRAINT requisitions_sent_only_signed CHECK (
        prepared_at IS NULL OR signed_at IS NOT NULL OR state IN ('draft', 'returned', 'withdrawn')
    );

ALTER TABLE reports
    ADD COLUMN prepared_by UUID REFERENCES users (id),
    ADD COLUMN prepared_at TIMESTAMPTZ,
    ADD COLUMN signed_by UUID REFERENCES users (id),
    ADD COLUMN signed_at TIMESTAMPTZ,
    ADD COLUMN signatory_note TEXT CHECK (length(signatory_note) <= 5000),
    ADD CONSTRAINT reports_prepared_whole CHECK ((prepared_by IS NULL) = (prepared_at IS NULL)),
    ADD CONSTRAINT reports_signed_whole CHECK ((signed_by IS NULL) = (signed_at IS NULL)),
    ADD CONSTRAINT reports_signed_by_another CHECK (
        signed_by IS NULL OR (prepared_by IS NOT NULL AND signed_by <> prepared_by)
    ),
    ADD CONSTRAINT reports_sent_only_signed CHECK (
        prepared_at IS NULL OR signed_at IS NOT NULL OR state IN ('draft', 'returned')
    );

-- Who prepares and who signs, whoever writes the row: the preparer is a coordinator of the
-- case's organisation, the signer an active signatory of it; and what awaited the
-- signatory is sent in only with a signature (not by clearing the mark on the way).
CREATE FUNCTION signing_by_the_region() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.prepared_by IS NOT NULL AND NEW.prepared_by IS DISTINCT FROM OLD.prepared_by
       AND NOT EXISTS (SELECT 1 FROM users u
                       WHERE u.id = NEW.prepared_by AND u.role = 'coordinator'
                         AND u.organisation_id = NEW.organisation_id) THEN
        RAISE EXCEPTION '% % prepared by someone outside its organisation', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'signing_prepared_by_the_region';
    END IF;
    IF NEW.signed_by IS NOT NULL AND NEW.signed_by IS DISTINCT FROM OLD.signed_by
       AND NOT EXISTS (SELECT 1 FROM users u
                       WHERE u.id = NEW.signed_by AND u.signatory AND u.active
                         AND u.role = 'coordinator' AND u.organisation_id = NEW.organisation_id) THEN
        RAISE EXCEPTION '% % signed by someone who is not its signatory', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'signing_by_the_regions_signatory';
    END IF;
    IF awaiting_signatory(OLD.prepared_at, OLD.signed_at)
       AND NEW.state::text NOT IN ('draft', 'returned', 'withdrawn') AND NEW.signed_at IS NULL THEN
        RAISE EXCEPTION '% % awaits its signatory', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'signing_before_sending';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER requisitions_signing BEFORE UPDATE ON requisitions
    FOR EACH ROW EXECUTE FUNCTION signing_by_the_region();
CREATE TRIGGER reports_signing BEFORE UPDATE ON reports
    FOR EACH ROW EXECUTE FUNCTION signing_by_the_region();

-- Nothing is added to or taken from a requisition's or report's documents while its
-- signatory reads it: what they confirm is what is sent.
CREATE FUNCTION attachments_still_while_signing() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    row_ RECORD;
    awaiting BOOLEAN;
BEGIN
    IF TG_OP = 'DELETE' THEN
        row_ := OLD;
    ELSE
        row_ := NEW;
    END IF;
    IF TG_TABLE_NAME = 'requisition_attachments' THEN
        SELECT awaiting_signatory(q.prepared_at, q.signed_at) INTO awaiting
        FROM requisitions q WHERE q.id = row_.requisition_id;
    ELSE
        SELECT awaiting_signatory(q.prepared_at, q.signed_at) INTO awaiting
        FROM reports q WHERE q.id = row_.report_id;
    END IF;
    -- Named apart, so the page says which case waits (`error::kept_as_it_is`).
    IF awaiting AND TG_TABLE_NAME = 'requisition_attachments' THEN
        RAISE EXCEPTION 'the documents of % await its signatory', TG_TABLE_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = 'attachments_still_while_signing';
    ELSIF awaiting THEN
        RAISE EXCEPTION 'the documents of % await its signatory', TG_TABLE_NAME
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'report_attachments_still_while_signing';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER requisition_attachments_signing BEFORE INSERT OR DELETE ON requisition_attachments
    FOR EACH ROW EXECUTE FUNCTION attachments_still_while_signing();
CREATE TRIGGER report_attachments_signing BEFORE INSERT OR DELETE ON report_attachments
    FOR EACH ROW EXECUTE FUNCTION attachments_still_while_signing();
