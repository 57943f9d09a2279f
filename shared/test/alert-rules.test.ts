import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlertPredicate, evaluate, type HostFacts, type RuleState, step } from '../src/alert-rules.ts';

const NOW = new Date('2026-11-23T12:00:00Z');
const base: HostFacts = {
  reachable: true,
  consecutiveUnreachable: 0,
  grade: 'A',
  notAfter: '2027-06-01T00:00:00.000Z',
  chainTrusted: true,
  hostnameMatch: true,
  ocspStapled: true,
  protocols: { 'TLSv1.2': 'accepted', 'TLSv1.3': 'accepted', TLSv1: 'rejected' },
  handshakeMs: 40,
  agentLastSeen: '2026-11-23T11:59:00.000Z',
};

describe('evaluate', () => {
  it.each<[AlertPredicate, Partial<HostFacts>, boolean, RegExp]>([
    [
      { kind: 'expires_within', days: 30 },
      { notAfter: '2026-12-03T12:00:00.000Z' },
      true,
      /expires in 10 day/,
    ],
    [{ kind: 'expires_within', days: 30 }, {}, false, /expires in 189 day/],
    [{ kind: 'expires_within', days: 30 }, { notAfter: '2026-11-01T00:00:00.000Z' }, true, /expired 23 day/],
    [{ kind: 'grade_below', grade: 'B' }, { grade: 'C' }, true, /grade C/],
    [{ kind: 'grade_below', grade: 'B' }, { grade: 'A+' }, false, /grade A\+/],
    [{ kind: 'grade_below', grade: 'F' }, { grade: 'T' }, true, /grade T/],
    [{ kind: 'chain_invalid' }, { chainTrusted: false }, true, /not trusted/],
    [{ kind: 'hostname_mismatch' }, { hostnameMatch: false }, true, /does not match/],
    [{ kind: 'ocsp_missing' }, { ocspStapled: false }, true, /no OCSP/],
    [
      { kind: 'protocol_enabled', protocol: 'TLSv1' },
      { protocols: { TLSv1: 'accepted' } },
      true,
      /TLSv1 accepted/,
    ],
    [{ kind: 'protocol_enabled', protocol: 'TLSv1' }, {}, false, /TLSv1 rejected/],
    [{ kind: 'unreachable', scans: 3 }, { reachable: false, consecutiveUnreachable: 2 }, false, /2 scan/],
    [{ kind: 'unreachable', scans: 3 }, { reachable: false, consecutiveUnreachable: 3 }, true, /3 scan/],
    [{ kind: 'latency_above', ms: 30 }, {}, true, /40 ms/],
    [
      { kind: 'agent_offline', minutes: 10 },
      { agentLastSeen: '2026-11-23T11:40:00.000Z' },
      true,
      /20 minute/,
    ],
    [{ kind: 'expires_within', days: 30 }, { notAfter: null }, false, /no certificate/],
  ])('%j on %j → %s', (predicate, facts, firing, summary) => {
    const result = evaluate(predicate, { ...base, ...facts }, NOW);
    expect(result.firing).toBe(firing);
    expect(result.summary).toMatch(summary);
  });
});

describe('step (flapping suppression)', () => {
  /** Replays results through step, tracking whether an alert is open, as the server does. */
  function replay(results: boolean[], openAfter: number, resolveAfter: number) {
    let state: RuleState | undefined;
    let open = false;
    const transitions: Array<'open' | 'resolve'> = [];
    for (const r of results) {
      const next = step(state, r, open, { openAfter, resolveAfter });
      state = next.state;
      if (next.transition === 'open') open = true;
      if (next.transition === 'resolve') open = false;
      if (next.transition) transitions.push(next.transition);
    }
    return { open, transitions };
  }

  it('opens and resolves alternately, never twice in a row', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: 200 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        (results, o, r) => {
          const { transitions } = replay(results, o, r);
          transitions.forEach((t, i) => expect(t).toBe(i % 2 === 0 ? 'open' : 'resolve'));
        },
      ),
    );
  });

  it('opens only after openAfter firing results in a row', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: 200 }),
        fc.integer({ min: 1, max: 5 }),
        (results, o) => {
          let run = 0;
          let state: RuleState | undefined;
          let open = false;
          for (const r of results) {
            run = r ? run + 1 : 0;
            const next = step(state, r, open, { openAfter: o, resolveAfter: 1 });
            state = next.state;
            if (next.transition === 'open') {
              expect(run).toBeGreaterThanOrEqual(o);
              open = true;
            }
            if (next.transition === 'resolve') open = false;
          }
        },
      ),
    );
  });

  it('with thresholds of 1 follows the input exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 100 }), (results) => {
        expect(replay(results, 1, 1).open).toBe(results.at(-1));
      }),
    );
  });

  it('ignores a flapping input shorter than the thresholds', () => {
    const alternating = Array.from({ length: 50 }, (_, i) => i % 2 === 0);
    expect(replay(alternating, 2, 2).transitions).toEqual([]);
  });
});
