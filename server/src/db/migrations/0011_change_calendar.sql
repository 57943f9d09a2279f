-- The change calendar (issue 12), on top of 0009: freeze windows, CAB meetings with their
-- agendas, the collisions found whenever a change's plan moves, and what the certificate renewal
-- loop needs. Tenant tables like 0009 (FORCE row security), replicated to desktops.

-- No change may be scheduled inside a freeze window, except an emergency change (then flagged).
CREATE TABLE freeze_windows (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
  starts_at timestamptz(3) NOT NULL,
  ends_at timestamptz(3) NOT NULL CHECK (ends_at > starts_at),
  -- Empty: the whole workspace. Otherwise changes touching a host (or naming a tag) among these.
  tags text[] NOT NULL DEFAULT '{}',
  created_by text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL
);
CREATE INDEX freeze_windows_time ON freeze_windows (workspace_id, ends_at, starts_at);

-- A change advisory board meeting. Its agenda is filled from the submitted changes matching its
-- filter ({types, minRisk, tags, submittedBefore}, shared/src/cab-inputs.ts); its decisions close
-- the CAB step of each change's approvals (server/src/changes/cab-decisions.ts).
CREATE TABLE cab_meetings (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  starts_at timestamptz(3) NOT NULL,
  ends_at timestamptz(3) NOT NULL CHECK (ends_at > starts_at),
  -- Members (user ids, no foreign key: see 0009); the domain checks membership when named.
  attendee_ids uuid[] NOT NULL DEFAULT '{}',
  agenda_filter jsonb NOT NULL CHECK (jsonb_typeof(agenda_filter) = 'object'),
  state text NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'closed', 'cancelled')),
  created_by text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL
);
CREATE INDEX cab_meetings_list ON cab_meetings (workspace_id, starts_at DESC, id);

CREATE TABLE cab_agenda_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  meeting_id uuid NOT NULL REFERENCES cab_meetings (id) ON DELETE CASCADE,
  change_id uuid NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
  position integer NOT NULL CHECK (position >= 1),
  added_at timestamptz(3) NOT NULL,
  decision text CHECK (decision IN ('approve', 'reject')),
  comment text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
  decided_by uuid,
  decided_at timestamptz(3),
  -- The approval decision the CAB's decision wrote on the change's CAB step.
  approval_decision_id uuid,
  UNIQUE (meeting_id, change_id),
  CHECK ((decision IS NULL) = (decided_at IS NULL))
);
CREATE INDEX cab_agenda_items_change ON cab_agenda_items (change_id);

-- What a change's plan collides with, found when it moves (created, edited, scheduled). They
-- warn; only a freeze window refuses, and that refusal is not stored here. An overlap between two
-- changes is a row on each. Words in `reason`, ids for the desktop to link.
CREATE TABLE change_collisions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  change_id uuid NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('host_overlap', 'outside_maintenance_window',
    'certificate_expires_first', 'open_problem', 'freeze_window')),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  other_change_id uuid REFERENCES changes (id) ON DELETE CASCADE,
  host_id uuid REFERENCES hosts (id) ON DELETE CASCADE,
  -- Kept (nulled) when the window goes: the domain re-checks those changes and records it.
  freeze_window_id uuid REFERENCES freeze_windows (id) ON DELETE SET NULL,
  detected_at timestamptz(3) NOT NULL
);
CREATE INDEX change_collisions_change ON change_collisions (change_id);
CREATE INDEX change_collisions_other ON change_collisions (other_change_id) WHERE other_change_id IS NOT NULL;

-- A policy step decided by the CAB in a meeting, not by its approvers one by one.
ALTER TABLE approval_requests ADD COLUMN cab boolean NOT NULL DEFAULT false;
-- The meeting whose decision this is (no foreign key: decisions are never updated, not even nulled).
ALTER TABLE approval_decisions ADD COLUMN cab_meeting_id uuid;

-- The standard-change template a certificate renewal is drafted from: at most one per workspace.
ALTER TABLE change_templates ADD COLUMN renewal boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX change_templates_one_renewal ON change_templates (workspace_id) WHERE renewal;

-- What completed a change without a person: the snapshots showing the renewed certificate.
ALTER TABLE changes ADD COLUMN evidence jsonb CHECK (evidence IS NULL OR jsonb_typeof(evidence) = 'object');
-- Ingest asks, per stored batch, for open renewals on the batch's hosts: this index holds only them.
CREATE INDEX changes_open_renewals ON changes USING gin (affected_host_ids)
  WHERE certificate_fingerprint IS NOT NULL AND state IN ('approved', 'scheduled', 'implementing');

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['freeze_windows', 'cab_meetings', 'cab_agenda_items', 'change_collisions']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (workspace_id = vigilo_workspace())', t || '_tenant', t);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW '
      'EXECUTE FUNCTION vigilo_track_changes(''workspace_id'', ''id'')', t || '_sync', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO vigilo_app', t);
  END LOOP;
END $$;
