-- The 26 March report reads as an agency's report: a summary and the assignment before the
-- figures, and a closing block naming who decided and who presented, all written by an
-- administrator with the year's other sections.
ALTER TABLE summary_sections
    ADD COLUMN summary TEXT NOT NULL DEFAULT '' CHECK (length(summary) <= 20000),
    ADD COLUMN assignment TEXT NOT NULL DEFAULT '' CHECK (length(assignment) <= 20000),
    ADD COLUMN decided_by TEXT NOT NULL DEFAULT ''
        CHECK (length(decided_by) <= 200 AND decided_by = btrim(decided_by)),
    ADD COLUMN presented_by TEXT NOT NULL DEFAULT ''
        CHECK (length(presented_by) <= 200 AND presented_by = btrim(presented_by));
