-- Requests for public documents (begäran om allmän handling, tryckfrihetsförordningen 2 kap.;
-- issue 31, `src/disclosure/`). Staff register a request for an actor's year; the documents of
-- that case are listed on it as they were when it was registered, each secrecy-reviewed
-- (offentlighets- och sekretesslagen 2009:400) before anything is released. While the request
-- is open the case is under a legal hold (`legal_holds`, migration `retention`), so nothing of
-- it is disposed of; deciding the request releases the hold in the same transaction.

CREATE TYPE disclosure_state AS ENUM ('open', 'decided');
CREATE TYPE disclosure_review AS ENUM ('not_reviewed', 'release', 'release_masked', 'withhold');
-- What a listed document is (`records::documents::CaseDocument`).
CREATE TYPE disclosure_document_kind AS ENUM ('decision', 'requisition_receipt', 'report');

-- Each request's number, as staff and the requester speak of it: never reused.
CREATE SEQUENCE disclosure_request_numbers;

CREATE TABLE disclosure_requests (
    id               UUID PRIMARY KEY,
    number           BIGINT NOT NULL UNIQUE CHECK (number > 0),
    -- The day the request came in (Swedish time), no later than the day it was registered.
    received_on      DATE NOT NULL,
    -- Who asks: empty when they ask anonymously, as the law lets anyone do (TF 2 kap. 18 §).
    requester        TEXT NOT NULL DEFAULT '' CHECK (length(requester) <= 200),
    -- How the documents are to be handed over (an e-mail or postal address, collected…).
    reply_to         TEXT NOT NULL CHECK (length(btrim(reply_to)) BETWEEN 1 AND 500),
    -- What was asked for, in the requester's words.
    asked_for        TEXT NOT NULL CHECK (length(btrim(asked_for)) BETWEEN 1 AND 2000),
    -- The case: an actor's programme year.
    year             INTEGER NOT NULL REFERENCES programme_years (year),
    organisation_id  UUID NOT NULL REFERENCES organisations (id),
    registered_by    UUID NOT NULL REFERENCES users (id),
    registered_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    state            disclosure_state NOT NULL DEFAULT 'open',
    decided_by       UUID REFERENCES users (id),
    decided_at       TIMESTAMPTZ,
    -- How the request was answered (sent by e-mail on…, a written decision…), if noted.
    decision_note    TEXT CHECK (length(btrim(decision_note)) BETWEEN 1 AND 2000),
    -- The legal hold on the case placed when the request was registered; released when decided.
    hold_id          BIGINT NOT NULL UNIQUE REFERENCES legal_holds (id),
    CONSTRAINT disclosure_requests_decided CHECK (
        (state = 'decided') = (decided_by IS NOT NULL AND decided_at IS NOT NULL)
    ),
    CONSTRAINT disclosure_requests_note_when_decided CHECK (
        state = 'decided' OR decision_note IS NULL
    )
);
CREATE INDEX disclosure_requests_case ON disclosure_requests (year, organisation_id);
CREATE INDEX disclosure_requests_open ON disclosure_requests (number) WHERE state = 'open';

-- The documents of the case, as listed when the request was registered, each with its secrecy
-- review. A document masked or withheld names the secrecy provision (e.g. "OSL 21 kap. 1 §").
-- A review is of one file: the kept PDF/A (`case_document_pdfs`, frozen) the reviewer had
-- before them, by its key and checksum. The bundle hands over exactly that file, and
-- nothing when the case's document is no longer the one reviewed (a requisition sent in
-- again is a new receipt under a new key).
CREATE TABLE disclosure_documents (
    request_id   UUID NOT NULL REFERENCES disclosure_requests (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL CHECK (position > 0),
    kind         disclosure_document_kind NOT NULL,
    document_id  UUID NOT NULL,
    title        TEXT NOT NULL CHECK (length(btrim(title)) > 0),
    dated        DATE NOT NULL,
    review       disclosure_review NOT NULL DEFAULT 'not_reviewed',
    review_note  TEXT CHECK (length(btrim(review_note)) BETWEEN 1 AND 1000),
    reviewed_by  UUID REFERENCES users (id),
    reviewed_at  TIMESTAMPTZ,
    -- The kept PDF/A reviewed (`case_document_pdfs.key`) and its SHA-256.
    pdf_key      TEXT CHECK (length(btrim(pdf_key)) BETWEEN 1 AND 200),
    pdf_sha256   TEXT CHECK (pdf_sha256 ~ '^[0-9a-f]{64}$'),
    PRIMARY KEY (request_id, position),
    CONSTRAINT disclosure_documents_listed_once UNIQUE (request_id, kind, document_id),
    CONSTRAINT disclosure_documents_reviewed CHECK (
        (review = 'not_reviewed') = (reviewed_by IS NULL AND reviewed_at IS NULL)
    ),
    CONSTRAINT disclosure_documents_reviewed_file CHECK (
        (review = 'not_reviewed') = (pdf_key IS NULL) AND (pdf_key IS NULL) = (pdf_sha256 IS NULL)
    ),
    CONSTRAINT disclosure_documents_provision_given CHECK (
        review NOT IN ('release_masked', 'withhold') OR review_note IS NOT NULL
    )
);

-- A request is registered as it came in, decided once, and only when every document has been
-- reviewed; an open request (its case held) is never removed.
CREATE FUNCTION disclosure_request_checks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state = 'open' THEN
            RAISE EXCEPTION 'request for public documents % is open and is never removed', OLD.number
                USING ERRCODE = 'check_violation', CONSTRAINT = 'disclosure_requests_open_kept';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.id <> OLD.id OR NEW.number <> OLD.number OR NEW.received_on <> OLD.received_on
       OR NEW.requester <> OLD.requester OR NEW.reply_to <> OLD.reply_to
       OR NEW.asked_for <> OLD.asked_for OR NEW.year <> OLD.year
       OR NEW.organisation_id <> OLD.organisation_id OR NEW.registered_by <> OLD.registered_by
       OR NEW.registered_at <> OLD.registered_at OR NEW.hold_id <> OLD.hold_id THEN
        RAISE EXCEPTION 'request for public documents % is kept as it was registered', OLD.number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disclosure_requests_as_registered';
    END IF;
    IF OLD.state = 'decided' AND NEW IS DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'request for public documents % is already decided', OLD.number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disclosure_requests_decided_once';
    END IF;
    IF NEW.state = 'decided' AND EXISTS (
        SELECT 1 FROM disclosure_documents d
        WHERE d.request_id = NEW.id AND d.review = 'not_reviewed'
    ) THEN
        RAISE EXCEPTION 'request for public documents % has documents not yet reviewed', OLD.number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disclosure_requests_reviewed_first';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER disclosure_request_checks BEFORE UPDATE OR DELETE ON disclosure_requests
    FOR EACH ROW EXECUTE FUNCTION disclosure_request_checks();

-- The list is the case's documents as they were: only the review changes, and only while the
-- request is open; a document leaves the list only with its decided request.
CREATE FUNCTION disclosure_document_checks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (
            SELECT 1 FROM disclosure_requests r WHERE r.id = OLD.request_id AND r.state = 'open'
        ) THEN
            RAISE EXCEPTION 'a document of an open request for public documents is never removed'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'disclosure_documents_kept';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.request_id <> OLD.request_id OR NEW.position <> OLD.position OR NEW.kind <> OLD.kind
       OR NEW.document_id <> OLD.document_id OR NEW.title <> OLD.title
       OR NEW.dated <> OLD.dated THEN
        RAISE EXCEPTION 'a document of a request for public documents is kept as it was listed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disclosure_documents_as_listed';
    END IF;
    IF EXISTS (
        SELECT 1 FROM disclosure_requests r WHERE r.id = OLD.request_id AND r.state = 'decided'
    ) THEN
        RAISE EXCEPTION 'the request for public documents is decided: its reviews stay as they were'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disclosure_documents_decided';
    END IF;
    -- A review names the kept PDF/A of this very document, as it is kept.
    IF NEW.pdf_key IS NOT NULL AND (
        NEW.pdf_key NOT LIKE CASE NEW.kind
            WHEN 'decision' THEN 'decision:' || NEW.document_id::text
            WHEN 'requisition_receipt' THEN 'receipt:' || NEW.document_id::text || ':%'
            WHEN 'report' THEN 'report:' || NEW.document_id::text || ':%' END
        OR NOT EXISTS (SELECT 1 FROM case_document_pdfs p
                       WHERE p.key = NEW.pdf_key AND p.sha256 = NEW.pdf_sha256)
    ) THEN
        RAISE EXCEPTION 'a review names the kept PDF/A of its own document'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disclosure_documents_reviewed_kept_file';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER disclosure_document_checks BEFORE UPDATE OR DELETE ON disclosure_documents
    FOR EACH ROW EXECUTE FUNCTION disclosure_document_checks();

-- Documents are listed when the request is registered, never added to a decided one.
CREATE FUNCTION disclosure_document_listed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM disclosure_requests r WHERE r.id = NEW.request_id AND r.state = 'open'
    ) THEN
        RAISE EXCEPTION 'documents are listed on an open request for public documents only'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disclosure_documents_on_open_request';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER disclosure_document_listed BEFORE INSERT ON disclosure_documents
    FOR EACH ROW EXECUTE FUNCTION disclosure_document_listed();

-- While a request is open its case is held: the hold is on the request's actor-year and not
-- released; once it is decided, the hold is released (in the same transaction: checked at
-- commit).
CREATE FUNCTION disclosure_request_holds_its_case() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held legal_holds%ROWTYPE;
BEGIN
    SELECT * INTO held FROM legal_holds WHERE id = NEW.hold_id;
    IF held.entity IS DISTINCT FROM 'actor_year'
       OR held.entity_id IS DISTINCT FROM NEW.year::text || ':' || NEW.organisation_id::text THEN
        RAISE EXCEPTION 'request for public documents % must hold its own case', NEW.number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disclosure_requests_hold_the_case';
    END IF;
    IF (NEW.state = 'open') <> (held.released_at IS NULL) THEN
        RAISE EXCEPTION 'request for public documents % holds its case exactly while it is open', NEW.number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disclosure_requests_held_while_open';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER disclosure_request_holds_its_case
    AFTER INSERT OR UPDATE ON disclosure_requests
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION disclosure_request_holds_its_case();

-- A hold an open request placed is released with its decision, never before: the retention
-- page's release is refused while the request is open (`retention::db::release_hold` says
-- so first). Deciding marks the request decided before it releases the hold, in one
-- transaction.
CREATE FUNCTION legal_hold_of_an_open_request() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    request BIGINT;
BEGIN
    IF OLD.released_at IS NULL AND NEW.released_at IS NOT NULL THEN
        SELECT r.number INTO request FROM disclosure_requests r
        WHERE r.hold_id = OLD.id AND r.state = 'open';
        IF FOUND THEN
            RAISE EXCEPTION 'legal hold % holds the case of the open request for public documents %', OLD.id, request
                USING ERRCODE = 'check_violation', CONSTRAINT = 'legal_holds_of_open_requests';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER legal_holds_of_open_requests BEFORE UPDATE ON legal_holds
    FOR EACH ROW EXECUTE FUNCTION legal_hold_of_an_open_request();
