import type { ControlTestId } from '@vigilo/shared/control-tests';
import { auditChainVerifies } from './audit-chain-verifies.ts';
import { criticalVendorAssessed } from './critical-vendor-assessed.ts';
import { emergencyRetrospective } from './emergency-retrospective.ts';
import { productionChangesApproved } from './production-changes-approved.ts';
import { productionExpiryAlerts } from './production-expiry-alerts.ts';
import { productionGradeB } from './production-grade-b.ts';
import { productionNoLegacyTls } from './production-no-legacy-tls.ts';
import { risksReviewed } from './risks-reviewed.ts';
import type { ControlTestEvaluator } from './types.ts';

/**
 * One evaluator per test of CONTROL_TESTS (shared/src/control-tests.ts). Exhaustive: a test added
 * to the shared list does not compile until it is evaluated here.
 */
export const CONTROL_TEST_EVALUATORS: Record<ControlTestId, ControlTestEvaluator> = {
  production_expiry_alerts: productionExpiryAlerts,
  production_no_legacy_tls: productionNoLegacyTls,
  production_grade_b: productionGradeB,
  emergency_retrospective: emergencyRetrospective,
  production_changes_approved: productionChangesApproved,
  critical_vendor_assessed: criticalVendorAssessed,
  risks_reviewed: risksReviewed,
  audit_chain_verifies: auditChainVerifies,
};
