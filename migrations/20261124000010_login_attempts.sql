-- Every login attempt, written down as failed before it is checked and marked
-- afterwards, so that racing attempts can't slip past the count (src/auth/throttle.rs).
-- Replaces login_failures, which was written only after the slow check.
CREATE TYPE login_step AS ENUM ('password', 'second_factor');
CREATE TYPE login_outcome AS ENUM ('failed', 'passed', 'succeeded');

CREATE TABLE login_attempts (
    id            BIGSERIAL PRIMARY KEY,
    -- As typed (lower-cased): unknown addresses are slowed down like real ones.
    email         TEXT NOT NULL,
    -- An IPv4 address or an IPv6 /64.
    ip_bucket     TEXT NOT NULL,
    step          login_step NOT NULL,
    outcome       login_outcome NOT NULL DEFAULT 'failed',
    attempted_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_email ON login_attempts (email, attempted_at);
CREATE INDEX login_attempts_ip_bucket ON login_attempts (ip_bucket, attempted_at);

DROP TABLE login_failures;
