-- Who reports and repays for a year: the actors that requisitioned funds and were paid
-- them (I2021/00795: the regions that have requisitioned funds report). A region that
-- took no funds is asked nothing more. One rule, read by the report button, the staff's
-- list of reports, the start page, the calendar, the reminders and the summary (issue 27).
--
-- `report_late_after` is the last day a report is on time: the actor's report deadline
-- (with its extension) or, when the funds were paid after it, the day they were paid. A
-- region can't report on money it has not received, so, as for repayments, lateness
-- counts only the days on which it could have acted.
CREATE VIEW requisitioned_funds AS
SELECT r.year, r.organisation_id, r.id AS requisition_id, p.id AS payout_id,
       p.paid_amount, p.paid_date,
       GREATEST(d.report_due, p.paid_date) AS report_late_after
FROM requisitions r
JOIN payouts p ON p.requisition_id = r.id AND p.state = 'paid'
JOIN actor_deadlines d ON d.year = r.year AND d.organisation_id = r.organisation_id;
