-- koptrack on one PostgreSQL server for a province: who may read and write what.
--
-- Run as the database owner (the role that ran koptrack's migrations) after the schema exists:
--     psql "postgresql://koptrack_owner@db-host/koptrack" -f deploy/postgres-roles.sql
-- then create one login role per district office (see the end of this file).
--
-- * koptrack_province: reads everything, writes nothing (the provincial Dinas).
-- * koptrack_office:   reads everything, writes only rows of its own regency. Each office's
--   login role has one row in office_regency (role name -> regency code), which only the owner
--   writes; row-level security (migration 0006) checks every INSERT, UPDATE and DELETE against
--   it. Nothing a client sets (koptrack.regency by SET or options=-c) widens it: the
--   setting-based policies below are older ones, kept for databases set up with them, and
--   migration 0006's restrictive policies hold whatever they allow. DELETE is granted for the
--   corrections (worker remove, bpjs remove, undo) of the office's own rows; the audit log only
--   ever grows (its triggers refuse UPDATE, DELETE and TRUNCATE, even for the owner).
-- Idempotent: safe to run again after an upgrade that added tables.

DO $$ BEGIN
    CREATE ROLE koptrack_province NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
    CREATE ROLE koptrack_office NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;

GRANT USAGE ON SCHEMA public TO koptrack_province, koptrack_office;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO koptrack_province, koptrack_office;
GRANT INSERT, UPDATE ON cooperative, person, engagement, enrollment, bpjs_registration,
    pkspkb_membership, target, reported_count, coop_inactive TO koptrack_office;
GRANT DELETE ON cooperative, person, engagement, enrollment, bpjs_registration,
    pkspkb_membership, coop_inactive TO koptrack_office;
GRANT INSERT ON audit_log TO koptrack_office;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO koptrack_office;

-- The office's regency ('32.15'), or '' for a role without one (it may then write nothing).
CREATE OR REPLACE FUNCTION koptrack_office_regency() RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT coalesce(current_setting('koptrack.regency', true), '') $$;

CREATE OR REPLACE FUNCTION koptrack_own_kecamatan(code text) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT koptrack_office_regency() <> '' AND code LIKE koptrack_office_regency() || '.%' $$;

CREATE OR REPLACE FUNCTION koptrack_own_coop(coop integer) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM cooperative c WHERE c.id = coop AND koptrack_own_kecamatan(c.kecamatan_code)) $$;

-- Everyone with SELECT may read every row; writes are checked per table.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cooperative', 'engagement', 'enrollment', 'bpjs_registration',
                             'pkspkb_membership', 'target', 'reported_count'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS koptrack_read ON %I', t);
        EXECUTE format('CREATE POLICY koptrack_read ON %I FOR SELECT USING (true)', t);
        EXECUTE format('DROP POLICY IF EXISTS koptrack_insert ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS koptrack_update ON %I', t);
    END LOOP;
END $$;

CREATE POLICY koptrack_insert ON cooperative FOR INSERT TO koptrack_office
    WITH CHECK (koptrack_own_kecamatan(kecamatan_code));
CREATE POLICY koptrack_update ON cooperative FOR UPDATE TO koptrack_office
    USING (koptrack_own_kecamatan(kecamatan_code)) WITH CHECK (koptrack_own_kecamatan(kecamatan_code));

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['engagement', 'enrollment', 'bpjs_registration', 'pkspkb_membership'] LOOP
        EXECUTE format('CREATE POLICY koptrack_insert ON %I FOR INSERT TO koptrack_office '
                       'WITH CHECK (koptrack_own_coop(coop_id))', t);
        EXECUTE format('CREATE POLICY koptrack_update ON %I FOR UPDATE TO koptrack_office '
                       'USING (koptrack_own_coop(coop_id)) WITH CHECK (koptrack_own_coop(coop_id))', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['target', 'reported_count'] LOOP
        EXECUTE format('CREATE POLICY koptrack_insert ON %I FOR INSERT TO koptrack_office '
                       'WITH CHECK (regency = koptrack_office_regency())', t);
        EXECUTE format('CREATE POLICY koptrack_update ON %I FOR UPDATE TO koptrack_office '
                       'USING (regency = koptrack_office_regency()) WITH CHECK (regency = koptrack_office_regency())', t);
    END LOOP;
END $$;

-- One login role per district office, for example Kabupaten Karawang (32.15), and its regency
-- (written by the owner; the office cannot change it):
--     CREATE ROLE dinkop_karawang LOGIN PASSWORD '...' IN ROLE koptrack_office;
--     INSERT INTO office_regency (role_name, regency_code) VALUES ('dinkop_karawang', '32.15');
-- and one for the province:
--     CREATE ROLE dinkop_jabar LOGIN PASSWORD '...' IN ROLE koptrack_province;
