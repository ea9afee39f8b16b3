-- Set-password and reset links are never kept readable (issue 25): a mail that carries one
-- keeps its whole text sealed (sealed_text, sealed_html: see src/secrets.rs) for the sender
-- only, while it waits; what the pages show, the log writes and a resend copies is the text
-- with the link left out. Once the mail has left (or was given up), the sealed text is gone.
ALTER TABLE outbox ADD COLUMN sealed_text TEXT, ADD COLUMN sealed_html TEXT;

-- Mails kept before: those still waiting keep their text to send (sealed at the next start);
-- every copy anyone can read loses its link.
UPDATE outbox SET
    sealed_text = CASE WHEN state = 'queued' THEN body_text END,
    sealed_html = CASE WHEN state = 'queued' THEN body_html END,
    body_text = regexp_replace(body_text, '[^[:space:]"<>]*/losenord/[^[:space:]"<>]*',
                               '(länken visas bara i e-postmeddelandet)', 'g'),
    body_html = regexp_replace(body_html, '[^[:space:]"<>]*/losenord/[^[:space:]"<>]*',
                               '#', 'g')
WHERE kind = 'password';

ALTER TABLE outbox
    ADD CONSTRAINT outbox_links_never_readable CHECK (
        kind <> 'password' OR (body_text NOT LIKE '%/losenord/%' AND body_html NOT LIKE '%/losenord/%')),
    ADD CONSTRAINT outbox_sealed_only_while_waiting CHECK (
        state = 'queued' OR (sealed_text IS NULL AND sealed_html IS NULL)),
    ADD CONSTRAINT outbox_sealed_together CHECK ((sealed_text IS NULL) = (sealed_html IS NULL));
