-- A period the demo made for a year outside the real programme (decision number "DEMO",
-- fictitious test data). Only `cargo run` with demo data on creates one; the programme
-- page says so.
ALTER TABLE periods ADD COLUMN demo BOOLEAN NOT NULL DEFAULT false;
