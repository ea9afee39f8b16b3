-- The yearly activity report (31 January Y+1): what was done, what it cost, what is left.
-- A correction after approval is a new version; the history keeps every version.

CREATE TYPE report_state AS ENUM ('draft', 'submitted', 'returned', 'approved');
CREATE TYPE self_assessment AS ENUM ('yes', 'partly', 'no', 'cant_say');
CREATE TYPE activity_kind AS ENUM ('network_meeting', 'training', 'strategy', 'analysis', 'communication', 'other');

CREATE TABLE reports (
    id                    UUID PRIMARY KEY,
    year                  INTEGER NOT NULL REFERENCES programme_years (year),
    organisation_id       UUID NOT NULL REFERENCES organisations (id),
    -- The paid payout the report accounts for.
    payout_id             UUID NOT NULL REFERENCES payouts (id),
    version               INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- The newest version of the actor's report for the year.
    current               BOOLEAN NOT NULL DEFAULT true,
    state                 report_state NOT NULL DEFAULT 'draft',
    task_1                TEXT NOT NULL DEFAULT '' CHECK (length(task_1) <= 5000),
    task_2                TEXT NOT NULL DEFAULT '' CHECK (length(task_2) <= 5000),
    task_3                TEXT NOT NULL DEFAULT '' CHECK (length(task_3) <= 5000),
    task_4                TEXT NOT NULL DEFAULT '' CHECK (length(task_4) <= 5000),
    task_5                TEXT NOT NULL DEFAULT '' CHECK (length(task_5) <= 5000),
    needs_and_challenges  TEXT NOT NULL DEFAULT '' CHECK (length(needs_and_challenges) <= 10000),
    results_and_effects   TEXT NOT NULL DEFAULT '' CHECK (length(results_and_effects) <= 10000),
    self_assessment       self_assessment,
    self_assessment_motivation TEXT NOT NULL DEFAULT '' CHECK (length(self_assessment_motivation) <= 2000),
    -- Received is what was paid out; used is the sum of the costs; unused is the difference.
    -- Used and unused are computed by the database, never typed.
    received              NUMERIC(14, 2) NOT NULL CHECK (received > 0),
    cost_personnel        NUMERIC(14, 2) NOT NULL DEFAULT 0 CHECK (cost_personnel >= 0),
    cost_services         NUMERIC(14, 2) NOT NULL DEFAULT 0 CHECK (cost_services >= 0),
    cost_travel           NUMERIC(14, 2) NOT NULL DEFAULT 0 CHECK (cost_travel >= 0),
    cost_other            NUMERIC(14, 2) NOT NULL DEFAULT 0 CHECK (cost_other >= 0),
    used                  NUMERIC(14, 2) GENERATED ALWAYS AS (cost_personnel + cost_services + cost_travel + cost_other) STORED,
    unused                NUMERIC(14, 2) GENERATED ALWAYS AS (received - (cost_personnel + cost_services + cost_travel + cost_other)) STORED,
    co_financing          NUMERIC(14, 2) CHECK (co_financing >= 0),
    -- The region has filled in the finances (zero costs are a real answer, not a default).
    finances_saved        BOOLEAN NOT NULL DEFAULT false,
    state_note            TEXT CHECK (length(state_note) <= 5000),
    created_by            UUID NOT NULL REFERENCES users (id),
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    first_submitted_at    TIMESTAMPTZ,
    submitted_at          TIMESTAMPTZ,
    approved_at           TIMESTAMPTZ,
    approved_by           UUID REFERENCES users (id),
    CONSTRAINT reports_used_within_received CHECK (
        cost_personnel + cost_services + cost_travel + cost_other <= received
    ),
    CONSTRAINT reports_version_key UNIQUE (year, organisation_id, version),
    CONSTRAINT reports_submitted_when_filed CHECK (state = 'draft' OR (submitted_at IS NOT NULL AND finances_saved)),
    CONSTRAINT reports_approved_when_approved CHECK (
        (state = 'approved') = (approved_at IS NOT NULL AND approved_by IS NOT NULL)
    )
);
-- One report per actor and year: older versions are kept, one is current.
CREATE UNIQUE INDEX reports_one_per_actor_and_year ON reports (year, organisation_id) WHERE current;

-- Only for a year with a payout, and the received amount is what was paid out.
CREATE FUNCTION report_matches_payout() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    paid NUMERIC(14, 2);
BEGIN
    SELECT p.paid_amount INTO paid
    FROM payouts p JOIN requisitions r ON r.id = p.requisition_id
    WHERE p.id = NEW.payout_id AND p.state = 'paid'
      AND r.year = NEW.year AND r.organisation_id = NEW.organisation_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no paid payout % for this actor and year', NEW.payout_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'reports_for_a_payout';
    END IF;
    IF NEW.received <> paid THEN
        RAISE EXCEPTION 'received % is not the paid %', NEW.received, paid
            USING ERRCODE = 'check_violation', CONSTRAINT = 'reports_received_is_paid';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER reports_match_payout BEFORE INSERT OR UPDATE ON reports
    FOR EACH ROW EXECUTE FUNCTION report_matches_payout();

CREATE TABLE report_activities (
    id            UUID PRIMARY KEY,
    report_id     UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    title         TEXT NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    description   TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    held          TEXT NOT NULL CHECK (length(btrim(held)) BETWEEN 1 AND 100),
    sub_goals     TEXT[] NOT NULL CHECK (
        cardinality(sub_goals) >= 1
        AND sub_goals <@ ARRAY['kompetens', 'trygghet', 'innovation', 'ledning', 'infrastruktur']
    ),
    kind          activity_kind NOT NULL,
    partners      TEXT NOT NULL DEFAULT '' CHECK (length(partners) <= 1000),
    participants  INTEGER NOT NULL CHECK (participants BETWEEN 0 AND 1000000)
);
CREATE INDEX report_activities_report ON report_activities (report_id, position);

-- Attachments live with the report, in the database; at most 10 MB each.
CREATE TABLE report_attachments (
    id            UUID PRIMARY KEY,
    report_id     UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    filename      TEXT NOT NULL CHECK (length(btrim(filename)) BETWEEN 1 AND 255),
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    sha256        TEXT NOT NULL,
    bytes         BYTEA NOT NULL CHECK (length(bytes) = size),
    uploaded_by   UUID NOT NULL REFERENCES users (id),
    uploaded_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX report_attachments_report ON report_attachments (report_id);

CREATE TABLE report_messages (
    id          UUID PRIMARY KEY,
    report_id   UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    author_id   UUID NOT NULL REFERENCES users (id),
    body        TEXT NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 5000),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX report_messages_report ON report_messages (report_id, created_at);
