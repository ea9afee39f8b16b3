-- Signing in with one's own organisation's account (OpenID Connect, issue 17): the providers
-- an administrator configures, the links from a provider's subject to a Digikoord user, the
-- sign-ins under way, and which provider a session came from (for logging out there too).
-- Role and organisation stay on `users`: a provider never sets them.

CREATE TABLE identity_providers (
    id             UUID PRIMARY KEY,
    -- In the addresses: /logga-in/sso/{key} and its answer /logga-in/sso/{key}/svar.
    key            TEXT NOT NULL UNIQUE CHECK (key ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    display_name   TEXT NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 100),
    issuer_url     TEXT NOT NULL CHECK (issuer_url ~ '^https?://[^[:space:]]+$' AND length(issuer_url) <= 500),
    client_id      TEXT NOT NULL CHECK (length(btrim(client_id)) BETWEEN 1 AND 200),
    client_secret  TEXT NOT NULL CHECK (length(client_secret) BETWEEN 1 AND 500),
    -- Its users may not sign in with a password.
    only_way_in    BOOLEAN NOT NULL DEFAULT false,
    active         BOOLEAN NOT NULL DEFAULT true,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One user per subject and one subject per user at each provider.
CREATE TABLE identity_links (
    id            UUID PRIMARY KEY,
    provider_id   UUID NOT NULL REFERENCES identity_providers (id),
    subject       TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    user_id       UUID NOT NULL REFERENCES users (id),
    -- The verified address the first sign-in was linked by.
    email         TEXT NOT NULL,
    linked_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at  TIMESTAMPTZ,
    UNIQUE (provider_id, subject),
    UNIQUE (provider_id, user_id)
);
CREATE INDEX identity_links_user ON identity_links (user_id);

-- A sign-in under way, from the redirect to the provider to its answer, bound to the browser
-- that started it (the hash of a cookie's value). Used once.
CREATE TABLE identity_logins (
    browser_hash   BYTEA PRIMARY KEY,
    provider_id    UUID NOT NULL REFERENCES identity_providers (id) ON DELETE CASCADE,
    state          TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    pkce_verifier  TEXT NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL
);

ALTER TABLE sessions
    ADD COLUMN identity_provider UUID REFERENCES identity_providers (id) ON DELETE SET NULL,
    ADD COLUMN id_token TEXT;
