-- The thread between the region and Tillväxtverket on a year's repayment, keyed by the
-- year's approved requisition (the case the repayment belongs to).
CREATE TABLE repayment_messages (
    id              UUID PRIMARY KEY,
    requisition_id  UUID NOT NULL REFERENCES requisitions (id),
    author_id       UUID NOT NULL REFERENCES users (id),
    body            TEXT NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 5000),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX repayment_messages_requisition ON repayment_messages (requisition_id, created_at);
