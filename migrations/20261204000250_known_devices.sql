-- The devices each account has signed in from (issue 31, `src/auth/new_device.rs`): a
-- sign-in from one the account has not used before tells the person by mail. A device is
-- the random id in Digikoord's signed device cookie; only its SHA-256 is kept, never the id
-- or the cookie. The browser is kept as its User-Agent named it, trimmed, to say which one
-- it was; nothing else about the device.
CREATE TABLE known_devices (
    user_id        UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_hash    BYTEA NOT NULL CHECK (length(device_hash) = 32),
    first_seen_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    user_agent     TEXT CHECK (length(user_agent) <= 300 AND user_agent !~ '[[:cntrl:]]'),
    PRIMARY KEY (user_id, device_hash),
    CONSTRAINT known_devices_seen_in_order CHECK (first_seen_at <= last_seen_at)
);
