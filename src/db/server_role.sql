-- The server runs as digikoord_app: it reads and writes data but cannot change the
-- schema, and cannot update, delete or truncate the audit log or kept exports.
-- Applied by the owner (who runs the migrations) after every migration and restore;
-- every statement is idempotent. Roles are cluster-wide.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'digikoord_app') THEN
        CREATE ROLE digikoord_app NOLOGIN;
    END IF;
END $$;
-- The owner may SET ROLE to it (a superuser may anyway).
GRANT digikoord_app TO CURRENT_USER;

GRANT USAGE ON SCHEMA public TO digikoord_app;
REVOKE CREATE ON SCHEMA public FROM digikoord_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO digikoord_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO digikoord_app;

REVOKE ALL ON _sqlx_migrations FROM digikoord_app;
-- The views say what the tables hold; they are read, never written through — but the
-- mail sender locks the queue's rows it takes (SELECT … FOR UPDATE needs UPDATE).
REVOKE INSERT, UPDATE, DELETE, TRUNCATE
    ON report_owed, repayment_owed_per_actor, actor_deadlines, live_payouts, requisitioned_funds
    FROM digikoord_app;
REVOKE INSERT, DELETE, TRUNCATE ON mail_queue FROM digikoord_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM digikoord_app;
REVOKE UPDATE, DELETE, TRUNCATE ON summary_exports FROM digikoord_app;
-- Marking an export submitted is the one change allowed (its trigger keeps it so).
GRANT UPDATE (submitted_at, submitted_by) ON summary_exports TO digikoord_app;
-- A refund, once prepared, is a record of money: it moves forward, never away.
REVOKE DELETE, TRUNCATE ON refunds FROM digikoord_app;
-- Issue 31. Decision records and a case's kept PDF/A are frozen (their triggers let a
-- confirmed disposal run delete, nothing else); so are archive packages and the disposal
-- log. The registrar's cases are a view.
REVOKE UPDATE, DELETE, TRUNCATE ON decision_records, case_document_pdfs FROM digikoord_app;
REVOKE UPDATE, DELETE, TRUNCATE ON archive_packages FROM digikoord_app;
REVOKE DELETE, TRUNCATE ON archive_requests FROM digikoord_app;
REVOKE UPDATE, DELETE, TRUNCATE ON disposal_log FROM digikoord_app;
REVOKE DELETE, TRUNCATE ON disposal_items, disposal_runs, legal_holds, retention_kinds FROM digikoord_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON registry_cases FROM digikoord_app;
-- A diarienummer, a request for public documents and the documents listed on it are kept
-- (corrected, reviewed and decided; never removed): no kind of retention disposes of them.
REVOKE DELETE, TRUNCATE ON registry_entries, disclosure_requests, disclosure_documents FROM digikoord_app;
REVOKE UPDATE, DELETE, TRUNCATE ON privacy_confirmations FROM digikoord_app;
