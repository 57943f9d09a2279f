/**
 * Replica step 7: compliance (server migrations 0012, 0013 and 0015, permission 'audit'). Like
 * step 5, rows stay JSON in `records`; these views name their columns and the partial indexes
 * serve the Risks, Vendors and Controls pages (desktop/src/core/replica/compliance.ts). Kept in
 * its own file so migrations.ts stays short; like every step it is never edited once landed.
 */
export const COMPLIANCE_STEP = {
  version: 7,
  name: 'compliance',
  sql: `
    CREATE VIEW risks AS SELECT id,
      json_extract(data, '$.title') AS title, json_extract(data, '$.description') AS description,
      json_extract(data, '$.category') AS category, json_extract(data, '$.owner_id') AS owner_id,
      json_extract(data, '$.likelihood') AS likelihood, json_extract(data, '$.impact') AS impact,
      json_extract(data, '$.residual_likelihood') AS residual_likelihood,
      json_extract(data, '$.residual_impact') AS residual_impact,
      json_extract(data, '$.treatment') AS treatment, json_extract(data, '$.treatment_plan') AS treatment_plan,
      json_extract(data, '$.status') AS status, json_extract(data, '$.review_date') AS review_date,
      json_extract(data, '$.signal_threshold') AS signal_threshold,
      json_extract(data, '$.signal_period_days') AS signal_period_days,
      json_extract(data, '$.needs_reassessment') AS needs_reassessment,
      json_extract(data, '$.flagged_at') AS flagged_at, json_extract(data, '$.assessed_at') AS assessed_at,
      json_extract(data, '$.created_at') AS created_at
      FROM records WHERE tbl = 'risks';
    CREATE VIEW risk_hosts AS SELECT id,
      json_extract(data, '$.risk_id') AS risk_id, json_extract(data, '$.host_id') AS host_id
      FROM records WHERE tbl = 'risk_hosts';
    CREATE VIEW risk_vendors AS SELECT id,
      json_extract(data, '$.risk_id') AS risk_id, json_extract(data, '$.vendor_id') AS vendor_id
      FROM records WHERE tbl = 'risk_vendors';
    CREATE VIEW risk_controls AS SELECT id,
      json_extract(data, '$.risk_id') AS risk_id, json_extract(data, '$.control_id') AS control_id
      FROM records WHERE tbl = 'risk_controls';
    CREATE VIEW risk_signals AS SELECT id,
      json_extract(data, '$.risk_id') AS risk_id, json_extract(data, '$.kind') AS kind,
      json_extract(data, '$.source_id') AS source_id, json_extract(data, '$.host_id') AS host_id,
      json_extract(data, '$.summary') AS summary, json_extract(data, '$.at') AS at
      FROM records WHERE tbl = 'risk_signals';
    CREATE VIEW vendors AS SELECT id,
      json_extract(data, '$.name') AS name, json_extract(data, '$.tier') AS tier,
      json_extract(data, '$.owner_id') AS owner_id, json_extract(data, '$.renewal_date') AS renewal_date,
      json_extract(data, '$.contract_end') AS contract_end
      FROM records WHERE tbl = 'vendors';
    CREATE VIEW vendor_hosts AS SELECT id,
      json_extract(data, '$.vendor_id') AS vendor_id, json_extract(data, '$.host_id') AS host_id
      FROM records WHERE tbl = 'vendor_hosts';
    CREATE VIEW vendor_assessments AS SELECT id,
      json_extract(data, '$.vendor_id') AS vendor_id, json_extract(data, '$.period') AS period,
      json_extract(data, '$.score') AS score, json_extract(data, '$.outcome') AS outcome,
      json_extract(data, '$.findings') AS findings, json_extract(data, '$.created_at') AS created_at,
      json_extract(data, '$.completed_at') AS completed_at
      FROM records WHERE tbl = 'vendor_assessments';
    CREATE VIEW frameworks AS SELECT id,
      json_extract(data, '$.key') AS key, json_extract(data, '$.name') AS name,
      json_extract(data, '$.version') AS version
      FROM records WHERE tbl = 'frameworks';
    CREATE VIEW framework_requirements AS SELECT id,
      json_extract(data, '$.framework_id') AS framework_id, json_extract(data, '$.ref') AS ref,
      json_extract(data, '$.parent_ref') AS parent_ref, json_extract(data, '$.top_ref') AS top_ref,
      json_extract(data, '$.leaf') AS leaf, json_extract(data, '$.position') AS position,
      json_extract(data, '$.title') AS title
      FROM records WHERE tbl = 'framework_requirements';
    CREATE VIEW controls AS SELECT id,
      json_extract(data, '$.title') AS title, json_extract(data, '$.owner_id') AS owner_id,
      json_extract(data, '$.status') AS status, json_extract(data, '$.needs_evidence') AS needs_evidence,
      json_extract(data, '$.updated_at') AS updated_at
      FROM records WHERE tbl = 'controls';
    CREATE VIEW control_requirements AS SELECT id,
      json_extract(data, '$.control_id') AS control_id, json_extract(data, '$.requirement_id') AS requirement_id
      FROM records WHERE tbl = 'control_requirements';
    CREATE VIEW evidence AS SELECT id,
      json_extract(data, '$.control_id') AS control_id, json_extract(data, '$.kind') AS kind,
      json_extract(data, '$.title') AS title, json_extract(data, '$.url') AS url,
      json_extract(data, '$.file_name') AS file_name, json_extract(data, '$.effective_at') AS effective_at,
      json_extract(data, '$.expires_at') AS expires_at, json_extract(data, '$.added_at') AS added_at
      FROM records WHERE tbl = 'evidence';
    CREATE VIEW control_test_results AS SELECT id,
      json_extract(data, '$.test_id') AS test_id, json_extract(data, '$.status') AS status,
      json_extract(data, '$.summary') AS summary, json_extract(data, '$.subjects') AS subjects,
      json_extract(data, '$.evaluated_at') AS evaluated_at
      FROM records WHERE tbl = 'control_test_results';

    -- A risk's links and signals; a vendor's hosts and assessments; coverage's joins (a
    -- requirement's controls, a control's evidence); the latest result of each test.
    CREATE INDEX records_risk_host_risk ON records (tbl, json_extract(data, '$.risk_id'))
      WHERE tbl = 'risk_hosts';
    CREATE INDEX records_risk_signal_risk ON records (tbl, json_extract(data, '$.risk_id'))
      WHERE tbl = 'risk_signals';
    CREATE INDEX records_vendor_host_vendor ON records (tbl, json_extract(data, '$.vendor_id'))
      WHERE tbl = 'vendor_hosts';
    CREATE INDEX records_assessment_vendor ON records (tbl, json_extract(data, '$.vendor_id'))
      WHERE tbl = 'vendor_assessments';
    CREATE INDEX records_requirement_framework ON records (tbl, json_extract(data, '$.framework_id'))
      WHERE tbl = 'framework_requirements';
    CREATE INDEX records_control_req_requirement ON records (tbl, json_extract(data, '$.requirement_id'))
      WHERE tbl = 'control_requirements';
    CREATE INDEX records_evidence_control ON records (tbl, json_extract(data, '$.control_id'))
      WHERE tbl = 'evidence';
    CREATE INDEX records_test_result_test ON records (tbl, json_extract(data, '$.test_id'),
      json_extract(data, '$.evaluated_at')) WHERE tbl = 'control_test_results';
  `,
};
