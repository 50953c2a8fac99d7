-- Merkle checkpoints (RFC 9162): a checkpoint also signs the root of the Merkle tree whose leaves
-- are its chain's records 1..seq, so one record can be proven with a short path and two
-- checkpoints shown consistent. Older checkpoints keep NULL and still verify (signature v1).
ALTER TABLE checkpoints ADD COLUMN root_hash text;
-- A purge anchor is a copy of a checkpoint: it keeps the root so its signature still verifies.
ALTER TABLE audit_purges ADD COLUMN checkpoint_root_hash text;
