-- The coordinators' network: a directory of every actor's coordinators and contacts,
-- network meetings and competence-development events with their documents, who the
-- regions register and who came, and Tillväxtverket's contact person.

-- One entry per person. A coordinator's entry (user_id) is made with the account and kept
-- by the coordinator; its organisation is the account's. A contact who is not a user is
-- added by an administrator and names its organisation.
CREATE TABLE network_contacts (
    id               UUID PRIMARY KEY,
    user_id          UUID UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    organisation_id  UUID REFERENCES organisations (id),
    name             TEXT NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    title            TEXT NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    email            TEXT NOT NULL CHECK (email = lower(btrim(email)) AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    phone            TEXT NOT NULL DEFAULT '' CHECK (phone ~ '^[0-9 +()-]{0,40}$'),
    updated_by       UUID REFERENCES users (id),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT network_contacts_user_or_organisation
        CHECK ((user_id IS NULL) = (organisation_id IS NOT NULL))
);

-- Every coordinator has an entry from the start, with the account's name and address.
CREATE FUNCTION network_contact_for_coordinator() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role = 'coordinator' THEN
        INSERT INTO network_contacts (id, user_id, name, email)
        VALUES (gen_random_uuid(), NEW.id, NEW.name, NEW.email)
        ON CONFLICT (user_id) DO NOTHING;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER users_network_contact AFTER INSERT OR UPDATE OF role ON users
    FOR EACH ROW EXECUTE FUNCTION network_contact_for_coordinator();
INSERT INTO network_contacts (id, user_id, name, email)
    SELECT gen_random_uuid(), id, name, email FROM users WHERE role = 'coordinator';

-- Tillväxtverket's contact for the regions, kept by an administrator. One row.
CREATE TABLE network_settings (
    id             BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    contact_name   TEXT CHECK (length(btrim(contact_name)) BETWEEN 1 AND 200),
    contact_email  TEXT CHECK (contact_email = lower(btrim(contact_email)) AND contact_email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    updated_by     UUID REFERENCES users (id),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT network_settings_contact_whole CHECK ((contact_name IS NULL) = (contact_email IS NULL))
);
INSERT INTO network_settings DEFAULT VALUES;

CREATE TYPE network_event_kind AS ENUM ('meeting', 'competence');

-- A meeting or event, in Swedish local time (Europe/Stockholm) as it is announced.
CREATE TABLE network_events (
    id          UUID PRIMARY KEY,
    kind        network_event_kind NOT NULL,
    title       TEXT NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    day         DATE NOT NULL CHECK (day BETWEEN '1900-01-01' AND '2100-12-31'),
    starts      TIME NOT NULL,
    ends        TIME NOT NULL,
    place       TEXT NOT NULL DEFAULT '' CHECK (length(place) <= 300),
    link        TEXT NOT NULL DEFAULT '' CHECK (length(link) <= 500 AND (link = '' OR link ~ '^https?://[^[:space:]]+$')),
    agenda      TEXT NOT NULL DEFAULT '' CHECK (length(agenda) <= 10000),
    created_by  UUID NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by  UUID REFERENCES users (id),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT network_events_time_order CHECK (starts < ends),
    CONSTRAINT network_events_place_or_link CHECK (btrim(place) <> '' OR link <> '')
);
CREATE INDEX network_events_day ON network_events (day);

CREATE TABLE network_event_documents (
    id            UUID PRIMARY KEY,
    event_id      UUID NOT NULL REFERENCES network_events (id) ON DELETE CASCADE,
    filename      TEXT NOT NULL CHECK (length(btrim(filename)) BETWEEN 1 AND 255),
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    sha256        TEXT NOT NULL,
    bytes         BYTEA NOT NULL CHECK (length(bytes) = size),
    uploaded_by   UUID NOT NULL REFERENCES users (id),
    uploaded_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX network_event_documents_event ON network_event_documents (event_id);

-- Who a region registers for an event (the coordinator or a colleague), and afterwards
-- whether they came, as Tillväxtverket records it.
CREATE TABLE network_registrations (
    id               UUID PRIMARY KEY,
    event_id         UUID NOT NULL REFERENCES network_events (id) ON DELETE CASCADE,
    organisation_id  UUID NOT NULL REFERENCES organisations (id),
    name             TEXT NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    email            TEXT NOT NULL CHECK (email = lower(btrim(email)) AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    registered_by    UUID NOT NULL REFERENCES users (id),
    registered_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    attended         BOOLEAN,
    recorded_by      UUID REFERENCES users (id),
    recorded_at      TIMESTAMPTZ,
    CONSTRAINT network_registrations_once UNIQUE (event_id, email),
    CONSTRAINT network_registrations_recorded CHECK ((attended IS NULL) = (recorded_by IS NULL))
);
CREATE INDEX network_registrations_event ON network_registrations (event_id);
