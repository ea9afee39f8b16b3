-- A period carries its rules (issue 27): what differed between periods was written in Rust
-- (`if year <= 2020`, string constants); now it is the period's and the year's data, kept
-- by an administrator, each date and amount with the source it rests on.

-- The decisions. `decision_number`, `decision_date`, `ministry` and `title` are the
-- Government's decision to the actors (the offer or assignment: N2018/04129,
-- I2021/00795); Tillväxtverket's own assignment has its own number (not in the sources:
-- NULL until an administrator enters it), date, ministry and title.
ALTER TABLE periods
    ADD COLUMN agency_assignment_date DATE,
    ADD COLUMN agency_assignment_ministry TEXT
        CHECK (length(btrim(agency_assignment_ministry)) BETWEEN 1 AND 200),
    ADD COLUMN agency_assignment_title TEXT
        CHECK (length(btrim(agency_assignment_title)) BETWEEN 1 AND 300),
    -- The report to the Government: to whom, what it is called, and its parts beyond the
    -- coordinators' activity.
    ADD COLUMN report_ministry TEXT NOT NULL DEFAULT ''
        CHECK (length(btrim(report_ministry)) BETWEEN 1 AND 200),
    ADD COLUMN report_title TEXT NOT NULL DEFAULT ''
        CHECK (length(btrim(report_title)) BETWEEN 1 AND 300),
    ADD COLUMN report_hubs BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN report_digg BOOLEAN NOT NULL DEFAULT false,
    -- Whether Tillväxtverket requisitions the funds from Kammarkollegiet and settles with
    -- it, within what frame a year, charged to which appropriation.
    ADD COLUMN kammarkollegiet_chain BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN appropriation TEXT CHECK (length(btrim(appropriation)) BETWEEN 1 AND 300),
    ADD COLUMN agency_frame NUMERIC(14, 2) CHECK (agency_frame > 0 AND agency_frame <= 1000000000);

-- What the sources say, for the two periods they describe.
UPDATE periods SET
    report_ministry = 'Näringsdepartementet',
    report_title = 'Sammanställning avseende de regionala digitaliseringskoordinatorernas verksamhet',
    agency_assignment_date = '2018-07-12',
    agency_assignment_ministry = 'Näringsdepartementet',
    agency_assignment_title = 'Uppdrag att administrera ett nationellt sekretariat som ska fungera som en stödfunktion till de regionala digitaliseringskoordinatorerna'
WHERE decision_number = 'N2018/04129';
UPDATE periods SET
    report_ministry = 'Infrastrukturdepartementet',
    report_title = 'Redovisning avseende de regionala digitaliseringskoordinatorernas verksamhet samt avseende arbetet med de digitala innovationshubbarna',
    report_hubs = true,
    report_digg = true,
    kammarkollegiet_chain = true,
    appropriation = 'Utgiftsområde 22 Kommunikationer, anslag 2:4 Informationsteknik och telekommunikation, anslagspost 4 Informationsteknik – del till Kammarkollegiets disposition',
    agency_frame = 23000000,
    agency_assignment_date = decision_date,
    agency_assignment_ministry = ministry,
    agency_assignment_title = 'Uppdrag att lämna stöd till de regionala digitaliseringskoordinatorerna samt att samordna och koordinera digitala innovationshubbar'
WHERE decision_number = 'I2021/00795';
-- The demo's made-up periods are shaped like I2021/00795, and say they are made up.
UPDATE periods SET
    report_ministry = ministry, report_title = title, report_hubs = true, report_digg = true,
    kammarkollegiet_chain = true, appropriation = 'Påhittat anslag (demo)', agency_frame = 23000000,
    agency_assignment_title = 'Påhittat uppdrag (demo)'
WHERE demo;
-- Any other period (an administrator's) is addressed as its decision is.
UPDATE periods SET report_ministry = ministry, report_title = title WHERE report_ministry = '';
ALTER TABLE periods ALTER COLUMN report_ministry DROP DEFAULT,
                    ALTER COLUMN report_title DROP DEFAULT;
ALTER TABLE periods ADD CONSTRAINT periods_chain_complete CHECK (
    kammarkollegiet_chain = (appropriation IS NOT NULL)
    AND kammarkollegiet_chain = (agency_frame IS NOT NULL)
);

-- The coordinators' tasks, in the decision's own words; a report answers each (at most
-- five: a report keeps five answers).
CREATE TABLE period_tasks (
    period_id  UUID NOT NULL REFERENCES periods (id) ON DELETE CASCADE,
    position   SMALLINT NOT NULL CHECK (position BETWEEN 1 AND 5),
    task       TEXT NOT NULL CHECK (length(btrim(task)) BETWEEN 1 AND 2000),
    PRIMARY KEY (period_id, position)
);
INSERT INTO period_tasks (period_id, position, task)
SELECT id, 1, 'Digitaliseringskoordinatorn ska, med beaktande av de regionala förutsättningarna, ha i som uppgift att bidra till övergripande och strategisk samordning och samverkan mellan relevanta aktörer för att främja och tillvarata digitaliseringen i det regionala tillväxtarbetet.'
FROM periods WHERE decision_number = 'N2018/04129';
INSERT INTO period_tasks (period_id, position, task)
SELECT p.id, t.position, t.task FROM periods p, (VALUES
    (1, 'Verka främjande för att digitalisering integreras i det regionala tillväxtarbetet utifrån uppgifterna som anges i lagen (2010:630) om regionalt utvecklingsansvar. Detta med utgångspunkt i regeringens nationella digitaliseringsstrategi och dess delmål.'),
    (2, 'Stötta nätverk, sprida relevant information i länet till relevanta aktörer för att öka kunskap och förutsättningar och för att därigenom dra nytta av ny teknik och digital innovation.'),
    (3, 'Verka för att identifiera förbättringsområden inom området digitalisering kopplat till den nationella digitaliseringsstrategin och det regionala tillväxtarbetet.'),
    (4, 'Samverka med Tillväxtverket och delta i det nätverk som myndigheten tillhandahåller.'),
    (5, 'Bistå Tillväxtverket med uppföljning och analys av hur verksamheten bedrivits samt vilka behov och utmaningar som kunnat påvisas.')
) AS t (position, task)
WHERE p.decision_number = 'I2021/00795';

INSERT INTO period_tasks (period_id, position, task)
SELECT d.id, t.position, t.task FROM periods d JOIN period_tasks t
    ON t.period_id = (SELECT id FROM periods WHERE decision_number = 'I2021/00795')
WHERE d.demo;

-- Each of a year's dates rests on a basis (the decision that gives it) or is assumed
-- (NULL) until an administrator confirms it with a reference. The agency's own dates
-- exist only where the period has a Kammarkollegiet chain.
ALTER TABLE programme_years
    ADD COLUMN requisition_basis TEXT CHECK (length(btrim(requisition_basis)) BETWEEN 1 AND 200),
    ADD COLUMN report_basis TEXT CHECK (length(btrim(report_basis)) BETWEEN 1 AND 200),
    ADD COLUMN repayment_basis TEXT CHECK (length(btrim(repayment_basis)) BETWEEN 1 AND 200),
    ADD COLUMN agency_requisition_basis TEXT CHECK (length(btrim(agency_requisition_basis)) BETWEEN 1 AND 200),
    ADD COLUMN agency_repayment_basis TEXT CHECK (length(btrim(agency_repayment_basis)) BETWEEN 1 AND 200),
    ADD COLUMN summary_basis TEXT CHECK (length(btrim(summary_basis)) BETWEEN 1 AND 200),
    -- A decided budget rests on a decision too; NULL while decided is an assumption.
    ADD COLUMN budget_basis TEXT CHECK (length(btrim(budget_basis)) BETWEEN 1 AND 200),
    -- Tillväxtverket's own support work: at most this much a year (NULL: no decision gives one).
    ADD COLUMN agency_support_cap NUMERIC(14, 2)
        CHECK (agency_support_cap >= 0 AND agency_support_cap <= 100000000),
    -- Whose rules the year's report to the Government follows (NULL: its own period's).
    -- 26 March 2021 is claimed by both periods' decisions: an administrator chooses.
    ADD COLUMN report_rules_period UUID REFERENCES periods (id),
    ALTER COLUMN agency_requisition_deadline DROP NOT NULL,
    ALTER COLUMN agency_repayment_deadline DROP NOT NULL,
    ADD CONSTRAINT programme_years_agency_dates_together CHECK (
        (agency_requisition_deadline IS NULL) = (agency_repayment_deadline IS NULL)
    ),
    ADD CONSTRAINT programme_years_summary_after_repayment CHECK (repayment_deadline <= summary_deadline);

-- 2018–2020: N2018/04129 gives no regional dates and no Kammarkollegiet chain; it asks
-- for the compilation by 26 March each year; it grants the 2018 funds and, subject to the
-- Riksdag, those of 2019–2020; Tillväxtverket gets 1 Mkr 2018 and 2 Mkr a year 2019–2020.
UPDATE programme_years y SET
    agency_requisition_deadline = NULL,
    agency_repayment_deadline = NULL,
    summary_basis = p.decision_number,
    budget_basis = CASE WHEN y.year = 2018 THEN p.decision_number END,
    agency_support_cap = CASE WHEN y.year = 2018 THEN 1000000 ELSE 2000000 END
FROM periods p WHERE p.id = y.period_id AND p.decision_number = 'N2018/04129';
-- 2021–2025: I2021/00795 gives the regional dates (2021: 15 November) and the reports
-- falling due 2022–2025, so the 2025 report and repayment (2026) are assumed; the
-- assignment gives 1 December and 15 March each year and the 26 March report 2021–2025,
-- so 26 March 2026 is assumed. It grants the 2021 funds; 2022–2025 follow the Riksdag's
-- yearly decisions, which the sources don't give.
UPDATE programme_years y SET
    requisition_basis = p.decision_number,
    report_basis = CASE WHEN y.year < p.last_year THEN p.decision_number END,
    repayment_basis = CASE WHEN y.year < p.last_year THEN p.decision_number END,
    agency_requisition_basis = 'Tillväxtverkets uppdrag ' || to_char(p.agency_assignment_date, 'YYYY-MM-DD'),
    agency_repayment_basis = 'Tillväxtverkets uppdrag ' || to_char(p.agency_assignment_date, 'YYYY-MM-DD'),
    summary_basis = CASE WHEN y.year < p.last_year
                         THEN 'Tillväxtverkets uppdrag ' || to_char(p.agency_assignment_date, 'YYYY-MM-DD') END,
    budget_basis = CASE WHEN y.year = p.first_year THEN p.decision_number END,
    agency_support_cap = 2000000
FROM periods p WHERE p.id = y.period_id AND p.decision_number = 'I2021/00795';

-- The demo's years: made up, their dates the made-up decision's.
UPDATE programme_years y SET
    requisition_basis = p.decision_number, report_basis = p.decision_number,
    repayment_basis = p.decision_number, summary_basis = p.decision_number,
    agency_requisition_basis = p.decision_number, agency_repayment_basis = p.decision_number,
    budget_basis = p.decision_number, agency_support_cap = 2000000
FROM periods p WHERE p.id = y.period_id AND p.demo;
-- An administrator's other periods: no source says they have a chain; their dates are
-- assumed until confirmed.
UPDATE programme_years y SET agency_requisition_deadline = NULL, agency_repayment_deadline = NULL
FROM periods p WHERE p.id = y.period_id AND NOT p.kammarkollegiet_chain;

ALTER TABLE programme_years DROP COLUMN deadlines_assumed;

-- A year has the agency's dates exactly when its period has a Kammarkollegiet chain.
CREATE FUNCTION programme_year_chain_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM programme_years y JOIN periods p ON p.id = y.period_id
               WHERE p.kammarkollegiet_chain <> (y.agency_requisition_deadline IS NOT NULL)) THEN
        RAISE EXCEPTION 'a year has Kammarkollegiet dates exactly when its period has the chain'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'programme_years_chain';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER programme_years_chain AFTER INSERT OR UPDATE ON programme_years
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_year_chain_check();
CREATE CONSTRAINT TRIGGER periods_chain AFTER UPDATE ON periods
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_year_chain_check();

-- Tillväxtverket's account exists only where there is a chain, within the period's frame
-- and the year's support cap: read from the data, no longer from constants.
ALTER TABLE agency_accounts DROP CONSTRAINT agency_accounts_requisitioned_check;
ALTER TABLE agency_accounts DROP CONSTRAINT agency_accounts_support_costs_check;
ALTER TABLE agency_accounts ADD CONSTRAINT agency_accounts_requisitioned_check CHECK (requisitioned > 0);
ALTER TABLE agency_accounts ADD CONSTRAINT agency_accounts_support_costs_check CHECK (support_costs >= 0);
DROP FUNCTION agency_frame(INTEGER);
DROP FUNCTION agency_support_cap(INTEGER);
CREATE FUNCTION agency_account_within_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    chain BOOLEAN;
    frame NUMERIC;
    cap NUMERIC;
BEGIN
    SELECT p.kammarkollegiet_chain, p.agency_frame, y.agency_support_cap INTO chain, frame, cap
    FROM programme_years y JOIN periods p ON p.id = y.period_id WHERE y.year = NEW.year;
    IF NOT COALESCE(chain, false) THEN
        RAISE EXCEPTION 'year % has no Kammarkollegiet chain', NEW.year
            USING ERRCODE = 'check_violation', CONSTRAINT = 'agency_accounts_chain';
    END IF;
    IF NEW.requisitioned > frame THEN
        RAISE EXCEPTION 'requisitioned % passes the frame %', NEW.requisitioned, frame
            USING ERRCODE = 'check_violation', CONSTRAINT = 'agency_accounts_requisitioned_check';
    END IF;
    IF cap IS NOT NULL AND NEW.support_costs > cap THEN
        RAISE EXCEPTION 'support costs % pass the cap %', NEW.support_costs, cap
            USING ERRCODE = 'check_violation', CONSTRAINT = 'agency_accounts_support_costs_check';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER agency_accounts_within_rules BEFORE INSERT OR UPDATE ON agency_accounts
    FOR EACH ROW EXECUTE FUNCTION agency_account_within_rules();
