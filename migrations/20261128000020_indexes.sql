-- Indexes the benchmark's profile asked for (issue 14): lookups by actor and year that the
-- partial unique indexes cannot serve, so each was a scan of the year's rows, per actor.
-- Every version of a report (repayment_owed, repayment_opened_on, the report's history).
CREATE INDEX reports_actor_year ON reports (organisation_id, year, version);
-- Requisitions in any state (the unique index covers only the active ones).
CREATE INDEX requisitions_actor_year ON requisitions (organisation_id, year);
-- Payouts in any state, sent back included.
CREATE INDEX payouts_requisition ON payouts (requisition_id);
-- An organisation's coordinators (mail recipients, the directory).
CREATE INDEX users_organisation ON users (organisation_id) WHERE organisation_id IS NOT NULL;
