-- E-mail, written in the transaction of the event that causes it (src/mail/): a change
-- that rolls back sends nothing, a change that commits loses nothing. A sender inside
-- the server delivers what is queued and records how it went.

CREATE TYPE mail_kind AS ENUM ('notice', 'reminder', 'digest', 'password');
-- queued: waiting (again, after a failed attempt: see attempts and last_error);
-- sent: accepted by the SMTP server; failed: given up after repeated attempts;
-- logged: no SMTP server is configured, so it was written to the server's log.
CREATE TYPE mail_state AS ENUM ('queued', 'sent', 'failed', 'logged');

CREATE TABLE outbox (
    id               BIGSERIAL PRIMARY KEY,
    -- The recipient's account, when the recipient has one (a requisition's contact
    -- person may not).
    user_id          UUID REFERENCES users (id) ON DELETE SET NULL,
    to_address       TEXT NOT NULL CHECK (to_address ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND length(to_address) <= 200),
    to_name          TEXT NOT NULL DEFAULT '' CHECK (length(to_name) <= 200),
    kind             mail_kind NOT NULL,
    -- What caused it, e.g. requisition.returned or reminder.report.
    event            TEXT NOT NULL CHECK (length(event) BETWEEN 1 AND 100),
    subject          TEXT NOT NULL CHECK (length(btrim(subject)) BETWEEN 1 AND 300),
    body_text        TEXT NOT NULL,
    body_html        TEXT NOT NULL,
    -- A reminder's obligation and occasion: the same one is never queued twice for an address.
    occasion         TEXT CHECK (length(occasion) <= 300),
    state            mail_state NOT NULL DEFAULT 'queued',
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error       TEXT CHECK (length(last_error) <= 2000),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at          TIMESTAMPTZ,
    -- An administrator's resend is a new mail that names the one it repeats.
    resent_from      BIGINT REFERENCES outbox (id),
    CONSTRAINT outbox_sent_when_sent CHECK ((state IN ('sent', 'logged')) = (sent_at IS NOT NULL)),
    CONSTRAINT outbox_failure_explained CHECK (state <> 'failed' OR last_error IS NOT NULL)
);
CREATE UNIQUE INDEX outbox_once_per_occasion ON outbox (to_address, occasion) WHERE occasion IS NOT NULL;
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX outbox_user ON outbox (user_id, id);

-- A user may turn off reminders and digests; notices of decisions always go.
ALTER TABLE users ADD COLUMN reminders BOOLEAN NOT NULL DEFAULT true;

-- How many days before a deadline reminders go (besides on the day, and weekly while
-- overdue), set by an administrator. One row.
CREATE TABLE mail_settings (
    id             BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    reminder_days  INTEGER[] NOT NULL DEFAULT '{14,3}'
        CHECK (cardinality(reminder_days) <= 5 AND 0 < ALL (reminder_days) AND 120 >= ALL (reminder_days)),
    updated_by     UUID REFERENCES users (id),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO mail_settings DEFAULT VALUES;

-- Requests for a new password ("Glömt lösenord?"), counted to throttle them per typed
-- address and per client address whether or not the address has an account.
CREATE TABLE password_reset_requests (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT NOT NULL,
    ip_bucket     TEXT NOT NULL,
    requested_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX password_reset_requests_email ON password_reset_requests (email, requested_at);
CREATE INDEX password_reset_requests_ip ON password_reset_requests (ip_bucket, requested_at);
