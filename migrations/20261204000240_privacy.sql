-- Personal data (issue 31, `src/privacy/`): when an account was deactivated, whether its
-- personal data has been anonymised, and after how long that happens (an administrator's
-- setting, and when it was saved); an administrator's confirmation of an anonymisation; the
-- stable pseudonym that replaces a name and an address; and the narrow ways the append-only
-- audit log and the guards on staff accounts let an anonymisation through: for the one
-- account anonymised in the transaction, never on a flag alone. What Digikoord holds about
-- people, why and for how long is `src/privacy/inventory.rs`.

-- How many months after its deactivation an account's personal data is anonymised. NULL:
-- never (until an administrator decides). One row. `saved_at`: when the time was last
-- saved. The server's hourly run anonymises only accounts that became due after it; those
-- already due then wait for an administrator's confirmation (`privacy_confirmations`).
CREATE TABLE privacy_settings (
    id                      BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    anonymise_after_months  INTEGER CHECK (anonymise_after_months BETWEEN 1 AND 240),
    saved_by                UUID REFERENCES users (id),
    saved_at                TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO privacy_settings DEFAULT VALUES;

-- The server saves the time only as of now; a changed time is always dated now, whoever
-- changes it. The row stays.
CREATE FUNCTION privacy_settings_saved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'the setting for anonymisation is one row, kept'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'privacy_settings_kept';
    END IF;
    IF current_user = 'digikoord_app'
       OR NEW.anonymise_after_months IS DISTINCT FROM OLD.anonymise_after_months THEN
        NEW.saved_at := now();
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER privacy_settings_saved BEFORE UPDATE OR DELETE ON privacy_settings
    FOR EACH ROW EXECUTE FUNCTION privacy_settings_saved();

-- When the account was last deactivated (NULL while active, and for an account that was
-- never in use: a staff account waiting for its role); when its personal data was replaced
-- by the pseudonym. Accounts deactivated before this are dated by their audit entry.
ALTER TABLE users
    ADD COLUMN deactivated_at TIMESTAMPTZ,
    ADD COLUMN anonymised_at TIMESTAMPTZ;
UPDATE users u SET deactivated_at = (
    SELECT max(a.at) FROM audit_log a
    WHERE a.entity = 'user' AND a.entity_id = u.id::text AND a.action = 'user.deactivated')
WHERE NOT u.active;

-- Both are the schema's to write: a deactivation is dated as it happens, and only the
-- anonymisation (`privacy_anonymise_account`, as the schema's owner) marks an account
-- anonymised. The server can neither date a deactivation back (and so make an account due
-- early) nor mark or unmark an anonymisation.
CREATE FUNCTION users_deactivated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.active IS DISTINCT FROM OLD.active THEN
        IF NEW.active THEN
            NEW.deactivated_at := NULL;
        ELSE
            NEW.deactivated_at := now();
        END IF;
    ELSIF current_user = 'digikoord_app'
          AND NEW.deactivated_at IS DISTINCT FROM OLD.deactivated_at THEN
        RAISE EXCEPTION 'an account''s deactivation is dated as it happens'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'users_deactivated_at';
    END IF;
    IF current_user = 'digikoord_app' AND NEW.anonymised_at IS DISTINCT FROM OLD.anonymised_at THEN
        RAISE EXCEPTION 'an account is marked anonymised only by its anonymisation'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'users_anonymised_by_the_schema';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER users_deactivated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION users_deactivated_at();

-- The pseudonym is made from a hash of the account's id, so it is the same wherever it
-- stands and whenever it is made (`privacy::model::pseudonym` makes the same).
CREATE FUNCTION privacy_digest(p_user UUID) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(p_user::text, 'UTF8')), 'hex')
$$;
CREATE FUNCTION privacy_pseudonym(p_user UUID) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT 'Anonymiserad användare ' || upper(left(privacy_digest(p_user), 6))
$$;
CREATE FUNCTION privacy_pseudonym_email(p_user UUID) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT 'anonymiserad-' || left(privacy_digest(p_user), 16) || '@invalid.invalid'
$$;

-- An anonymised account stays so: shut, without a password, under its pseudonym.
ALTER TABLE users ADD CONSTRAINT users_anonymised_for_good CHECK (
    anonymised_at IS NULL OR (
        NOT active AND password_hash IS NULL
        AND name LIKE 'Anonymiserad användare %'
        AND email LIKE 'anonymiserad-%@invalid.invalid'));

-- Whether this transaction says it anonymises (`privacy::db::anonymise` says so with
-- set_config(…, true)). Anyone can say so: it is asked as well, never alone.
CREATE FUNCTION privacy_anonymising() RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT COALESCE(current_setting('digikoord.anonymising', true), '') = 'on'
$$;

-- Whether the account was anonymised in this very transaction: `privacy_anonymise_account`
-- dates it with the transaction's now(). What the guards below let through, for that
-- account only.
CREATE FUNCTION privacy_anonymised_now(p_user UUID) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM users u WHERE u.id = p_user AND u.anonymised_at = now())
$$;

-- ---- When an account is due ----

-- The Swedish day from which an account deactivated at `p_deactivated_at` is anonymised,
-- `p_months` later (the end of a shorter month when the day is not in it), as
-- `privacy::model::due_on` reckons it; NULL when either is missing.
CREATE FUNCTION privacy_due_on(p_deactivated_at TIMESTAMPTZ, p_months INTEGER) RETURNS DATE
LANGUAGE sql STABLE AS $$
    SELECT ((p_deactivated_at AT TIME ZONE 'Europe/Stockholm')::date
            + make_interval(months => p_months))::date
$$;

-- Today in Sweden, by the database's clock.
CREATE FUNCTION privacy_today() RETURNS DATE LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE 'Europe/Stockholm')::date
$$;

-- Whether a legal hold in force names the account (`legal_holds`, entity 'user'): it is
-- not anonymised while the hold lasts (a pending appeal, a request for documents).
CREATE FUNCTION privacy_held(p_user UUID) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM legal_holds h
                   WHERE h.entity = 'user' AND h.entity_id = p_user::text
                     AND h.released_at IS NULL)
$$;

-- Whether the account is due: shut, deactivated, not anonymised, and the administrator's
-- time since its deactivation has passed.
CREATE FUNCTION privacy_due(p_user UUID) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM users u, privacy_settings s
        WHERE u.id = p_user AND NOT u.active AND u.anonymised_at IS NULL
          AND privacy_due_on(u.deactivated_at, s.anonymise_after_months) <= privacy_today())
$$;

-- Whether it is due and became so after the time was last saved: what the server's hourly
-- run may take without anyone's confirmation.
CREATE FUNCTION privacy_due_automatically(p_user UUID) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM users u, privacy_settings s
        WHERE u.id = p_user AND NOT u.active AND u.anonymised_at IS NULL
          AND privacy_due_on(u.deactivated_at, s.anonymise_after_months) <= privacy_today()
          AND privacy_due_on(u.deactivated_at, s.anonymise_after_months)
              > (s.saved_at AT TIME ZONE 'Europe/Stockholm')::date)
$$;

-- An administrator's confirmation that a due account is anonymised now (the confirmation
-- page): written in the anonymisation's transaction, kept as it was given. The account's
-- anonymisation asks for it in that transaction (`privacy_confirmed_now`).
CREATE TABLE privacy_confirmations (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users (id),
    confirmed_by  UUID NOT NULL REFERENCES users (id),
    confirmed_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX privacy_confirmations_user ON privacy_confirmations (user_id, confirmed_at);

CREATE FUNCTION privacy_confirmations_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'a confirmation of an anonymisation is kept as it was given'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'privacy_confirmations_kept';
    END IF;
    NEW.confirmed_at := now();
    IF NOT EXISTS (SELECT 1 FROM users u
                   WHERE u.id = NEW.confirmed_by AND u.role = 'admin' AND u.active) THEN
        RAISE EXCEPTION 'only an active administrator confirms an anonymisation'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'privacy_confirmations_by_administrators';
    END IF;
    IF NOT privacy_due(NEW.user_id) OR privacy_held(NEW.user_id) THEN
        RAISE EXCEPTION 'user % is not due to be anonymised, or is under a legal hold', NEW.user_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'privacy_confirmations_of_due_accounts';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER privacy_confirmations_guard BEFORE INSERT OR UPDATE OR DELETE ON privacy_confirmations
    FOR EACH ROW EXECUTE FUNCTION privacy_confirmations_guard();
CREATE TRIGGER privacy_confirmations_not_truncated BEFORE TRUNCATE ON privacy_confirmations
    FOR EACH STATEMENT EXECUTE FUNCTION privacy_confirmations_guard();

-- Whether an administrator confirmed the account's anonymisation in this transaction.
CREATE FUNCTION privacy_confirmed_now(p_user UUID) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM privacy_confirmations c
                   WHERE c.user_id = p_user AND c.confirmed_at = now())
$$;

-- ---- Names and addresses ----

-- Every name and address the account has gone by: as it is now, its directory entry, its
-- identity links, a confirmed change of address, and what the audit log recorded of it.
CREATE FUNCTION privacy_known_names(p_user UUID) RETURNS TEXT[] LANGUAGE sql STABLE AS $$
    SELECT COALESCE(array_agg(DISTINCT btrim(k.n) ORDER BY btrim(k.n)), '{}')
    FROM (
        SELECT name AS n FROM users WHERE id = p_user
        UNION ALL SELECT name FROM network_contacts WHERE user_id = p_user
        UNION ALL SELECT v.n FROM audit_log a,
            LATERAL (VALUES (a.before ->> 'name'), (a.after ->> 'name')) AS v (n)
        WHERE a.entity = 'user' AND a.entity_id = p_user::text
    ) k
    WHERE k.n IS NOT NULL AND btrim(k.n) <> '' AND k.n NOT LIKE 'Anonymiserad användare %'
$$;
CREATE FUNCTION privacy_known_emails(p_user UUID) RETURNS TEXT[] LANGUAGE sql STABLE AS $$
    SELECT COALESCE(array_agg(DISTINCT lower(btrim(k.e)) ORDER BY lower(btrim(k.e))), '{}')
    FROM (
        SELECT email AS e FROM users WHERE id = p_user
        UNION ALL SELECT email FROM network_contacts WHERE user_id = p_user
        UNION ALL SELECT email FROM identity_links WHERE user_id = p_user
        UNION ALL SELECT new_email FROM account_requests
            WHERE user_id = p_user AND change = 'email' AND state = 'confirmed'
        UNION ALL SELECT v.e FROM audit_log a,
            LATERAL (VALUES (a.before ->> 'email'), (a.after ->> 'email')) AS v (e)
        WHERE a.entity = 'user' AND a.entity_id = p_user::text
    ) k
    WHERE k.e IS NOT NULL AND btrim(k.e) <> '' AND k.e NOT LIKE 'anonymiserad-%@invalid.invalid'
$$;

-- A text typed as it is meant, for a regular expression.
CREATE FUNCTION privacy_literal(p_text TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(p_text, '([][(){}.*+?^$|\\-])', '\\\1', 'g')
$$;

-- The names and addresses as HTML writes them (a mail's HTML body): `&`, `<`, `>`, a
-- quotation mark and an apostrophe escaped in each way the templates may escape them; only
-- the forms that differ from the text itself.
CREATE FUNCTION privacy_html_forms(p_needles TEXT[]) RETURNS TEXT[] LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(array_agg(DISTINCT f.form), '{}')
    FROM unnest(p_needles) AS n (needle)
    CROSS JOIN (VALUES ('&#x27;'), ('&#39;'), ('&apos;')) AS a (apos)
    CROSS JOIN (VALUES ('&quot;'), ('&#34;')) AS q (quot)
    CROSS JOIN LATERAL (
        SELECT replace(replace(replace(replace(replace(n.needle,
            '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', q.quot), '''', a.apos) AS form
    ) AS f
    WHERE n.needle IS NOT NULL AND f.form <> n.needle
$$;

-- Whether a text mentions any of the names or addresses, as written or as HTML writes them
-- (three characters at least, in any case): what a register extract looks for.
CREATE FUNCTION privacy_mentions(p_text TEXT, p_needles TEXT[]) RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_text IS NOT NULL AND EXISTS (
        SELECT 1 FROM unnest(COALESCE(p_needles, '{}') || privacy_html_forms(p_needles)) AS n (needle)
        WHERE length(btrim(n.needle)) >= 3 AND strpos(lower(p_text), lower(btrim(n.needle))) > 0)
$$;

-- Every string value in a JSON document, at any depth (never a key, a number or a truth).
CREATE FUNCTION privacy_json_strings(p_json JSONB) RETURNS SETOF TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT v #>> '{}' FROM jsonb_path_query(p_json, 'strict $.** ? (@.type() == "string")') AS v
$$;

-- Whether a string value of the document mentions any of the names or addresses. The
-- document's text is looked through first, which is quick and finds every value that
-- could (JSON writes a text as it is but for quotation marks, backslashes and control
-- characters; a needle holding one of those is looked for value by value only).
CREATE FUNCTION privacy_json_mentions(p_json JSONB, p_needles TEXT[]) RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_json IS NOT NULL
       AND (privacy_mentions(p_json::text, p_needles)
            OR EXISTS (SELECT 1 FROM unnest(p_needles) AS n (needle) WHERE n.needle ~ '["\\[:cntrl:]]'))
       AND EXISTS (
           SELECT 1 FROM privacy_json_strings(p_json) AS s (value)
           WHERE privacy_mentions(s.value, p_needles))
$$;

-- A text with the person's addresses and names replaced by the pseudonym's, as written or
-- as HTML writes them: an address where it stands as an address of its own (not inside a
-- longer one: "anna.mirja@x.se" is not "mirja@x.se"), a name where it stands as words of
-- its own (or with a genitive s) — a whole value equal to one, or one inside a text.
CREATE FUNCTION privacy_scrub(p_text TEXT, p_names TEXT[], p_emails TEXT[],
                              p_pseudonym TEXT, p_pseudonym_email TEXT)
RETURNS TEXT LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    result TEXT := p_text;
    needle TEXT;
BEGIN
    IF result IS NULL THEN
        RETURN NULL;
    END IF;
    FOREACH needle IN ARRAY COALESCE(p_emails, '{}') || privacy_html_forms(p_emails) LOOP
        IF length(btrim(needle)) >= 3 THEN
            result := regexp_replace(result,
                '(?<![[:alnum:]._%+-])' || privacy_literal(btrim(needle))
                    || '(?![[:alnum:]_-])(?!\.[[:alnum:]])',
                replace(p_pseudonym_email, '\', '\\'), 'gi');
        END IF;
    END LOOP;
    FOREACH needle IN ARRAY COALESCE(p_names, '{}') || privacy_html_forms(p_names) LOOP
        IF length(btrim(needle)) >= 3 THEN
            result := regexp_replace(result,
                '(?<![[:alnum:]_])' || privacy_literal(btrim(needle)) || '(s?)(?![[:alnum:]_])',
                replace(p_pseudonym, '\', '\\') || '\1', 'gi');
        END IF;
    END LOOP;
    RETURN result;
END $$;

-- The same inside JSON (the audit log's before and after), walked value by value: every
-- string value, at any depth, is scrubbed as a text of its own; keys, numbers, truths and
-- the document's shape stay as they are (the serialised text is never rewritten).
CREATE FUNCTION privacy_scrub_jsonb(p_json JSONB, p_names TEXT[], p_emails TEXT[],
                                    p_pseudonym TEXT, p_pseudonym_email TEXT)
RETURNS JSONB LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    result JSONB;
BEGIN
    CASE jsonb_typeof(p_json)
        WHEN 'string' THEN
            RETURN to_jsonb(privacy_scrub(p_json #>> '{}', p_names, p_emails,
                                          p_pseudonym, p_pseudonym_email));
        WHEN 'object' THEN
            SELECT COALESCE(jsonb_object_agg(e.key, privacy_scrub_jsonb(e.value, p_names, p_emails,
                                                                        p_pseudonym, p_pseudonym_email)),
                            '{}'::jsonb)
            INTO result
            FROM jsonb_each(p_json) AS e;
            RETURN result;
        WHEN 'array' THEN
            SELECT COALESCE(jsonb_agg(privacy_scrub_jsonb(e.value, p_names, p_emails,
                                                          p_pseudonym, p_pseudonym_email)
                                      ORDER BY e.n),
                            '[]'::jsonb)
            INTO result
            FROM jsonb_array_elements(p_json) WITH ORDINALITY AS e (value, n);
            RETURN result;
        ELSE
            RETURN p_json;
    END CASE;
END $$;

-- An audit entry's recorded values scrubbed; for the person's own entries (they did it, or
-- it is about their account) without the client addresses they came from.
CREATE FUNCTION privacy_scrub_json(p_json JSONB, p_names TEXT[], p_emails TEXT[],
                                   p_pseudonym TEXT, p_pseudonym_email TEXT, p_own BOOLEAN)
RETURNS JSONB LANGUAGE sql IMMUTABLE AS $$
    SELECT privacy_scrub_jsonb(
        CASE WHEN p_own AND jsonb_typeof(p_json) = 'object'
             THEN p_json - 'ip' - 'client' ELSE p_json END,
        p_names, p_emails, p_pseudonym, p_pseudonym_email)
$$;

-- ---- The anonymisation ----

-- The audit log stays append-only, but for an anonymisation: in the transaction that
-- anonymised an account, it may replace what an entry's before and after say (and an entity
-- id that was an address, by that account's pseudonymous address), nothing else.
CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND privacy_anonymising()
       AND EXISTS (SELECT 1 FROM users u WHERE u.anonymised_at = now())
       AND NEW.id = OLD.id AND NEW.at = OLD.at
       AND NEW.actor_user_id IS NOT DISTINCT FROM OLD.actor_user_id
       AND NEW.action = OLD.action AND NEW.entity = OLD.entity
       AND (NEW.entity_id = OLD.entity_id
            OR EXISTS (SELECT 1 FROM users u
                       WHERE u.anonymised_at = now()
                         AND privacy_pseudonym_email(u.id) = NEW.entity_id)) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END $$;

-- The one door to an anonymisation, for one account at a time, run as the schema's owner
-- (the server may not update the audit log at all, src/db/server_role.sql). It checks for
-- itself, whoever calls it: the transaction says it anonymises; the account is shut and
-- not yet anonymised; no legal hold names it; and either it became due after the time was
-- last saved (by the database's clock: what the hourly run may take) or an administrator
-- confirmed it in this same transaction. Then it replaces the account's name and address by
-- the pseudonym's, removes its password and marks it anonymised (once: the mark is what the
-- other guards let through, for this account, in this transaction), and rewrites the audit
-- log's recorded values that name the person. Returns how many audit entries changed; the
-- caller replaces what the other tables hold in the same transaction (`privacy::db`).
CREATE FUNCTION privacy_anonymise_account(p_user UUID) RETURNS INTEGER
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    account users%ROWTYPE;
    names TEXT[];
    emails TEXT[];
    pseudonym TEXT := privacy_pseudonym(p_user);
    pseudonym_email TEXT := privacy_pseudonym_email(p_user);
    changed INTEGER;
BEGIN
    IF NOT privacy_anonymising() THEN
        RAISE EXCEPTION 'an account is anonymised only in a transaction that says it anonymises'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'privacy_anonymised_only';
    END IF;
    SELECT * INTO account FROM users WHERE id = p_user FOR UPDATE;
    IF NOT FOUND OR account.active OR account.anonymised_at IS NOT NULL THEN
        RAISE EXCEPTION 'user % is not a shut account waiting to be anonymised', p_user
            USING ERRCODE = 'check_violation', CONSTRAINT = 'privacy_anonymised_once';
    END IF;
    IF privacy_held(p_user) THEN
        RAISE EXCEPTION 'user % is under a legal hold', p_user
            USING ERRCODE = 'check_violation', CONSTRAINT = 'privacy_not_while_held';
    END IF;
    IF NOT (privacy_due_automatically(p_user) OR privacy_confirmed_now(p_user)) THEN
        RAISE EXCEPTION 'user % became due before the time was saved, or is not due: an administrator confirms it', p_user
            USING ERRCODE = 'check_violation', CONSTRAINT = 'privacy_due_or_confirmed';
    END IF;
    -- Every name and address, read before any is replaced.
    names := privacy_known_names(p_user);
    emails := privacy_known_emails(p_user);

    UPDATE users SET name = pseudonym, email = pseudonym_email, password_hash = NULL,
        reminders = false, anonymised_at = now()
    WHERE id = p_user;

    -- An entry is the person's own when they did it, or it is about their account.
    UPDATE audit_log a SET
        before = privacy_scrub_json(a.before, names, emails, pseudonym, pseudonym_email,
            COALESCE(a.actor_user_id = p_user, false) OR (a.entity = 'user' AND a.entity_id = p_user::text)),
        after = privacy_scrub_json(a.after, names, emails, pseudonym, pseudonym_email,
            COALESCE(a.actor_user_id = p_user, false) OR (a.entity = 'user' AND a.entity_id = p_user::text)),
        entity_id = CASE WHEN lower(a.entity_id) = ANY (emails) THEN pseudonym_email ELSE a.entity_id END
    WHERE a.actor_user_id = p_user
       OR (a.entity = 'user' AND a.entity_id = p_user::text)
       OR lower(a.entity_id) = ANY (emails)
       OR privacy_json_mentions(a.before, names || emails)
       OR privacy_json_mentions(a.after, names || emails);
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END $$;

-- Likewise a staff member's second factor: removed with a confirmation, or with the rest of
-- the personal data of the account anonymised in this transaction — no other.
CREATE OR REPLACE FUNCTION second_factors_staff_reset_confirmed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_user = 'digikoord_app'
       AND EXISTS (SELECT 1 FROM users u WHERE u.id = OLD.user_id AND u.role <> 'coordinator')
       AND NOT account_change_confirmed_now(OLD.user_id, 'second_factor_reset', NULL)
       AND NOT (privacy_anonymising() AND privacy_anonymised_now(OLD.user_id)) THEN
        RAISE EXCEPTION 'a staff member''s second factor is reset only with a second administrator''s confirmation'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'second_factors_staff_reset_confirmed';
    END IF;
    RETURN OLD;
END $$;

-- A decided request for a second administrator is kept as it was; an anonymisation may only
-- replace an address asked for by the pseudonymous address of the account anonymised in
-- this transaction.
CREATE OR REPLACE FUNCTION second_administrator_request_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'account_requests' AND privacy_anonymising()
       AND EXISTS (SELECT 1 FROM users u
                   WHERE u.anonymised_at = now()
                     AND privacy_pseudonym_email(u.id) = to_jsonb(NEW) ->> 'new_email')
       AND (to_jsonb(NEW) - 'new_email') = (to_jsonb(OLD) - 'new_email') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% % is kept', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_kept';
    END IF;
    IF (TG_OP = 'INSERT' AND NEW.state <> 'pending')
       OR (TG_OP = 'UPDATE' AND (OLD.state <> 'pending'
           OR (to_jsonb(NEW) - ARRAY['state', 'decided_by', 'decided_at'])
              <> (to_jsonb(OLD) - ARRAY['state', 'decided_by', 'decided_at']))) THEN
        RAISE EXCEPTION '% % is asked for, then decided once', TG_TABLE_NAME, NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_decided_once';
    END IF;
    IF EXISTS (
        SELECT 1 FROM (VALUES
            (CASE WHEN TG_OP = 'INSERT' THEN NEW.requested_by END), (NEW.decided_by)) AS who (id)
        WHERE who.id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = who.id AND u.role = 'admin' AND u.active)
    ) THEN
        RAISE EXCEPTION 'only an active administrator asks for or decides a % row', TG_TABLE_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_by_administrators';
    END IF;
    RETURN NEW;
END $$;
