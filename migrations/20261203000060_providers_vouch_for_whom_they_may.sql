-- Providers vouch only for whom they may (issue 25). Each provider signs in the
-- organisations and e-mail domains an administrator lists (none until listed), staff only
-- when allowed (Tillväxtverket's own), and its report of more than one factor counts only
-- when trusted. A provider is made, or its issuer, client or trust changed, only when a
-- second administrator confirms the change (identity_provider_changes); switching one off
-- is at once. A first link by address waits until the person confirms it with their own
-- Digikoord password and code, or an administrator confirms it.
ALTER TABLE identity_providers
    ADD COLUMN organisations   UUID[] NOT NULL DEFAULT '{}',
    ADD COLUMN email_domains   TEXT[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(email_domains) <= 50),
    ADD COLUMN signs_in_staff  BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN trusts_mfa      BOOLEAN NOT NULL DEFAULT false;

-- The settings an administrator asks for; the provider takes them when another confirms.
CREATE TABLE identity_provider_changes (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The provider changed, or made by the confirmation (it does not exist before).
    provider_id     UUID NOT NULL,
    key             TEXT NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    display_name    TEXT NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 100),
    issuer_url      TEXT NOT NULL CHECK (issuer_url ~ '^https?://[^[:space:]]+$' AND length(issuer_url) <= 500),
    client_id       TEXT NOT NULL CHECK (length(btrim(client_id)) BETWEEN 1 AND 200),
    -- Sealed (src/secrets.rs); NULL: the secret kept stays.
    client_secret   TEXT CHECK (length(client_secret) BETWEEN 1 AND 2000),
    only_way_in     BOOLEAN NOT NULL,
    active          BOOLEAN NOT NULL,
    organisations   UUID[] NOT NULL,
    email_domains   TEXT[] NOT NULL CHECK (cardinality(email_domains) <= 50),
    signs_in_staff  BOOLEAN NOT NULL,
    trusts_mfa      BOOLEAN NOT NULL,
    state           role_grant_state NOT NULL DEFAULT 'pending',
    requested_by    UUID NOT NULL REFERENCES users (id),
    requested_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    decided_by      UUID REFERENCES users (id),
    decided_at      TIMESTAMPTZ,
    CONSTRAINT identity_provider_changes_decided CHECK (
        (state = 'pending') = (decided_by IS NULL) AND (decided_by IS NULL) = (decided_at IS NULL)),
    CONSTRAINT identity_provider_changes_four_eyes CHECK (state <> 'confirmed' OR decided_by <> requested_by)
);
CREATE UNIQUE INDEX identity_provider_changes_one_pending ON identity_provider_changes (provider_id)
    WHERE state = 'pending';
CREATE UNIQUE INDEX identity_provider_changes_one_pending_key ON identity_provider_changes (key)
    WHERE state = 'pending';

CREATE FUNCTION identity_provider_changes_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'provider change % is kept', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'identity_provider_changes_kept';
    END IF;
    IF TG_OP = 'UPDATE' AND (OLD.state <> 'pending'
            OR (to_jsonb(NEW) - ARRAY['state', 'decided_by', 'decided_at'])
               <> (to_jsonb(OLD) - ARRAY['state', 'decided_by', 'decided_at'])) THEN
        RAISE EXCEPTION 'provider change % is decided once', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'identity_provider_changes_decided_once';
    END IF;
    IF TG_OP = 'INSERT' AND NEW.state <> 'pending' THEN
        RAISE EXCEPTION 'a provider change is asked for, then decided'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'identity_provider_changes_decided_once';
    END IF;
    IF EXISTS (
        SELECT 1 FROM (VALUES
            (CASE WHEN TG_OP = 'INSERT' THEN NEW.requested_by END), (NEW.decided_by)) AS who (id)
        WHERE who.id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = who.id AND u.role = 'admin' AND u.active)
    ) THEN
        RAISE EXCEPTION 'only an active administrator asks for or decides a provider change'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'identity_provider_changes_by_administrators';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER identity_provider_changes_guard
    BEFORE INSERT OR UPDATE OR DELETE ON identity_provider_changes
    FOR EACH ROW EXECUTE FUNCTION identity_provider_changes_guard();

-- The server writes a provider only in the transaction that confirms a change of it; it
-- may switch one off at once.
CREATE FUNCTION identity_providers_confirmed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_user <> 'digikoord_app' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.active AND NOT NEW.active
       AND (to_jsonb(NEW) - ARRAY['active', 'updated_at'])
           = (to_jsonb(OLD) - ARRAY['active', 'updated_at']) THEN
        RETURN NEW;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM identity_provider_changes c
                   WHERE c.provider_id = NEW.id AND c.state = 'confirmed' AND c.decided_at = now()) THEN
        RAISE EXCEPTION 'identity provider % is written only with a second administrator''s confirmation', NEW.key
            USING ERRCODE = 'check_violation', CONSTRAINT = 'identity_providers_confirmed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER identity_providers_confirmed BEFORE INSERT OR UPDATE ON identity_providers
    FOR EACH ROW EXECUTE FUNCTION identity_providers_confirmed();

-- A link made by address waits for confirmation: by the person (their Digikoord password
-- and code, in the browser that signed in: pending_hash is its cookie's hash) or by an
-- administrator. Links made before confirmation was asked stand as confirmed.
ALTER TABLE identity_links
    ADD COLUMN confirmed_at  TIMESTAMPTZ,
    ADD COLUMN confirmed_by  UUID REFERENCES users (id),
    ADD COLUMN pending_hash  BYTEA UNIQUE,
    ADD COLUMN pending_until TIMESTAMPTZ,
    -- The sign-in's ID token, for the session the confirmation starts (its logout hint).
    ADD COLUMN pending_id_token TEXT;
UPDATE identity_links SET confirmed_at = linked_at;
ALTER TABLE identity_links
    ADD CONSTRAINT identity_links_confirmed CHECK (
        (confirmed_by IS NULL OR confirmed_at IS NOT NULL)
        AND (confirmed_at IS NULL
             OR (pending_hash IS NULL AND pending_until IS NULL AND pending_id_token IS NULL)));
