import { describe, expect, it } from 'vitest';
import {
  allowedTransitions,
  canTransition,
  INCIDENT_STATES,
  INCIDENT_TRANSITIONS,
  transitionRefusal,
} from '../src/incident-states.ts';
import { projectProgress } from '../src/work.ts';

describe('the incident state machine', () => {
  it('moves forward, back to investigating only from monitoring and resolved, and never out of closed', () => {
    expect(INCIDENT_TRANSITIONS).toEqual({
      investigating: ['identified', 'monitoring', 'resolved'],
      identified: ['monitoring', 'resolved'],
      monitoring: ['resolved', 'investigating'],
      resolved: ['closed', 'investigating'],
      closed: [],
    });
    // Closing needs a resolution first; no state moves to itself.
    for (const s of INCIDENT_STATES) {
      expect(canTransition(s, s)).toBe(false);
      expect(canTransition(s, 'closed')).toBe(s === 'resolved');
    }
  });

  it('says why a move is refused and names what is allowed instead', () => {
    expect(transitionRefusal('investigating', 'identified')).toBeUndefined();
    expect(transitionRefusal('identified', 'investigating')).toBe(
      'an incident cannot go from identified to investigating; from identified it may go to monitoring, resolved',
    );
    expect(transitionRefusal('resolved', 'resolved')).toBe(
      'the incident is already resolved; from resolved it may go to closed, investigating',
    );
    expect(transitionRefusal('closed', 'investigating')).toBe(
      'an incident cannot go from closed to investigating; closed is final',
    );
    expect(allowedTransitions('monitoring')).toEqual(['resolved', 'investigating']);
  });
});

describe('project progress', () => {
  it('counts done over the tasks that still count, rounded down', () => {
    expect(projectProgress([])).toMatchObject({ total: 0, percent: 0 });
    expect(projectProgress(['cancelled'])).toMatchObject({ total: 1, cancelled: 1, percent: 0 });
    expect(projectProgress(['done', 'done', 'todo'])).toMatchObject({ done: 2, todo: 1, percent: 66 });
    expect(projectProgress(['done', 'cancelled'])).toMatchObject({ percent: 100 });
    const almost = [...Array<'done'>(199).fill('done'), 'in_progress' as const];
    expect(projectProgress(almost).percent).toBe(99);
  });
});
