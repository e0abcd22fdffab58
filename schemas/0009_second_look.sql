-- A second look: a tally approved before its county had context is judged
-- again when the context arrives. A county rule that then fires is kept as
-- a flag marked second_look (the validator never saw it), and the tally
-- goes on the hotline's callback list so its chair confirms the numbers;
-- a corrected tally comes in as a revision. The approval stands: it was a
-- person's decision, and the tally may be public already.
ALTER TABLE flags ADD COLUMN second_look INTEGER NOT NULL DEFAULT 0;
