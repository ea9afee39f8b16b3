-- Issue 28: *Meddelanden* is where the conversations are. Who has read each case's thread,
-- and up to when: a message from someone else written after `read_at` is unread for them.
-- Opening the case page (or writing in its thread) moves `read_at` forward (`thread::mark_read`).
CREATE TYPE thread_kind AS ENUM ('requisition', 'report', 'repayment');

CREATE TABLE thread_reads (
    user_id         UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            thread_kind NOT NULL,
    -- The case the thread hangs on: the requisition (for a requisition's thread and for a
    -- year's repayment, which is kept by the year's approved requisition) or the report.
    case_id         UUID NOT NULL,
    requisition_id  UUID REFERENCES requisitions (id) ON DELETE CASCADE,
    report_id       UUID REFERENCES reports (id) ON DELETE CASCADE,
    read_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind, case_id),
    -- The case is in the table of its kind, so a read mark never points at nothing.
    CONSTRAINT thread_reads_case_of_its_kind CHECK (
        num_nonnulls(requisition_id, report_id) = 1
        AND COALESCE(requisition_id, report_id) = case_id
        AND (kind = 'report') = (report_id IS NOT NULL)
    )
);
