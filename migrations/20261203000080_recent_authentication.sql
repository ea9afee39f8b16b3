-- OWASP ASVS level 2 (issue 25): when the session's person last proved who they are (the
-- login itself, or a password or code given again), for the sensitive actions that ask for a
-- fresh proof (src/auth/reauth.rs).
ALTER TABLE sessions ADD COLUMN authenticated_at TIMESTAMPTZ NOT NULL DEFAULT now();
