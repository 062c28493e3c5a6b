-- A retracted warning or breach (a reply stamped before it arrived late) is taken back in the
-- cell of the minute it fired, under the conversation's team at the time of the retraction: when
-- the chat changed team in between, that cell's count goes below 0 (the line's total stays right).
ALTER TABLE kpi_minute MODIFY COLUMN warnings Int32;
ALTER TABLE kpi_minute MODIFY COLUMN breaches Int32;
