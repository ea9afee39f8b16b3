-- Two-step sign-in: a code from an authenticator app (TOTP, RFC 6238), required for
-- Tillväxtverket's staff and chosen by coordinators, with one-time recovery codes.

-- The secret is stored as the app is given it (base32), in plain text: encrypting it
-- at rest with a key kept outside the database is not done yet.
CREATE TABLE second_factors (
    user_id         UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    totp_secret     TEXT NOT NULL CHECK (totp_secret ~ '^[A-Z2-7]{26,}$'),
    -- The time step of the latest code accepted: a code is never accepted twice.
    last_used_step  BIGINT,
    enrolled_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Shown once at enrolment; only a hash is kept. Each works once.
CREATE TABLE recovery_codes (
    user_id    UUID NOT NULL REFERENCES second_factors (user_id) ON DELETE CASCADE,
    code_hash  BYTEA NOT NULL,
    used_at    TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);

-- A session whose password was right but whose second step is still to come: it opens
-- nothing but that step (src/auth/session.rs), and is replaced by a new session, with
-- a new id, once the step is passed. While enrolling, the not yet confirmed secret is
-- kept with the session, so a reload shows the same QR code.
ALTER TABLE sessions
    ADD COLUMN second_factor_pending BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN totp_setup_secret TEXT CHECK (totp_setup_secret ~ '^[A-Z2-7]{26,}$');
