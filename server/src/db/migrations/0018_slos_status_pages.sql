-- SLOs and public status pages (issue 15, server/src/reliability/). Tenant tables like 0004 and
-- 0013: workspace_id on every row, FORCE row security, grants to vigilo_app only for what the
-- domain does. One exception, said where it is made: status_pages is a directory like workspaces.

-- An SLO over one host or every host with a tag (shared/src/slo.ts holds the same rules).
CREATE TABLE slos (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind text NOT NULL CHECK (kind IN ('availability', 'latency')),
  host_id uuid REFERENCES hosts (id) ON DELETE CASCADE,
  tag text CHECK (length(tag) BETWEEN 1 AND 100),
  objective numeric(8, 5) NOT NULL CHECK (objective > 0 AND objective < 100),
  window_days integer NOT NULL CHECK (window_days IN (7, 28, 30)),
  threshold_ms integer CHECK (threshold_ms BETWEEN 1 AND 600000),
  -- The last evaluation (the scheduler's job): what slos.status and the desktop show.
  good bigint NOT NULL DEFAULT 0,
  total bigint NOT NULL DEFAULT 0,
  burn_rates jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(burn_rates) = 'object'),
  evaluated_at timestamptz(3),
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL,
  UNIQUE (workspace_id, name),
  CHECK ((host_id IS NULL) <> (tag IS NULL)),
  CHECK ((kind = 'latency') = (threshold_ms IS NOT NULL))
);

-- SLO burn-rate alerts are alerts of their own source, not of a rule: a rule is a predicate over
-- one host's facts evaluated per scan, and an SLO is a ratio over many hosts' history. So an alert
-- now has exactly one source: a (rule, host) pair as before, or an SLO (with its host when it
-- covers one, none when it covers a tag). Dedup per (slo, severity): one open page and one open
-- ticket at most, as alerts_one_open does per (rule, host).
ALTER TABLE alerts ALTER COLUMN rule_id DROP NOT NULL;
ALTER TABLE alerts ALTER COLUMN host_id DROP NOT NULL;
ALTER TABLE alerts ADD COLUMN slo_id uuid REFERENCES slos (id) ON DELETE CASCADE;
ALTER TABLE alerts ADD CONSTRAINT alerts_one_source
  CHECK ((slo_id IS NULL AND rule_id IS NOT NULL AND host_id IS NOT NULL) OR (slo_id IS NOT NULL AND rule_id IS NULL));
CREATE UNIQUE INDEX alerts_one_open_slo ON alerts (slo_id, severity) WHERE state = 'open' AND slo_id IS NOT NULL;

-- A maintenance window opened by an approved change covers its planned window only; the change
-- keeps one window, moved when the change is re-planned and removed when it is withdrawn.
ALTER TABLE maintenance_windows ADD COLUMN change_id uuid REFERENCES changes (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX maintenance_windows_change ON maintenance_windows (change_id) WHERE change_id IS NOT NULL;

-- Public status pages. The slug is the public address (/status/<slug>), unique across the whole
-- instance, so the public handler must find the page's workspace before any workspace is set:
-- like workspaces (0002), this table ENABLEs row security for vigilo_app but does not FORCE it
-- on its owner, which resolves slug → workspace and nothing else (reliability/status-page-public.ts).
-- Everything the page shows is then read by vigilo_app bound to that one workspace.
CREATE TABLE status_pages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL
);

-- What a page shows: a host or a tag under a public name; nothing else of the host is shown.
CREATE TABLE status_page_components (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  page_id uuid NOT NULL REFERENCES status_pages (id) ON DELETE CASCADE,
  public_name text NOT NULL CHECK (length(public_name) BETWEEN 1 AND 100),
  host_id uuid REFERENCES hosts (id) ON DELETE CASCADE,
  tag text CHECK (length(tag) BETWEEN 1 AND 100),
  position integer NOT NULL,
  CHECK ((host_id IS NULL) <> (tag IS NULL))
);
CREATE INDEX status_page_components_page ON status_page_components (page_id, position);

-- Incidents and maintenance as the public reads them: an admin publishes one with a public
-- title (an internal incident's title may name hosts), then posts updates.
CREATE TABLE status_page_notices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  page_id uuid NOT NULL REFERENCES status_pages (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('incident', 'maintenance')),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  incident_id uuid REFERENCES incidents (id) ON DELETE SET NULL,
  maintenance_window_id uuid REFERENCES maintenance_windows (id) ON DELETE SET NULL,
  component_ids uuid[] NOT NULL DEFAULT '{}',
  starts_at timestamptz(3) NOT NULL,
  ends_at timestamptz(3) CHECK (ends_at > starts_at),
  resolved_at timestamptz(3),
  created_at timestamptz(3) NOT NULL
);
CREATE INDEX status_page_notices_page ON status_page_notices (page_id, starts_at DESC);

CREATE TABLE status_page_updates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  notice_id uuid NOT NULL REFERENCES status_page_notices (id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved', 'scheduled', 'in_progress', 'completed')),
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
  posted_at timestamptz(3) NOT NULL
);
CREATE INDEX status_page_updates_notice ON status_page_updates (notice_id, posted_at DESC);

ALTER TABLE status_pages ENABLE ROW LEVEL SECURITY;
CREATE POLICY status_pages_tenant ON status_pages USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON status_pages TO vigilo_app;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['slos', 'status_page_components', 'status_page_notices', 'status_page_updates']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (workspace_id = vigilo_workspace())', t || '_tenant', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO vigilo_app', t);
  END LOOP;
END $$;
