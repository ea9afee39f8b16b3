-- The 26 March report's cover: its date and Tillväxtverket's case number (diarienummer),
-- entered by an administrator with the year's own sections.
ALTER TABLE summary_sections
    ADD COLUMN report_date DATE,
    ADD COLUMN case_number TEXT NOT NULL DEFAULT ''
        CHECK (length(case_number) <= 50 AND case_number = btrim(case_number));
