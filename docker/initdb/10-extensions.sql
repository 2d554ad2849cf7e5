-- Runs once, when the postgis container initialises an empty data volume (docker-entrypoint-initdb.d),
-- as the superuser POSTGRES_USER against POSTGRES_DB. The application expects both extensions; the
-- postgis/postgis image's own init script also creates postgis, so IF NOT EXISTS keeps the order moot.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
