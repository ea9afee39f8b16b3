-- Deadlines as Swedish law counts them (issue 30): under lag (1930:173) om beräkning av
-- lagstadgad tid, a deadline whose last day is a Saturday, a Sunday, another public
-- holiday, midsommarafton, julafton or nyårsafton may be met on the next weekday
-- (söndagsregeln). Whether the dates in a government decision are read so is
-- Tillväxtverket's call: a setting per period, on by default.
--
-- A year's six deadline columns keep their names and from now on hold the date that
-- counts (the effective date), so every query, page, mail, reminder, calendar feed and
-- overdue count reads it unchanged; each has a `<name>_decided` twin with the date as the
-- decision writes it. A trigger derives the one from the other: written is what a person
-- decides, derived is what the law makes of it.

-- The deferred constraint triggers (`programme_years_chain`, `periods_chain`) check at the
-- end of each statement here, so no trigger event is left pending when a table is altered
-- after it was updated.
SET CONSTRAINTS ALL IMMEDIATE;

ALTER TABLE periods ADD COLUMN sunday_rule BOOLEAN NOT NULL DEFAULT true;
COMMENT ON COLUMN periods.sunday_rule IS
    'Söndagsregeln, lag (1930:173) om beräkning av lagstadgad tid: a year''s deadline that falls on a Saturday, Sunday, public holiday, midsommarafton, julafton or nyårsafton moves to the next weekday. On by default; an administrator may turn it off for a period whose decision''s dates stand as written.';

-- Easter Sunday of a year in the Gregorian calendar (the anonymous algorithm: Meeus/Jones/
-- Butcher).
CREATE FUNCTION easter_sunday(p_year INTEGER) RETURNS DATE
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    a INTEGER := p_year % 19;
    b INTEGER := p_year / 100;
    c INTEGER := p_year % 100;
    d INTEGER := b / 4;
    e INTEGER := b % 4;
    f INTEGER := (b + 8) / 25;
    g INTEGER := (b - f + 1) / 3;
    h INTEGER := (19 * a + b - d - g + 15) % 30;
    i INTEGER := c / 4;
    k INTEGER := c % 4;
    l INTEGER := (32 + 2 * e + 2 * i - h - k) % 7;
    m INTEGER := (a + 11 * h + 22 * l) / 451;
BEGIN
    RETURN make_date(p_year, (h + l - 7 * m + 114) / 31, (h + l - 7 * m + 114) % 31 + 1);
END $$;

-- The days söndagsregeln names besides Saturdays and Sundays: the public holidays of lag
-- (1989:253) om allmänna helgdagar, and midsommarafton, julafton and nyårsafton.
CREATE FUNCTION swedish_holiday(p_day DATE) RETURNS BOOLEAN
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    y INTEGER := extract(year FROM p_day)::INTEGER;
    mo INTEGER := extract(month FROM p_day)::INTEGER;
    dm INTEGER := extract(day FROM p_day)::INTEGER;
    dow INTEGER := extract(isodow FROM p_day)::INTEGER;
    easter DATE := easter_sunday(extract(year FROM p_day)::INTEGER);
BEGIN
    RETURN (mo = 1 AND dm IN (1, 6))                          -- nyårsdagen, trettondedag jul
        OR p_day IN (easter - 2,                              -- långfredagen
                     easter,                                  -- påskdagen
                     easter + 1,                              -- annandag påsk
                     easter + 39,                             -- Kristi himmelsfärdsdag
                     easter + 49)                             -- pingstdagen
        OR (mo = 5 AND dm = 1)                                -- första maj
        OR (mo = 6 AND dm = 6)                                -- Sveriges nationaldag
        OR (mo = 6 AND dm BETWEEN 19 AND 25 AND dow = 5)      -- midsommarafton
        OR (mo = 6 AND dm BETWEEN 20 AND 26 AND dow = 6)      -- midsommardagen
        OR (dow = 6 AND p_day BETWEEN make_date(y, 10, 31)
                                  AND make_date(y, 11, 6))    -- alla helgons dag
        OR (mo = 12 AND dm IN (24, 25, 26, 31));              -- julafton, juldagen,
                                                              -- annandag jul, nyårsafton
END $$;
COMMENT ON FUNCTION swedish_holiday(DATE) IS
    'A Swedish public holiday (lag 1989:253), midsommarafton, julafton or nyårsafton; Saturdays and Sundays are not counted here.';

-- The day itself if it is a weekday (Monday–Friday) and no holiday, else the next such day.
CREATE FUNCTION next_weekday(p_day DATE) RETURNS DATE
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    d DATE := p_day;
BEGIN
    WHILE extract(isodow FROM d) >= 6 OR swedish_holiday(d) LOOP
        d := d + 1;
    END LOOP;
    RETURN d;
END $$;
COMMENT ON FUNCTION next_weekday(DATE) IS
    'Söndagsregeln, lag (1930:173): the day a deadline ending on p_day may be met.';

-- The date that counts for a date as decided, under the period's setting.
CREATE FUNCTION effective_deadline(p_decided DATE, p_sunday_rule BOOLEAN) RETURNS DATE
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_sunday_rule THEN next_weekday(p_decided) ELSE p_decided END
$$;

-- The dates as the decision writes them, taken from the columns as they stand.
ALTER TABLE programme_years
    ADD COLUMN requisition_deadline_decided DATE,
    ADD COLUMN report_deadline_decided DATE,
    ADD COLUMN repayment_deadline_decided DATE,
    ADD COLUMN agency_requisition_deadline_decided DATE,
    ADD COLUMN agency_repayment_deadline_decided DATE,
    ADD COLUMN summary_deadline_decided DATE;
UPDATE programme_years SET
    requisition_deadline_decided = requisition_deadline,
    report_deadline_decided = report_deadline,
    repayment_deadline_decided = repayment_deadline,
    agency_requisition_deadline_decided = agency_requisition_deadline,
    agency_repayment_deadline_decided = agency_repayment_deadline,
    summary_deadline_decided = summary_deadline;

-- The decided dates are in the decision's order, the same order as before; the dates that
-- count follow it (söndagsregeln never moves a later date before an earlier one, but may
-- move two to the same weekday).
ALTER TABLE programme_years
    ALTER COLUMN requisition_deadline_decided SET NOT NULL,
    ALTER COLUMN report_deadline_decided SET NOT NULL,
    ALTER COLUMN repayment_deadline_decided SET NOT NULL,
    ALTER COLUMN summary_deadline_decided SET NOT NULL,
    DROP CONSTRAINT programme_years_deadline_order,
    DROP CONSTRAINT programme_years_summary_after_repayment,
    ADD CONSTRAINT programme_years_deadline_order CHECK (
        requisition_deadline_decided < report_deadline_decided
        AND report_deadline_decided <= repayment_deadline_decided
        AND repayment_deadline_decided <= agency_repayment_deadline_decided
        AND agency_repayment_deadline_decided <= summary_deadline_decided
    ),
    ADD CONSTRAINT programme_years_summary_after_repayment
        CHECK (repayment_deadline_decided <= summary_deadline_decided),
    ADD CONSTRAINT programme_years_decided_agency_dates_together CHECK (
        (agency_requisition_deadline_decided IS NULL) = (agency_repayment_deadline_decided IS NULL)
    ),
    ADD CONSTRAINT programme_years_effective_order CHECK (
        requisition_deadline <= report_deadline
        AND report_deadline <= repayment_deadline
        AND repayment_deadline <= agency_repayment_deadline
        AND agency_repayment_deadline <= summary_deadline
        AND repayment_deadline <= summary_deadline
    );

COMMENT ON COLUMN programme_years.requisition_deadline IS
    'The date that counts: requisition_deadline_decided, moved by söndagsregeln when the period applies it (set by the trigger programme_years_sunday_rule).';
COMMENT ON COLUMN programme_years.report_deadline IS
    'The date that counts: report_deadline_decided, moved by söndagsregeln when the period applies it.';
COMMENT ON COLUMN programme_years.repayment_deadline IS
    'The date that counts: repayment_deadline_decided, moved by söndagsregeln when the period applies it.';
COMMENT ON COLUMN programme_years.agency_requisition_deadline IS
    'The date that counts: agency_requisition_deadline_decided, moved by söndagsregeln when the period applies it.';
COMMENT ON COLUMN programme_years.agency_repayment_deadline IS
    'The date that counts: agency_repayment_deadline_decided, moved by söndagsregeln when the period applies it.';
COMMENT ON COLUMN programme_years.summary_deadline IS
    'The date that counts: summary_deadline_decided, moved by söndagsregeln when the period applies it.';
COMMENT ON COLUMN programme_years.requisition_deadline_decided IS 'The requisition deadline as the decision writes it.';
COMMENT ON COLUMN programme_years.report_deadline_decided IS 'The report deadline as the decision writes it.';
COMMENT ON COLUMN programme_years.repayment_deadline_decided IS 'The repayment deadline as the decision writes it.';
COMMENT ON COLUMN programme_years.agency_requisition_deadline_decided IS 'Tillväxtverket''s requisition from Kammarkollegiet as the assignment writes it.';
COMMENT ON COLUMN programme_years.agency_repayment_deadline_decided IS 'Tillväxtverket''s repayment to Kammarkollegiet as the assignment writes it.';
COMMENT ON COLUMN programme_years.summary_deadline_decided IS 'The report to the Government as the assignment writes it.';

-- Every write derives the dates that count. A writer may give the decided date (the
-- administrator's form) or, as every writer did before, the date itself (the seed, the
-- operator, a person with psql): a date written without its decided twin is the decision's.
CREATE FUNCTION programme_year_sunday_rule() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rule BOOLEAN;
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.requisition_deadline_decided := COALESCE(NEW.requisition_deadline_decided, NEW.requisition_deadline);
        NEW.report_deadline_decided := COALESCE(NEW.report_deadline_decided, NEW.report_deadline);
        NEW.repayment_deadline_decided := COALESCE(NEW.repayment_deadline_decided, NEW.repayment_deadline);
        NEW.agency_requisition_deadline_decided :=
            COALESCE(NEW.agency_requisition_deadline_decided, NEW.agency_requisition_deadline);
        NEW.agency_repayment_deadline_decided :=
            COALESCE(NEW.agency_repayment_deadline_decided, NEW.agency_repayment_deadline);
        NEW.summary_deadline_decided := COALESCE(NEW.summary_deadline_decided, NEW.summary_deadline);
    ELSE
        IF NEW.requisition_deadline IS DISTINCT FROM OLD.requisition_deadline
           AND NEW.requisition_deadline_decided IS NOT DISTINCT FROM OLD.requisition_deadline_decided THEN
            NEW.requisition_deadline_decided := NEW.requisition_deadline;
        END IF;
        IF NEW.report_deadline IS DISTINCT FROM OLD.report_deadline
           AND NEW.report_deadline_decided IS NOT DISTINCT FROM OLD.report_deadline_decided THEN
            NEW.report_deadline_decided := NEW.report_deadline;
        END IF;
        IF NEW.repayment_deadline IS DISTINCT FROM OLD.repayment_deadline
           AND NEW.repayment_deadline_decided IS NOT DISTINCT FROM OLD.repayment_deadline_decided THEN
            NEW.repayment_deadline_decided := NEW.repayment_deadline;
        END IF;
        IF NEW.agency_requisition_deadline IS DISTINCT FROM OLD.agency_requisition_deadline
           AND NEW.agency_requisition_deadline_decided
               IS NOT DISTINCT FROM OLD.agency_requisition_deadline_decided THEN
            NEW.agency_requisition_deadline_decided := NEW.agency_requisition_deadline;
        END IF;
        IF NEW.agency_repayment_deadline IS DISTINCT FROM OLD.agency_repayment_deadline
           AND NEW.agency_repayment_deadline_decided
               IS NOT DISTINCT FROM OLD.agency_repayment_deadline_decided THEN
            NEW.agency_repayment_deadline_decided := NEW.agency_repayment_deadline;
        END IF;
        IF NEW.summary_deadline IS DISTINCT FROM OLD.summary_deadline
           AND NEW.summary_deadline_decided IS NOT DISTINCT FROM OLD.summary_deadline_decided THEN
            NEW.summary_deadline_decided := NEW.summary_deadline;
        END IF;
    END IF;
    SELECT p.sunday_rule INTO rule FROM periods p WHERE p.id = NEW.period_id;
    -- No such period: the foreign key refuses the row; until then, the default.
    rule := COALESCE(rule, true);
    NEW.requisition_deadline := effective_deadline(NEW.requisition_deadline_decided, rule);
    NEW.report_deadline := effective_deadline(NEW.report_deadline_decided, rule);
    NEW.repayment_deadline := effective_deadline(NEW.repayment_deadline_decided, rule);
    NEW.agency_requisition_deadline := effective_deadline(NEW.agency_requisition_deadline_decided, rule);
    NEW.agency_repayment_deadline := effective_deadline(NEW.agency_repayment_deadline_decided, rule);
    NEW.summary_deadline := effective_deadline(NEW.summary_deadline_decided, rule);
    RETURN NEW;
END $$;
CREATE TRIGGER programme_years_sunday_rule BEFORE INSERT OR UPDATE ON programme_years
    FOR EACH ROW EXECUTE FUNCTION programme_year_sunday_rule();

-- A period's setting changed: its years' dates are derived again (a row rewritten as it
-- is runs the trigger above). The programme cache is told by `programme_years_changed`
-- and `periods_changed` (NOTIFY at commit).
CREATE FUNCTION period_sunday_rule_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE programme_years SET requisition_deadline_decided = requisition_deadline_decided
    WHERE period_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER periods_sunday_rule AFTER UPDATE OF sunday_rule ON periods
    FOR EACH ROW WHEN (OLD.sunday_rule IS DISTINCT FROM NEW.sunday_rule)
    EXECUTE FUNCTION period_sunday_rule_changed();

-- Every existing year, derived once: the rule is on for every period to begin with.
UPDATE programme_years SET requisition_deadline_decided = requisition_deadline_decided;
