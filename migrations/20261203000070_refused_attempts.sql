-- An attempt that comes before its wait is over is written down too, as refused (issue 25):
-- it counts against the pair of account and address it came from, so whoever keeps
-- knocking is slowed down themselves (src/auth/throttle.rs).
ALTER TYPE login_outcome ADD VALUE IF NOT EXISTS 'refused';
