-- Issue 28: nothing typed is lost. A form posted after its session had ended is kept for the
-- user whose session it was: its fields url-encoded (without the CSRF token), the path it was
-- posted to and the page to come back to, for two hours (`auth::kept`). After signing in again
-- the same user's form page shows it once and it is deleted; it is never replayed.
CREATE TABLE kept_posts (
    id       BIGSERIAL PRIMARY KEY,
    user_id  UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    path     TEXT NOT NULL CONSTRAINT kept_posts_path_local
                 CHECK (left(path, 1) = '/' AND left(path, 2) <> '//' AND length(path) <= 2000),
    back_to  TEXT NOT NULL CONSTRAINT kept_posts_back_to_local
                 CHECK (left(back_to, 1) = '/' AND left(back_to, 2) <> '//' AND length(back_to) <= 2000),
    body     TEXT NOT NULL CONSTRAINT kept_posts_bounded CHECK (octet_length(body) <= 204800),
    kept_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX kept_posts_user ON kept_posts (user_id, path);
