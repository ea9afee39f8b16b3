-- Retention (gallring), issue 31 (`src/retention/`): each kind of record Digikoord can dispose
-- of has a class an administrator sets from the agency's information-management plan (keep;
-- dispose of after N years; dispose of when no longer needed), with its basis. Nothing is
-- disposed of until an administrator decides: every kind starts as keep. A disposal run is
-- proposed by one administrator and confirmed by another; it lists what it will remove, and
-- confirming removes it in one transaction and leaves a disposal log that is itself kept.
-- Legal holds keep an actor's year, or one record, from every run while they are in force.
-- What is frozen (kept exports, the bank's files, decision records) goes only when a
-- confirmed run lists it as removed (`disposal_allowed`).

CREATE TYPE retention_kind AS ENUM (
    'sent_mail', 'password_reset_requests', 'withdrawn_requisitions', 'unsubmitted_exports',
    'submitted_exports', 'bank_files', 'network_registrations', 'decision_records');
CREATE TYPE retention_class AS ENUM ('keep', 'after_years', 'when_not_needed');

CREATE TABLE retention_kinds (
    kind         retention_kind PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    description  TEXT NOT NULL CHECK (length(btrim(description)) BETWEEN 1 AND 2000),
    class        retention_class NOT NULL DEFAULT 'keep',
    years        INTEGER CHECK (years BETWEEN 1 AND 100),
    -- What the class rests on: the plan's item and its registration number.
    basis        TEXT CHECK (length(btrim(basis)) BETWEEN 1 AND 300),
    changed_by   UUID REFERENCES users (id),
    changed_at   TIMESTAMPTZ,
    CONSTRAINT retention_kinds_years_with_after_years CHECK ((class = 'after_years') = (years IS NOT NULL)),
    CONSTRAINT retention_kinds_disposal_has_a_basis CHECK (class = 'keep' OR basis IS NOT NULL),
    CONSTRAINT retention_kinds_changed_together CHECK ((changed_by IS NULL) = (changed_at IS NULL))
);

INSERT INTO retention_kinds (kind, name, description) VALUES
    ('sent_mail', 'Skickad e-post',
     'E-post som Digikoord har skickat, eller slutat försöka skicka (utkorgen under E-post). E-post som väntar på att skickas gallras aldrig.'),
    ('password_reset_requests', 'Begäranden om nytt lösenord',
     'Varje begäran på sidan Glömt lösenord: den angivna adressen och klientens nätverksadress, sparade för att begränsa upprepade begäranden.'),
    ('withdrawn_requisitions', 'Rekvisitioner som återkallades innan de skickades in',
     'Utkast till rekvisitioner som regionen återkallade innan de någonsin skickades in, med deras bilagor och meddelanden.'),
    ('unsubmitted_exports', 'Exporter som inte lämnades in',
     'Exporter av sammanställningen och av Tillväxtverkets dokument till Kammarkollegiet som aldrig markerades som inlämnade. De är frysta: de kan bara gallras genom en bekräftad gallring.'),
    ('submitted_exports', 'Inlämnade exporter',
     'Exporter som är markerade som inlämnade till regeringen eller Kammarkollegiet. De är frysta: de kan bara gallras genom en bekräftad gallring. Den inlämnade sammanställningen till regeringen för ett programår gallras aldrig: den visar att programåret är avslutat.'),
    ('bank_files', 'Bankens filer med inbetalningar',
     'Inlästa filer från banken (BgMax, camt.054) med sina inbetalningar, när varje inbetalning i filen är bekräftad eller avvisad. Räkenskapsinformation; frysta. En gallrad fil eller betalning kan inte läsas in på nytt.'),
    ('network_registrations', 'Anmälningar till nätverksträffar',
     'Vem en region anmälde till en nätverksträff eller kompetensinsats, med namn och e-postadress, och om personen kom.'),
    ('decision_records', 'Beslut',
     'Beslutsprotokoll: vad som beslutades, varför, av vem och på vems föredragning. Frysta: de kan bara gallras genom en bekräftad gallring.');

-- Every kind keeps a class; the server changes only the class.
CREATE FUNCTION retention_kinds_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'retention kind % keeps its row', OLD.kind
            USING ERRCODE = 'check_violation', CONSTRAINT = 'retention_kinds_kept';
    END IF;
    IF NEW.kind <> OLD.kind OR NEW.name <> OLD.name OR NEW.description <> OLD.description THEN
        RAISE EXCEPTION 'retention kind % keeps its name', OLD.kind
            USING ERRCODE = 'check_violation', CONSTRAINT = 'retention_kinds_kept';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER retention_kinds_kept BEFORE UPDATE OR DELETE ON retention_kinds
    FOR EACH ROW EXECUTE FUNCTION retention_kinds_kept();

-- A legal hold (a pending appeal, a request for a public document): entity 'actor_year' with
-- '<year>:<organisation>' holds everything of that actor's year; any other entity
-- ('requisition', 'summary_export', 'decision_record', …) with the row's id holds one record.
CREATE TABLE legal_holds (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity       TEXT NOT NULL CHECK (entity ~ '^[a-z_]{1,50}$'),
    entity_id    TEXT NOT NULL CHECK (length(btrim(entity_id)) BETWEEN 1 AND 100),
    reason       TEXT NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
    placed_by    UUID NOT NULL REFERENCES users (id),
    placed_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    released_by  UUID REFERENCES users (id),
    released_at  TIMESTAMPTZ,
    CONSTRAINT legal_holds_released_together CHECK ((released_by IS NULL) = (released_at IS NULL)),
    CONSTRAINT legal_holds_actor_year CHECK (
        entity <> 'actor_year' OR entity_id ~ '^[0-9]{4}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
);
CREATE INDEX legal_holds_in_force ON legal_holds (entity, entity_id) WHERE released_at IS NULL;

-- A hold is kept: released once, never changed otherwise nor removed.
CREATE FUNCTION legal_holds_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'legal hold % is kept', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'legal_holds_kept';
    END IF;
    IF OLD.released_at IS NOT NULL
       OR NEW.entity <> OLD.entity OR NEW.entity_id <> OLD.entity_id OR NEW.reason <> OLD.reason
       OR NEW.placed_by <> OLD.placed_by OR NEW.placed_at <> OLD.placed_at THEN
        RAISE EXCEPTION 'legal hold % is kept as it was placed, and released once', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'legal_holds_kept';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER legal_holds_kept BEFORE UPDATE OR DELETE ON legal_holds
    FOR EACH ROW EXECUTE FUNCTION legal_holds_kept();

CREATE TYPE disposal_run_state AS ENUM ('proposed', 'confirmed', 'cancelled');
CREATE TYPE disposal_item_state AS ENUM ('proposed', 'removed', 'skipped');

-- A disposal run: proposed by one administrator, confirmed (or cancelled) by another.
CREATE TABLE disposal_runs (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    state         disposal_run_state NOT NULL DEFAULT 'proposed',
    proposed_by   UUID NOT NULL REFERENCES users (id),
    proposed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- "Today" in Sweden as the proposal was made: what was due then.
    proposed_on   DATE NOT NULL,
    confirmed_by  UUID REFERENCES users (id),
    confirmed_at  TIMESTAMPTZ,
    cancelled_by  UUID REFERENCES users (id),
    cancelled_at  TIMESTAMPTZ,
    CONSTRAINT disposal_runs_four_eyes CHECK (confirmed_by IS NULL OR confirmed_by <> proposed_by),
    CONSTRAINT disposal_runs_confirmed CHECK (
        (state = 'confirmed') = (confirmed_by IS NOT NULL AND confirmed_at IS NOT NULL)
        AND (confirmed_by IS NULL) = (confirmed_at IS NULL)),
    CONSTRAINT disposal_runs_cancelled CHECK (
        (state = 'cancelled') = (cancelled_by IS NOT NULL AND cancelled_at IS NOT NULL)
        AND (cancelled_by IS NULL) = (cancelled_at IS NULL))
);

-- Proposed and confirmed by active administrators, two different ones; decided once; kept.
CREATE FUNCTION disposal_runs_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'disposal run % is kept', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disposal_runs_kept';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.state <> 'proposed' OR NOT EXISTS (
            SELECT 1 FROM users u WHERE u.id = NEW.proposed_by AND u.role = 'admin' AND u.active) THEN
            RAISE EXCEPTION 'a disposal run is proposed by an active administrator'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'disposal_runs_by_administrators';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.state <> 'proposed' THEN
        RAISE EXCEPTION 'disposal run % is already decided', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disposal_runs_decided_once';
    END IF;
    IF NEW.proposed_by <> OLD.proposed_by OR NEW.proposed_at <> OLD.proposed_at
       OR NEW.proposed_on <> OLD.proposed_on THEN
        RAISE EXCEPTION 'disposal run % keeps who proposed it and when', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disposal_runs_kept';
    END IF;
    IF NEW.state = 'confirmed' AND NOT EXISTS (
        SELECT 1 FROM users u WHERE u.id = NEW.confirmed_by AND u.role = 'admin' AND u.active) THEN
        RAISE EXCEPTION 'a disposal run is confirmed by an active administrator'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disposal_runs_by_administrators';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER disposal_runs_guard BEFORE INSERT OR UPDATE OR DELETE ON disposal_runs
    FOR EACH ROW EXECUTE FUNCTION disposal_runs_guard();

-- What a run lists: each record due when it was proposed, with why, and — once confirmed —
-- whether it was removed or skipped, and why. A record under a legal hold, or one another
-- record still refers to, is listed as skipped.
CREATE TABLE disposal_items (
    run_id           BIGINT NOT NULL REFERENCES disposal_runs (id),
    kind             retention_kind NOT NULL,
    entity_id        TEXT NOT NULL CHECK (length(entity_id) BETWEEN 1 AND 100),
    -- Names the record without a person's name or address (`Kind::describe`).
    described        TEXT NOT NULL CHECK (length(btrim(described)) BETWEEN 1 AND 1000),
    dated            DATE NOT NULL,
    due_because      TEXT NOT NULL CHECK (length(btrim(due_because)) BETWEEN 1 AND 1000),
    state            disposal_item_state NOT NULL DEFAULT 'proposed',
    skipped_because  TEXT CHECK (length(btrim(skipped_because)) BETWEEN 1 AND 3000),
    PRIMARY KEY (run_id, kind, entity_id),
    CONSTRAINT disposal_items_skipped_with_a_reason CHECK ((state = 'skipped') = (skipped_because IS NOT NULL))
);

-- Listed while the run is proposed (never as removed); decided once, as the run is confirmed.
CREATE FUNCTION disposal_items_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    run_state disposal_run_state;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the records a disposal run lists are kept'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disposal_items_kept';
    END IF;
    SELECT r.state INTO run_state FROM disposal_runs r WHERE r.id = NEW.run_id;
    IF TG_OP = 'INSERT' THEN
        IF run_state IS DISTINCT FROM 'proposed' OR NEW.state = 'removed' THEN
            RAISE EXCEPTION 'records are listed in a proposed disposal run, not as removed'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'disposal_items_listed_when_proposed';
        END IF;
        RETURN NEW;
    END IF;
    -- Why a record was skipped is written once, with its state, as the run is confirmed.
    IF NEW.run_id <> OLD.run_id OR NEW.kind <> OLD.kind OR NEW.entity_id <> OLD.entity_id
       OR NEW.described <> OLD.described OR NEW.dated <> OLD.dated
       OR NEW.due_because <> OLD.due_because
       OR (NEW.state IS DISTINCT FROM OLD.state
           AND (OLD.state <> 'proposed' OR run_state IS DISTINCT FROM 'confirmed'))
       OR (NEW.skipped_because IS DISTINCT FROM OLD.skipped_because
           AND (OLD.state <> 'proposed' OR NEW.state <> 'skipped'
                OR run_state IS DISTINCT FROM 'confirmed')) THEN
        RAISE EXCEPTION 'a listed record is decided once, as its run is confirmed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disposal_items_kept';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER disposal_items_guard BEFORE INSERT OR UPDATE OR DELETE ON disposal_items
    FOR EACH ROW EXECUTE FUNCTION disposal_items_guard();

-- The disposal log: one row per record removed, with its run, its class and basis as they
-- were, who proposed and who confirmed. Written only for a record its confirmed run lists as
-- removed; never changed, never removed. `kept_facts` keeps what must not come back as new
-- (a bank file's checksum and its payments' bank references), never personal data.
CREATE TABLE disposal_log (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id        BIGINT NOT NULL REFERENCES disposal_runs (id),
    kind          retention_kind NOT NULL,
    entity_id     TEXT NOT NULL,
    described     TEXT NOT NULL,
    dated         DATE NOT NULL,
    due_because   TEXT NOT NULL,
    class         retention_class NOT NULL,
    years         INTEGER,
    basis         TEXT,
    kept_facts    JSONB,
    proposed_by   UUID NOT NULL REFERENCES users (id),
    confirmed_by  UUID NOT NULL REFERENCES users (id),
    removed_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT disposal_log_once UNIQUE (kind, entity_id),
    CONSTRAINT disposal_log_four_eyes CHECK (confirmed_by <> proposed_by)
);
CREATE INDEX disposal_log_run ON disposal_log (run_id);

CREATE FUNCTION disposal_log_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'the disposal log is append-only'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disposal_log_kept';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM disposal_items i JOIN disposal_runs r ON r.id = i.run_id
        WHERE i.run_id = NEW.run_id AND i.kind = NEW.kind AND i.entity_id = NEW.entity_id
          AND i.state = 'removed' AND r.state = 'confirmed'
          AND r.proposed_by = NEW.proposed_by AND r.confirmed_by = NEW.confirmed_by) THEN
        RAISE EXCEPTION 'the disposal log holds what a confirmed run removed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'disposal_log_of_a_confirmed_run';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER disposal_log_kept BEFORE INSERT OR UPDATE OR DELETE ON disposal_log
    FOR EACH ROW EXECUTE FUNCTION disposal_log_kept();
CREATE TRIGGER disposal_log_not_truncated BEFORE TRUNCATE ON disposal_log
    FOR EACH STATEMENT EXECUTE FUNCTION disposal_log_kept();

-- The one way past a frozen record's trigger: a run two administrators confirmed lists it as
-- removed. The frozen tables' triggers ask here.
CREATE FUNCTION disposal_allowed(p_kind retention_kind, p_entity_id TEXT) RETURNS BOOLEAN
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM disposal_items i JOIN disposal_runs r ON r.id = i.run_id
        WHERE i.kind = p_kind AND i.entity_id = p_entity_id AND i.state = 'removed'
          AND r.state = 'confirmed' AND r.confirmed_by <> r.proposed_by)
$$;

-- The kept exports (20261123000005_summary.sql), as before, but for a confirmed run's removal
-- — never the year's summary marked submitted: it is what closes the programme year (the
-- runs' "no longer needed" counts on it), so no class disposes of it.
CREATE OR REPLACE FUNCTION summary_export_is_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.document = 'summary' AND OLD.submitted_at IS NOT NULL THEN
            RAISE EXCEPTION 'the submitted summary of % closes its year and is kept', OLD.year
                USING ERRCODE = 'check_violation', CONSTRAINT = 'summary_exports_closing_kept';
        END IF;
        IF disposal_allowed(CASE WHEN OLD.submitted_at IS NULL THEN 'unsubmitted_exports'
                                 ELSE 'submitted_exports' END::retention_kind, OLD.id::text) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'exports are kept' USING ERRCODE = 'check_violation', CONSTRAINT = 'summary_exports_kept';
    END IF;
    IF NEW.bytes IS DISTINCT FROM OLD.bytes OR NEW.sha256 IS DISTINCT FROM OLD.sha256
       OR (OLD.submitted_at IS NOT NULL AND NEW.submitted_at IS DISTINCT FROM OLD.submitted_at) THEN
        RAISE EXCEPTION 'export % is kept as it was', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'summary_exports_kept';
    END IF;
    RETURN NEW;
END $$;

-- The server may not delete kept exports at all (src/db/server_role.sql): it removes those a
-- confirmed run lists through this function, whose every row the trigger above still checks.
CREATE FUNCTION dispose_summary_exports(p_ids UUID[]) RETURNS INTEGER
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n INTEGER;
BEGIN
    DELETE FROM summary_exports WHERE id = ANY(p_ids);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- Decision records and their kept PDF/A (20261204000180_decision_records.sql) likewise: the
-- records' frozen trigger lets through a removal that a confirmed run lists.
CREATE FUNCTION dispose_decision_records(p_ids UUID[]) RETURNS INTEGER
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n INTEGER;
BEGIN
    DELETE FROM case_document_pdfs
    WHERE key IN (SELECT 'decision:' || i::text FROM unnest(p_ids) AS i);
    DELETE FROM decision_records WHERE id = ANY(p_ids);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- The bank's files and payments (20261204000130_bank_payments.sql), as before, but for a
-- confirmed run's removal of a file with its payments.
CREATE OR REPLACE FUNCTION bank_payment_checks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF disposal_allowed('bank_files', OLD.file_id::text) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'bank payment % is a record of money and is never removed', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bank_payments_kept';
    END IF;
    IF NEW.file_id <> OLD.file_id OR NEW.line <> OLD.line
       OR NEW.bank_reference <> OLD.bank_reference OR NEW.amount <> OLD.amount
       OR NEW.paid_on <> OLD.paid_on OR NEW.reference <> OLD.reference
       OR NEW.payer_name <> OLD.payer_name
       OR NEW.payer_bankgiro IS DISTINCT FROM OLD.payer_bankgiro THEN
        RAISE EXCEPTION 'bank payment % is as the bank sent it', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bank_payments_as_sent';
    END IF;
    IF OLD.state <> 'unmatched' AND NEW IS DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'bank payment % is already decided', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bank_payments_decided_once';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION bank_file_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND disposal_allowed('bank_files', OLD.id::text) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'bank file % is kept as it was read', OLD.id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'bank_files_kept';
END $$;

-- A disposed-of bank file, or a payment in one, is not read in again as new: the same
-- payment would wait to be confirmed a second time.
CREATE FUNCTION bank_file_not_disposed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM disposal_log l
               WHERE l.kind = 'bank_files' AND l.kept_facts ->> 'sha256' = NEW.sha256) THEN
        RAISE EXCEPTION 'bank file % was read in before and is disposed of', NEW.sha256
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bank_files_disposed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER bank_file_not_disposed BEFORE INSERT ON bank_files
    FOR EACH ROW EXECUTE FUNCTION bank_file_not_disposed();

CREATE FUNCTION bank_payment_not_disposed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM disposal_log l
               WHERE l.kind = 'bank_files' AND l.kept_facts -> 'bank_references' ? NEW.bank_reference) THEN
        RAISE EXCEPTION 'bank payment % was read in before and is disposed of', NEW.bank_reference
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bank_payments_disposed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER bank_payment_not_disposed BEFORE INSERT ON bank_payments
    FOR EACH ROW EXECUTE FUNCTION bank_payment_not_disposed();

-- The decision records and their kept PDF/A (migration …180) are frozen; a confirmed
-- disposal run that lists a decision as removed is the one way one may go.
CREATE OR REPLACE FUNCTION case_records_are_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF TG_TABLE_NAME = 'decision_records' THEN
            IF disposal_allowed('decision_records', OLD.id::text) THEN RETURN OLD; END IF;
        ELSIF TG_TABLE_NAME = 'case_document_pdfs' THEN
            IF OLD.key LIKE 'decision:%' AND disposal_allowed('decision_records', substr(OLD.key, 10)) THEN RETURN OLD; END IF;
        END IF;
    END IF;
    RAISE EXCEPTION '% is kept as it was made: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_frozen';
END $$;
