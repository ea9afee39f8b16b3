-- A report's declaration, like the requisition's, is part of the report (issue 28): who
-- declared that its figures are right and the funds used as the Government decided, and
-- when. Reports sent in before this (and imported history) carry none; from now on the
-- submission writes both, or neither is written.
ALTER TABLE reports
    ADD COLUMN declared_by UUID REFERENCES users (id),
    ADD COLUMN declared_at TIMESTAMPTZ,
    ADD CONSTRAINT reports_declared_whole CHECK ((declared_by IS NULL) = (declared_at IS NULL)),
    ADD CONSTRAINT reports_declared_when_sent CHECK (declared_at IS NULL OR submitted_at IS NOT NULL);
