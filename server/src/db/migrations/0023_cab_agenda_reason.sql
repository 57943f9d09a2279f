-- Why a change is on a CAB agenda when the meeting's filter did not put it there: a change whose
-- risk rose because of a new incident is added to the next meeting (changes/incident-risk.ts).
-- Refilling the agenda from its filter keeps such items (cab-agenda.ts); NULL: the filter chose it.
ALTER TABLE cab_agenda_items ADD COLUMN added_reason text CHECK (length(added_reason) BETWEEN 1 AND 500);
