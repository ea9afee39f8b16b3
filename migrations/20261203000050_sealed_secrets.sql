-- Secrets at rest are sealed (issue 25, src/secrets.rs): second-factor secrets and identity
-- providers' client secrets are kept as `sealed:v1:<key id>:<hex>`, encrypted with a key
-- that lives outside the database. The server seals what was kept before at its next start;
-- until then the old form is read too.
ALTER TABLE second_factors DROP CONSTRAINT second_factors_totp_secret_check;
ALTER TABLE second_factors ADD CONSTRAINT second_factors_totp_secret_check
    CHECK (totp_secret ~ '^([A-Z2-7]{26,}|sealed:v1:[0-9a-f]{8}:[0-9a-f]+)$');
ALTER TABLE sessions DROP CONSTRAINT sessions_totp_setup_secret_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_totp_setup_secret_check
    CHECK (totp_setup_secret ~ '^([A-Z2-7]{26,}|sealed:v1:[0-9a-f]{8}:[0-9a-f]+)$');
ALTER TABLE identity_providers DROP CONSTRAINT identity_providers_client_secret_check;
ALTER TABLE identity_providers ADD CONSTRAINT identity_providers_client_secret_check
    CHECK (length(client_secret) BETWEEN 1 AND 2000);
