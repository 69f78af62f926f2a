-- A crew's break in its day (issue 15): break_minutes taken within
-- break_start .. break_end (local time); a fixed break when the range is
-- exactly as long as the break (12:00-13:00, 60), a floating one when the
-- range is longer (11:00-14:00, 45). NULL: no break is planned.
ALTER TABLE crews
    ADD COLUMN break_start   time,
    ADD COLUMN break_end     time,
    ADD COLUMN break_minutes int,
    ADD CONSTRAINT crews_break_whole CHECK (
        (break_start IS NULL AND break_end IS NULL AND break_minutes IS NULL)
        OR (break_start IS NOT NULL AND break_end IS NOT NULL
            AND break_minutes IS NOT NULL AND break_end > break_start
            AND break_minutes BETWEEN 5 AND 240
            AND break_minutes <= extract(epoch FROM break_end - break_start) / 60));

-- crew_break(): schema/functions/crew_break.sql
