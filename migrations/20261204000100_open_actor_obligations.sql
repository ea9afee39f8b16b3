-- What an actor still has to do, written once (issue 29). The reminders and the calendar
-- (`mail::db::open_obligations`) and the coordinator's start page (`start::db::open_years`)
-- read this one function, so a rule of when a step is open can't differ between them:
-- - a requisition not filed (submitted, approved or rejected), for a year whose budget is
--   decided, until its deadline and within its year;
-- - a report not submitted, for funds requisitioned and paid (`requisitioned_funds`), due
--   the later of the deadline and the payout;
-- - a repayment with something left to pay (owed, less what was paid in, plus refunds paid
--   back), due by the actor's repayment deadline;
-- none of them more than a year past its deadline. Deadlines include the actor's extension
-- (`actor_deadlines`). A plain SQL function: the planner inlines it, so one organisation's
-- question reads that organisation's rows.
CREATE FUNCTION open_actor_obligations(p_today DATE)
RETURNS TABLE (kind TEXT, year INTEGER, organisation_id UUID, organisation TEXT,
               deadline DATE, amount NUMERIC)
LANGUAGE sql STABLE AS $$
    SELECT o.kind, o.year, o.organisation_id, o.organisation, o.deadline, o.amount
    FROM (
        SELECT 'requisition'::text AS kind, y.year, a.organisation_id,
               a.actor_name AS organisation, d.requisition_due AS deadline,
               NULL::numeric AS amount
        FROM programme_years y
        JOIN period_actors a ON a.period_id = y.period_id
        JOIN actor_deadlines d ON d.year = y.year AND d.organisation_id = a.organisation_id
        WHERE y.budget_state = 'decided'
          AND p_today <= make_date(y.year, 12, 31)
          AND d.requisition_due >= p_today
          AND NOT EXISTS (SELECT 1 FROM requisitions r
                          WHERE r.year = y.year AND r.organisation_id = a.organisation_id
                            AND r.state IN ('submitted', 'approved', 'rejected'))
      UNION ALL
        SELECT 'report', f.year, a.organisation_id, a.actor_name, f.report_late_after, NULL
        FROM requisitioned_funds f
        JOIN programme_years y ON y.year = f.year
        JOIN period_actors a ON a.period_id = y.period_id
             AND a.organisation_id = f.organisation_id
        WHERE NOT EXISTS (SELECT 1 FROM reports rep
                          WHERE rep.year = f.year AND rep.organisation_id = f.organisation_id
                            AND rep.state IN ('submitted', 'approved'))
      UNION ALL
        SELECT 'repayment', y.year, a.organisation_id, a.actor_name, d.repayment_due,
               ow.owed
               - (SELECT COALESCE(sum(COALESCE(q.received_amount, q.amount)), 0)
                  FROM repayment_payments q
                  WHERE q.year = y.year AND q.organisation_id = a.organisation_id)
               + (SELECT COALESCE(sum(x.amount), 0) FROM refunds x
                  WHERE x.year = y.year AND x.organisation_id = a.organisation_id
                    AND x.state = 'paid')
        FROM programme_years y
        JOIN period_actors a ON a.period_id = y.period_id
        JOIN actor_deadlines d ON d.year = y.year AND d.organisation_id = a.organisation_id
        JOIN repayment_owed_per_actor ow
             ON ow.year = y.year AND ow.organisation_id = a.organisation_id
    ) o
    WHERE o.deadline >= p_today - 365
      AND (o.kind <> 'repayment' OR o.amount > 0)
$$;
