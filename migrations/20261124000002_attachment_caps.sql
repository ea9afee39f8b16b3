-- A report holds at most 20 attachments of at most 50 MB together. The upload checks
-- this under the report's lock to say so beside the field; the schema holds it anyway.
CREATE FUNCTION report_attachments_fit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('report_attachments:' || NEW.report_id::text));
    IF (SELECT count(*) FROM report_attachments WHERE report_id = NEW.report_id) >= 20
       OR (SELECT COALESCE(sum(size), 0) FROM report_attachments WHERE report_id = NEW.report_id)
          + NEW.size > 52428800 THEN
        RAISE EXCEPTION 'report % has no room for another attachment', NEW.report_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'report_attachments_fit';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER report_attachments_fit BEFORE INSERT ON report_attachments
    FOR EACH ROW EXECUTE FUNCTION report_attachments_fit();
