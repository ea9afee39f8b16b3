-- The foundation: organisations, the programme (periods, actors, years), users,
-- sessions and the audit trail.

CREATE TYPE user_role AS ENUM ('coordinator', 'case_officer', 'approver', 'admin');
CREATE TYPE budget_state AS ENUM ('pending', 'decided');

-- An organisation outlives the periods it takes part in (a landsting became a region).
CREATE TABLE organisations (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    org_number  TEXT UNIQUE CHECK (org_number ~ '^[0-9]{6}-[0-9]{4}$'),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT organisations_name_key UNIQUE (name)
);

CREATE TABLE periods (
    id               UUID PRIMARY KEY,
    decision_number  TEXT NOT NULL CHECK (length(btrim(decision_number)) BETWEEN 1 AND 50),
    decision_date    DATE NOT NULL,
    title            TEXT NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    ministry         TEXT NOT NULL CHECK (length(btrim(ministry)) BETWEEN 1 AND 200),
    first_year       INTEGER NOT NULL CHECK (first_year BETWEEN 2000 AND 2100),
    last_year        INTEGER NOT NULL CHECK (last_year BETWEEN 2000 AND 2100),
    CONSTRAINT periods_decision_number_key UNIQUE (decision_number),
    CONSTRAINT periods_years_order CHECK (first_year <= last_year),
    -- Periods never overlap: every programme year belongs to exactly one period.
    CONSTRAINT periods_no_overlap EXCLUDE USING gist (int4range(first_year, last_year, '[]') WITH &&)
);

-- An actor is an organisation's participation in a period, under the name it had then.
CREATE TABLE period_actors (
    period_id        UUID NOT NULL REFERENCES periods (id) ON DELETE CASCADE,
    organisation_id  UUID NOT NULL REFERENCES organisations (id),
    actor_name       TEXT NOT NULL CHECK (length(btrim(actor_name)) BETWEEN 1 AND 200),
    PRIMARY KEY (period_id, organisation_id)
);

CREATE TABLE programme_years (
    year                          INTEGER PRIMARY KEY,
    period_id                     UUID NOT NULL REFERENCES periods (id) ON DELETE CASCADE,
    cap_per_actor                 NUMERIC(14, 2) NOT NULL CHECK (cap_per_actor > 0 AND cap_per_actor <= 100000000),
    budget_state                  budget_state NOT NULL DEFAULT 'pending',
    requisition_deadline          DATE NOT NULL,
    report_deadline               DATE NOT NULL,
    repayment_deadline            DATE NOT NULL,
    agency_requisition_deadline   DATE NOT NULL,
    agency_repayment_deadline     DATE NOT NULL,
    summary_deadline              DATE NOT NULL,
    CONSTRAINT programme_years_deadline_order CHECK (
        requisition_deadline < report_deadline
        AND report_deadline <= repayment_deadline
        AND repayment_deadline <= agency_repayment_deadline
        AND agency_repayment_deadline <= summary_deadline
    )
);

-- A year must lie inside its period.
CREATE FUNCTION programme_year_in_period() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM periods p
                   WHERE p.id = NEW.period_id AND NEW.year BETWEEN p.first_year AND p.last_year) THEN
        RAISE EXCEPTION 'year % is outside its period', NEW.year
            USING ERRCODE = 'check_violation', CONSTRAINT = 'programme_years_in_period';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER programme_years_in_period BEFORE INSERT OR UPDATE ON programme_years
    FOR EACH ROW EXECUTE FUNCTION programme_year_in_period();

CREATE FUNCTION period_years_cover_programme_years() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM programme_years y
               WHERE y.period_id = NEW.id AND y.year NOT BETWEEN NEW.first_year AND NEW.last_year) THEN
        RAISE EXCEPTION 'period % would leave programme years outside it', NEW.decision_number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'programme_years_in_period';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER periods_cover_years BEFORE UPDATE ON periods
    FOR EACH ROW EXECUTE FUNCTION period_years_cover_programme_years();

CREATE TABLE users (
    id               UUID PRIMARY KEY,
    email            TEXT NOT NULL CHECK (email = lower(btrim(email)) AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    name             TEXT NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    role             user_role NOT NULL,
    organisation_id  UUID REFERENCES organisations (id),
    password_hash    TEXT,
    active           BOOLEAN NOT NULL DEFAULT true,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    -- A coordinator belongs to exactly one organisation; Tillväxtverket's staff to none.
    CONSTRAINT users_coordinator_has_organisation
        CHECK ((role = 'coordinator') = (organisation_id IS NOT NULL))
);

-- One-time links to set a password. Only a hash of the token is stored.
CREATE TABLE password_tokens (
    token_hash  BYTEA PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);

-- Server-side sessions. The cookie carries the id; only its hash is stored.
CREATE TABLE sessions (
    id_hash       BYTEA PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Failed logins, to slow down guessing per account and per address.
CREATE TABLE login_failures (
    id          BIGSERIAL PRIMARY KEY,
    email       TEXT NOT NULL,
    ip          TEXT NOT NULL,
    failed_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email ON login_failures (email, failed_at);
CREATE INDEX login_failures_ip ON login_failures (ip, failed_at);

-- Who did what to which record, when, with the state before and after.
-- Written in the same transaction as the change; never updated or deleted.
CREATE TABLE audit_log (
    id             BIGSERIAL PRIMARY KEY,
    at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_user_id  UUID REFERENCES users (id),
    action         TEXT NOT NULL,
    entity         TEXT NOT NULL,
    entity_id      TEXT NOT NULL,
    before         JSONB,
    after          JSONB
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
