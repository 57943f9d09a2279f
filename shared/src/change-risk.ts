import { z } from 'zod';

/**
 * A change's risk, pure: a questionnaire (impact and likelihood questions, each answer weighted)
 * gives impact × likelihood, and rules about the change's hosts and timing add to it. The server
 * scores with it (server/src/changes/risk.ts gathers the facts) and the desktop shows the same
 * questions and can preview the same score.
 */

export const RISK_LEVELS = ['low', 'moderate', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];
export const riskLevelSchema = z.enum(RISK_LEVELS, {
  error: `risk must be one of ${RISK_LEVELS.join(', ')}`,
});

/** low < moderate < high, for "at least" comparisons (approval policies match a minimum risk). */
export function riskRank(level: RiskLevel): number {
  return RISK_LEVELS.indexOf(level);
}

type Option = { value: string; label: string; points: number };
type Question = {
  id: string;
  axis: 'impact' | 'likelihood';
  text: string;
  options: readonly Option[];
  /** What an unanswered question counts as: the middle answer, so not answering is never cheaper. */
  unanswered: string;
};

/** The questionnaire, in the order it is asked. */
export const RISK_QUESTIONS = [
  {
    id: 'reach',
    axis: 'impact',
    text: 'Who notices if it goes wrong?',
    options: [
      { value: 'team', label: 'Only our team', points: 0 },
      { value: 'some', label: 'Some users or one service', points: 2 },
      { value: 'everyone', label: 'Customers or many services', points: 4 },
    ],
    unanswered: 'some',
  },
  {
    id: 'interruption',
    axis: 'impact',
    text: 'Does a service stop while it is done?',
    options: [
      { value: 'none', label: 'No', points: 0 },
      { value: 'degraded', label: 'It is degraded', points: 1 },
      { value: 'outage', label: 'It is down', points: 3 },
    ],
    unanswered: 'degraded',
  },
  {
    id: 'tested',
    axis: 'likelihood',
    text: 'Was it rehearsed somewhere like production?',
    options: [
      { value: 'yes', label: 'Yes', points: 0 },
      { value: 'partly', label: 'Partly', points: 1 },
      { value: 'no', label: 'No', points: 2 },
    ],
    unanswered: 'partly',
  },
  {
    id: 'rollback',
    axis: 'likelihood',
    text: 'How is it undone?',
    options: [
      { value: 'automatic', label: 'Automatically', points: 0 },
      { value: 'manual', label: 'By hand, with a plan', points: 1 },
      { value: 'impossible', label: 'It cannot be undone', points: 3 },
    ],
    unanswered: 'manual',
  },
  {
    id: 'familiar',
    axis: 'likelihood',
    text: 'Has the team done this before?',
    options: [
      { value: 'routine', label: 'Routinely', points: 0 },
      { value: 'rarely', label: 'Rarely', points: 1 },
      { value: 'never', label: 'Never', points: 2 },
    ],
    unanswered: 'rarely',
  },
] as const satisfies readonly Question[];
export type RiskQuestionId = (typeof RISK_QUESTIONS)[number]['id'];

type AnswerShape = {
  [Q in (typeof RISK_QUESTIONS)[number] as Q['id']]: z.ZodOptional<
    z.ZodEnum<{ [V in Q['options'][number]['value']]: V }>
  >;
};

/** Answers by question id; each value must be one of that question's options. */
export const riskAnswersSchema = z
  .object(
    Object.fromEntries(
      RISK_QUESTIONS.map((q) => {
        const values = q.options.map((o) => o.value);
        return [
          q.id,
          z
            .enum(values as [string, ...string[]], { error: `${q.id} must be one of ${values.join(', ')}` })
            .optional(),
        ];
      }),
    ) as AnswerShape,
  )
  .strict();
export type RiskAnswers = z.infer<typeof riskAnswersSchema>;

/** A lead time shorter than this (planned start minus the time of assessment) raises the risk. */
export const SHORT_LEAD_TIME_HOURS = 48;
/** Hosts with this tag are production: changing one raises the risk. */
export const PRODUCTION_TAG = 'production';

/** What the rules add, in points on top of impact × likelihood (1–25). */
export const RULE_POINTS = { short_lead_time: 6, production: 6, open_problem: 10 } as const;
/** The highest score of each level: up to 6 is low, up to 14 moderate, above that high. */
export const LEVEL_CEILINGS = { low: 6, moderate: 14 } as const;

/** The facts about a change the rules read, gathered by the server. */
export type RiskFacts = {
  /** Hours from the assessment to the planned start; undefined when no start is planned. */
  leadTimeHours: number | undefined;
  /** Affected hosts tagged production (hostnames), or the tag itself when the change names it. */
  production: string[];
  /** Open critical alerts and open incidents on affected hosts, in words ("critical alert on a.example"). */
  openProblems: string[];
};

export type RiskReason = { code: string; points: number; text: string };
export type RiskAssessment = {
  level: RiskLevel;
  score: number;
  impact: number;
  likelihood: number;
  reasons: RiskReason[];
};

const axisScore = (points: number) => Math.min(5, 1 + points);

/** Scores a change from its answers and facts. Pure: the same inputs always give the same risk. */
export function assessRisk(answers: RiskAnswers, facts: RiskFacts): RiskAssessment {
  const points = { impact: 0, likelihood: 0 };
  const unanswered: string[] = [];
  for (const q of RISK_QUESTIONS) {
    const given: string | undefined = answers[q.id];
    const value = given ?? q.unanswered;
    if (given === undefined) unanswered.push(q.text);
    const option = (q.options as readonly Option[]).find((o) => o.value === value);
    points[q.axis] += option?.points ?? 0;
  }
  const impact = axisScore(points.impact);
  const likelihood = axisScore(points.likelihood);
  const reasons: RiskReason[] = [
    {
      code: 'questionnaire',
      points: impact * likelihood,
      text: `impact ${impact} × likelihood ${likelihood} from the questionnaire`,
    },
  ];
  if (unanswered.length > 0)
    reasons.push({
      code: 'unanswered',
      points: 0,
      text: `${unanswered.length} question(s) unanswered, counted as the middle answer: ${unanswered.join(' ')}`,
    });
  if (facts.leadTimeHours !== undefined && facts.leadTimeHours < SHORT_LEAD_TIME_HOURS)
    reasons.push({
      code: 'short_lead_time',
      points: RULE_POINTS.short_lead_time,
      text: `planned to start in ${Math.max(0, Math.floor(facts.leadTimeHours))} h, less than ${SHORT_LEAD_TIME_HOURS} h of notice`,
    });
  if (facts.production.length > 0)
    reasons.push({
      code: 'production',
      points: RULE_POINTS.production,
      text: `touches production: ${facts.production.join(', ')}`,
    });
  if (facts.openProblems.length > 0)
    reasons.push({
      code: 'open_problem',
      points: RULE_POINTS.open_problem,
      text: `affected hosts have open problems: ${facts.openProblems.join('; ')}`,
    });
  const score = reasons.reduce((sum, r) => sum + r.points, 0);
  const level: RiskLevel =
    score <= LEVEL_CEILINGS.low ? 'low' : score <= LEVEL_CEILINGS.moderate ? 'moderate' : 'high';
  return { level, score, impact, likelihood, reasons };
}
