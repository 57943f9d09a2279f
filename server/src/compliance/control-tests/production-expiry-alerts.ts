import { AlertScope, inScope } from '@vigilo/shared/alert-rules';
import type { ControlTestEvaluator } from './types.ts';
import { judge } from './types.ts';
import { productionHosts } from './production-hosts.ts';

/**
 * Every production host is in the scope of an enabled certificate-expiry rule (expires_within):
 * otherwise its certificate can lapse with nobody told. Scopes are matched by the rule engine's own
 * `inScope`, so this test and the alerts agree on what a rule covers.
 */
export const productionExpiryAlerts: ControlTestEvaluator = async (tx) => {
  const hosts = await productionHosts(tx);
  const { rows } = await tx.query<{ id: string; name: string; scope: unknown }>(
    `SELECT id, name, scope FROM alert_rules
     WHERE enabled AND predicate->>'kind' = 'expires_within' ORDER BY name`,
  );
  const rules = rows.flatMap((r) => {
    const scope = AlertScope.safeParse(r.scope);
    return scope.success ? [{ id: r.id, name: r.name, scope: scope.data }] : [];
  });
  const subjects = hosts.map((h) => {
    const covering = rules.filter((r) => inScope(r.scope, h));
    return {
      type: 'host',
      id: h.id,
      ok: covering.length > 0,
      fields: { hostname: h.hostname, port: h.port, rules: covering.map((r) => r.name).join(', ') || null },
    };
  });
  return judge(subjects, {
    none: 'No active host is tagged production.',
    pass: (n) => `All ${n} production host(s) are covered by an expiry alert rule.`,
    fail: (bad, n) => `${bad} of ${n} production host(s) are not covered by any expiry alert rule.`,
  });
};
