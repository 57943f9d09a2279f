-- Comments on an alert's timeline (incidents and changes add their target types later). The id
-- is chosen by the client: a desktop writes a comment offline under it, and the same comment
-- sent twice stays one comment.
CREATE TABLE comments (
  id uuid NOT NULL,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  target_type text NOT NULL CHECK (target_type IN ('alert')),
  target_id uuid NOT NULL,
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
  author text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  -- Unique per workspace: another tenant's id (invisible under RLS) never collides with yours.
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX comments_target ON comments (workspace_id, target_type, target_id, created_at);

ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE comments FORCE ROW LEVEL SECURITY;
CREATE POLICY comments_tenant ON comments USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON comments TO vigilo_app;

-- Replicated to desktops (server/src/sync/tables.ts).
CREATE TRIGGER comments_sync AFTER INSERT OR UPDATE OR DELETE ON comments
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
