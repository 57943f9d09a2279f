-- Change management (issue 12): changes, the standard-change catalogue, approval policies, the
-- approval requests of each change with their decisions, and delegations. Every table is a
-- tenant table (FORCE row security like 0004) and replicates to desktops (0005's change log).
--
-- People (requester, assignee, approvers, delegates) are user ids without a foreign key: users
-- are global rows the request role sees only through memberships, and a user who leaves must not
-- take a change's history with them. The server checks membership when a person is named.

CREATE TABLE change_templates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '',
  implementation_plan text NOT NULL DEFAULT '',
  rollback_plan text NOT NULL DEFAULT '',
  test_plan text NOT NULL DEFAULT '',
  affected_tags text[] NOT NULL DEFAULT '{}',
  -- Proposed until an approver (not its proposer) approves it once; then changes raised from it
  -- are approved automatically.
  state text NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'approved')),
  proposed_by uuid NOT NULL,
  approved_by uuid,
  approved_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, name),
  CHECK ((state = 'approved') = (approved_by IS NOT NULL AND approved_at IS NOT NULL))
);

-- Which changes need whom. The first enabled policy (by priority) whose filters match a change
-- gives its steps; steps is a JSON array of {name, approverIds, group, quorum} (quorum a number
-- or "all"), validated by shared/src/change-inputs.ts.
CREATE TABLE approval_policies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  priority integer NOT NULL DEFAULT 100,
  change_types text[] NOT NULL DEFAULT '{}'
    CHECK (change_types <@ ARRAY['standard', 'normal', 'emergency']),
  min_risk text CHECK (min_risk IN ('low', 'moderate', 'high')),
  tags text[] NOT NULL DEFAULT '{}',
  steps jsonb NOT NULL CHECK (jsonb_typeof(steps) = 'array' AND jsonb_array_length(steps) > 0),
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, name)
);

CREATE TABLE changes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('standard', 'normal', 'emergency')),
  state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'submitted', 'approved', 'scheduled',
    'implementing', 'completed', 'failed', 'rolled_back', 'rejected', 'cancelled')),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '',
  implementation_plan text NOT NULL DEFAULT '',
  rollback_plan text NOT NULL DEFAULT '',
  test_plan text NOT NULL DEFAULT '',
  planned_start timestamptz(3),
  planned_end timestamptz(3),
  affected_host_ids uuid[] NOT NULL DEFAULT '{}',
  affected_tags text[] NOT NULL DEFAULT '{}',
  certificate_fingerprint text,
  alert_ids uuid[] NOT NULL DEFAULT '{}',
  -- Incidents (0010) are linked by id: their table may come later than this one.
  incident_ids uuid[] NOT NULL DEFAULT '{}',
  requester_id uuid NOT NULL,
  assignee_id uuid,
  risk_answers jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(risk_answers) = 'object'),
  risk_level text NOT NULL CHECK (risk_level IN ('low', 'moderate', 'high')),
  risk_score integer NOT NULL,
  -- [{code, points, text}], in the order they were found.
  risk_reasons jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(risk_reasons) = 'array'),
  template_id uuid REFERENCES change_templates (id) ON DELETE SET NULL,
  -- The policy whose steps its approval followed (NULL: the default single step, or none).
  policy_id uuid REFERENCES approval_policies (id) ON DELETE SET NULL,
  -- Bumped on every edit and move: approvals are given for one revision (optimistic concurrency).
  revision integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
  -- Emergency changes: approved by one approver, then reviewed within RETROSPECTIVE_DAYS.
  retrospective_due_at timestamptz(3),
  retrospective_done boolean NOT NULL DEFAULT false,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  submitted_at timestamptz(3),
  approved_at timestamptz(3),
  closed_at timestamptz(3),
  CHECK (planned_start IS NULL OR planned_end IS NULL OR planned_end > planned_start)
);
CREATE INDEX changes_list ON changes (workspace_id, created_at DESC, id);
CREATE INDEX changes_hosts ON changes USING gin (affected_host_ids);

-- One row per approval step of a change, made when it is submitted (later steps wait their
-- turn), or for an emergency change's retrospective review once it is approved. The approvers
-- are resolved when it is made (members named and the group's members, less the requester).
CREATE TABLE approval_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  change_id uuid NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
  kind text NOT NULL DEFAULT 'approval' CHECK (kind IN ('approval', 'retrospective')),
  position integer NOT NULL CHECK (position >= 1),
  step_name text NOT NULL,
  approver_ids uuid[] NOT NULL,
  quorum integer NOT NULL CHECK (quorum >= 1),
  -- The change revision it was sent for: a decision on an older revision is refused.
  revision integer NOT NULL,
  state text NOT NULL CHECK (state IN ('waiting', 'pending', 'approved', 'rejected', 'superseded')),
  -- Why a request closed without its own quorum, in the words' key the conflict message uses.
  closed_reason text CHECK (closed_reason IN ('withdrawn', 'cancelled', 'edited', 'rejected')),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  opened_at timestamptz(3),
  decided_at timestamptz(3)
);
CREATE INDEX approval_requests_change ON approval_requests (change_id, position);
CREATE INDEX approval_requests_open ON approval_requests USING gin (approver_ids) WHERE state = 'pending';

-- Decisions are history: inserted, never changed (no UPDATE or DELETE grant).
CREATE TABLE approval_decisions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  request_id uuid NOT NULL REFERENCES approval_requests (id) ON DELETE CASCADE,
  change_id uuid NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
  decided_by uuid NOT NULL,
  -- The approver a delegate decided for; NULL when the approver decided themself.
  on_behalf_of uuid,
  decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
  comment text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
  revision integer NOT NULL,
  decided_at timestamptz(3) NOT NULL DEFAULT now()
);
-- One decision per approver and request, whether they or their delegate gave it.
CREATE UNIQUE INDEX approval_decisions_once ON approval_decisions (request_id, (coalesce(on_behalf_of, decided_by)));

CREATE TABLE delegations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  approver_id uuid NOT NULL,
  delegate_id uuid NOT NULL CHECK (delegate_id <> approver_id),
  starts_at timestamptz(3) NOT NULL,
  ends_at timestamptz(3) NOT NULL CHECK (ends_at > starts_at),
  reason text,
  created_by text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX delegations_delegate ON delegations (workspace_id, delegate_id, ends_at);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['change_templates', 'approval_policies', 'changes', 'approval_requests',
    'approval_decisions', 'delegations']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (workspace_id = vigilo_workspace())', t || '_tenant', t);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW '
      'EXECUTE FUNCTION vigilo_track_changes(''workspace_id'', ''id'')', t || '_sync', t);
    IF t = 'approval_decisions' THEN
      EXECUTE format('GRANT SELECT, INSERT ON %I TO vigilo_app', t);
    ELSE
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO vigilo_app', t);
    END IF;
  END LOOP;
END $$;
