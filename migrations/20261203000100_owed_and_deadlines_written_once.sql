-- Two rules every page and document leans on, each written once here and joined by every
-- query that needs it (issue 26). Before, each had a function and inline copies.

-- What a report version says is owed: its approved figure once approved, else what the
-- region said when it submitted it. Drafts say nothing yet.
CREATE VIEW report_owed AS
SELECT id, year, organisation_id, version, state, submitted_at, approved_at,
       CASE WHEN state = 'approved' THEN unused ELSE submitted_unused END AS owed
FROM reports
WHERE state <> 'draft';

-- What a region owes for a year: what its latest approved report says, or, while none
-- is approved, its latest submitted one. Filtering on year and organisation reaches into
-- the view (they are its DISTINCT ON columns), so one actor's row reads that actor's
-- reports only.
CREATE VIEW repayment_owed_per_actor AS
SELECT DISTINCT ON (year, organisation_id)
       year, organisation_id, owed, state = 'approved' AS approved
FROM report_owed
ORDER BY year, organisation_id, state = 'approved' DESC, version DESC;

CREATE OR REPLACE FUNCTION repayment_owed(p_year INTEGER, p_organisation UUID) RETURNS NUMERIC
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT owed FROM repayment_owed_per_actor
            WHERE year = p_year AND organisation_id = p_organisation);
END
$$;

-- Each actor's three deadlines of a year: the year's own, the extension granted to the
-- actor (if any) and the day that counts, the later of the two.
CREATE VIEW actor_deadlines AS
SELECT y.year, a.organisation_id,
       xq.new_deadline AS requisition_extended_to,
       GREATEST(y.requisition_deadline, xq.new_deadline) AS requisition_due,
       xr.new_deadline AS report_extended_to,
       GREATEST(y.report_deadline, xr.new_deadline) AS report_due,
       xp.new_deadline AS repayment_extended_to,
       GREATEST(y.repayment_deadline, xp.new_deadline) AS repayment_due
FROM programme_years y
JOIN period_actors a ON a.period_id = y.period_id
LEFT JOIN deadline_extensions xq ON xq.year = y.year AND xq.organisation_id = a.organisation_id
      AND xq.deadline = 'requisition'
LEFT JOIN deadline_extensions xr ON xr.year = y.year AND xr.organisation_id = a.organisation_id
      AND xr.deadline = 'report'
LEFT JOIN deadline_extensions xp ON xp.year = y.year AND xp.organisation_id = a.organisation_id
      AND xp.deadline = 'repayment';

CREATE OR REPLACE FUNCTION actor_deadline(p_year INTEGER, p_organisation UUID, p_deadline extended_deadline)
RETURNS DATE LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT CASE p_deadline WHEN 'requisition' THEN requisition_due
                                   WHEN 'report' THEN report_due
                                   ELSE repayment_due END
            FROM actor_deadlines WHERE year = p_year AND organisation_id = p_organisation);
END
$$;

-- A requisition's payout: the one not sent back (a payout sent back is replaced by the
-- next one prepared; at most one is not: `payouts_one_per_requisition`).
CREATE VIEW live_payouts AS
SELECT * FROM payouts WHERE state <> 'sent_back';

-- Mail waiting to go out; the outbox's `outbox_due` index holds exactly these rows.
CREATE VIEW mail_queue AS
SELECT * FROM outbox WHERE state = 'queued';
