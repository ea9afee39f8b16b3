-- The PDF/A-2b of the report (the DOCX laid out by LibreOffice), recorded, checksummed and
-- kept like every other export.
ALTER TYPE export_format ADD VALUE 'pdf';
