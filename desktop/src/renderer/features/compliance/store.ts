import { create } from 'zustand';
import type { RiskView } from '../../../bridge/compliance.ts';

/** The replica tables each compliance page reads (re-read when a pull touches one). */
export const RISK_TABLES = [
  'risks',
  'risk_hosts',
  'risk_vendors',
  'risk_signals',
  'people',
  'hosts',
  'vendors',
];
export const VENDOR_TABLES = [
  'vendors',
  'vendor_hosts',
  'vendor_assessments',
  'hosts',
  'host_status',
  'people',
];
export const CONTROL_TABLES = [
  'frameworks',
  'framework_requirements',
  'controls',
  'control_requirements',
  'evidence',
  'control_test_results',
  'people',
];

/**
 * What the compliance pages are looking at: the heat map's view and chosen cell, the open risk,
 * the open vendor. The rows themselves are read from the core (use-bridge.ts).
 */
export type ComplianceUi = {
  riskView: RiskView;
  cell: { likelihood: number; impact: number } | undefined;
  riskId: string | undefined;
  vendorId: string | undefined;
};

export const useCompliance = create<ComplianceUi>()(() => ({
  riskView: 'inherent',
  cell: undefined,
  riskId: undefined,
  vendorId: undefined,
}));
