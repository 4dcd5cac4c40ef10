-- Prefect's own database beside dondoc's (compose.yaml), with the extension Prefect's server needs.
CREATE DATABASE prefect OWNER dondoc;
\connect prefect
CREATE EXTENSION IF NOT EXISTS pg_trgm;
