-- A short lease on a per-user OAuth connection while one process refreshes its tokens (owned by
-- @mcpgate/auth). Replicas on one database take it with a single UPDATE … WHERE the lease is free
-- … RETURNING before they use the refresh token, so exactly one of them refreshes a grant: a
-- rotated refresh token presented twice makes strict servers revoke the whole grant. A lease, not
-- a row lock held in a transaction, because the refresh is a network call that must not hold a
-- database connection (PGlite has only one). A crashed holder's lease simply runs out.
ALTER TABLE mcpgate_oauth_connections ADD COLUMN IF NOT EXISTS refresh_lease_until timestamptz;
ALTER TABLE mcpgate_oauth_connections ADD COLUMN IF NOT EXISTS refresh_lease_owner text;
