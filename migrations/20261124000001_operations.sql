-- Operating for real: demo users (published password) are marked, so a start without
-- demo data can deactivate them. The server's database role and its grants are in
-- src/db/server_role.sql, applied by the owner after every migration and restore.
ALTER TABLE users ADD COLUMN demo BOOLEAN NOT NULL DEFAULT false;
