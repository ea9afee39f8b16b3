-- The per-actor functions as PL/pgSQL, whose plans PostgreSQL keeps per session: as
-- LANGUAGE sql functions that cannot be inlined they were planned afresh at every call,
-- about 0.2 ms each, many times per page (issue 14). Same answers, same signatures.
CREATE OR REPLACE FUNCTION repayment_owed(p_year INTEGER, p_organisation UUID) RETURNS NUMERIC
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT CASE WHEN state = 'approved' THEN unused ELSE submitted_unused END
            FROM reports
            WHERE year = p_year AND organisation_id = p_organisation AND state <> 'draft'
            ORDER BY state = 'approved' DESC, version DESC LIMIT 1);
END
$$;

CREATE OR REPLACE FUNCTION repayment_opened_on(p_year INTEGER, p_organisation UUID) RETURNS DATE
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT (min(first_submitted_at) AT TIME ZONE 'Europe/Stockholm')::date FROM reports
            WHERE year = p_year AND organisation_id = p_organisation);
END
$$;

CREATE OR REPLACE FUNCTION actor_deadline(p_year INTEGER, p_organisation UUID, p_deadline extended_deadline)
RETURNS DATE LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT GREATEST(
                CASE p_deadline WHEN 'requisition' THEN y.requisition_deadline
                                WHEN 'report' THEN y.report_deadline
                                ELSE y.repayment_deadline END,
                x.new_deadline)
            FROM programme_years y
            LEFT JOIN deadline_extensions x
                ON x.year = y.year AND x.organisation_id = p_organisation AND x.deadline = p_deadline
            WHERE y.year = p_year);
END
$$;

-- An organisation's places in the periods (the start page, the obligations).
CREATE INDEX period_actors_organisation ON period_actors (organisation_id);
