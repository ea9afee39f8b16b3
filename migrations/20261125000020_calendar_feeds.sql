-- Each user's secret calendar link (/kalender/{token}.ics), one per user. Only a hash
-- of the token is stored; renewing replaces it, so the old link stops working at once.
-- The server's role gets its rights from src/db/server_role.sql, applied after every
-- migration.
CREATE TABLE calendar_feeds (
    user_id     UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash  BYTEA NOT NULL CHECK (length(token_hash) = 32),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT calendar_feeds_token_hash_key UNIQUE (token_hash)
);
