-- What rarely changes is read once (issue 29): each server keeps the periods, their tasks
-- and the programme years (decisions, caps, deadlines) in memory (`programme::cache`) and
-- forgets them when told on the channel `digikoord_programme`. Told by the schema, so every
-- writer tells (the administrator's forms, the history import, the seed, the operator's
-- commands, a person with psql); NOTIFY is sent at commit, never for a rolled-back write,
-- and once per transaction however many statements it ran.
CREATE FUNCTION notify_programme_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('digikoord_programme', '');
    RETURN NULL;
END $$;

CREATE TRIGGER periods_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON periods
    FOR EACH STATEMENT EXECUTE FUNCTION notify_programme_changed();

CREATE TRIGGER period_tasks_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON period_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION notify_programme_changed();

CREATE TRIGGER programme_years_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON programme_years
    FOR EACH STATEMENT EXECUTE FUNCTION notify_programme_changed();
