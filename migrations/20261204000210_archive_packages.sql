-- The archive package of a closed programme year (issue 31): an E-ARK SIP (CSIP/SIP 2.1, as
-- Riksarkivet's FGS Paketstruktur 2.0 takes them up) made by an administrator's button or by
-- the operator's command `digikoord archive make`. Each package is kept whole with its
-- checksum, as the record of what was delivered to the archive: never changed, never removed.

CREATE TABLE archive_packages (
    id          UUID PRIMARY KEY,
    year        INTEGER NOT NULL REFERENCES programme_years (year),
    -- The package's identity: its METS OBJID and the name of its one root folder.
    package_id  TEXT NOT NULL CHECK (package_id ~ '^[a-z0-9-]{1,100}$'),
    filename    TEXT NOT NULL CHECK (length(btrim(filename)) BETWEEN 1 AND 255),
    sha256      TEXT NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size        BIGINT NOT NULL CHECK (size > 0),
    bytes       BYTEA NOT NULL CHECK (length(bytes) = size),
    -- The documents and attachments in it.
    documents   INTEGER NOT NULL CHECK (documents >= 0),
    -- NULL: made by the operator's command, not by a user.
    made_by     UUID REFERENCES users (id),
    made_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT archive_packages_package_id_key UNIQUE (package_id)
);
CREATE INDEX archive_packages_year ON archive_packages (year, made_at);

CREATE FUNCTION archive_package_is_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'archive packages are kept as they were made'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'archive_packages_kept';
END $$;
CREATE TRIGGER archive_packages_kept BEFORE UPDATE OR DELETE ON archive_packages
    FOR EACH ROW EXECUTE FUNCTION archive_package_is_kept();
CREATE TRIGGER archive_packages_not_truncated BEFORE TRUNCATE ON archive_packages
    FOR EACH STATEMENT EXECUTE FUNCTION archive_package_is_kept();

-- An administrator's request for a year's package: the package is made in the background
-- (its documents are laid out as PDF/A one by one, minutes for a whole year), and the request
-- ends once, with the package or with why it failed.
CREATE TABLE archive_requests (
    id            UUID PRIMARY KEY,
    year          INTEGER NOT NULL REFERENCES programme_years (year),
    requested_by  UUID NOT NULL REFERENCES users (id),
    requested_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at   TIMESTAMPTZ,
    package       UUID REFERENCES archive_packages (id),
    failure       TEXT CHECK (length(btrim(failure)) BETWEEN 1 AND 2000),
    CONSTRAINT archive_requests_end_once CHECK (
        (finished_at IS NULL AND package IS NULL AND failure IS NULL)
        OR (finished_at IS NOT NULL AND ((package IS NULL) <> (failure IS NULL)))
    )
);
-- One package of a year in the making at a time.
CREATE UNIQUE INDEX archive_requests_one_running ON archive_requests (year)
    WHERE finished_at IS NULL;

-- A request that has ended stays as it ended.
CREATE FUNCTION archive_request_ends_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.finished_at IS NOT NULL THEN
        RAISE EXCEPTION 'archive request % has ended', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'archive_requests_end_once';
    END IF;
    IF NEW.id <> OLD.id OR NEW.year <> OLD.year OR NEW.requested_by <> OLD.requested_by
       OR NEW.requested_at <> OLD.requested_at THEN
        RAISE EXCEPTION 'archive request % is kept as it was asked for', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'archive_requests_end_once';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER archive_requests_end_once BEFORE UPDATE OR DELETE ON archive_requests
    FOR EACH ROW EXECUTE FUNCTION archive_request_ends_once();
