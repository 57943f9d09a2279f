import { z } from 'zod';

/**
 * Vendor risk: tiers with their review cadence, questionnaire questions and answers, and the
 * scoring of an assessment. Pure, so the server's `assessments.record` and the desktop's
 * assessment form compute the same score.
 */

export const VENDOR_TIERS = ['critical', 'high', 'medium', 'low'] as const;
export type VendorTier = (typeof VENDOR_TIERS)[number];
export const vendorTierSchema = z.enum(VENDOR_TIERS, {
  error: `tier must be one of ${VENDOR_TIERS.join(', ')}`,
});

/** How many months between reviews, by tier: critical yearly, high every 2 years, and so on. */
export const REVIEW_MONTHS: Record<VendorTier, number> = { critical: 12, high: 24, medium: 36, low: 48 };

/**
 * When a vendor's next review is due: its tier's cadence after its last completed assessment, or
 * at once (its registration) when it was never assessed.
 */
export function nextReviewDue(tier: VendorTier, lastAssessedAt: Date | null, registeredAt: Date): Date {
  if (!lastAssessedAt) return registeredAt;
  const due = new Date(lastAssessedAt);
  due.setUTCMonth(due.getUTCMonth() + REVIEW_MONTHS[tier]);
  return due;
}

export const ANSWER_TYPES = ['yes_no', 'scale', 'text'] as const;
export type AnswerType = (typeof ANSWER_TYPES)[number];

/** A question of a template: `weight` counts in the score (text answers are not scored). */
export const questionSchema = z.object({
  id: z
    .string({ error: 'id must be a string' })
    .regex(/^[a-z0-9_-]{1,40}$/, 'id must be 1–40 lowercase letters, digits, - or _'),
  text: z.string({ error: 'text must be a string' }).trim().min(1, 'text must not be empty').max(500),
  weight: z
    .number({ error: 'weight must be a whole number from 1 to 10' })
    .int('weight must be a whole number from 1 to 10')
    .min(1, 'weight must be a whole number from 1 to 10')
    .max(10, 'weight must be a whole number from 1 to 10'),
  type: z.enum(ANSWER_TYPES, { error: `type must be one of ${ANSWER_TYPES.join(', ')}` }),
});
export type Question = z.infer<typeof questionSchema>;

/** An answer: yes/no as a boolean, a scale as 1–5, text as a string. Checked against its question by {@link scoreAssessment}. */
export const answerSchema = z.union([z.boolean(), z.number(), z.string().max(4000)], {
  error: 'an answer is true/false, a number from 1 to 5, or text',
});
export type Answer = z.infer<typeof answerSchema>;

/** What is wrong with one answer, by the question id it answers. */
export type AnswerIssue = { questionId: string; message: string };

export type AssessmentScore = { ok: true; score: number } | { ok: false; issue: AnswerIssue };

/** How much of a question's weight an answer earns, 0–1; null for text (not scored). */
function earned(q: Question, a: Answer): number | string | null {
  switch (q.type) {
    case 'yes_no':
      return typeof a === 'boolean' ? (a ? 1 : 0) : 'must be true or false';
    case 'scale':
      return typeof a === 'number' && Number.isInteger(a) && a >= 1 && a <= 5
        ? (a - 1) / 4
        : 'must be a whole number from 1 to 5';
    case 'text':
      return typeof a === 'string' ? null : 'must be text';
    default: {
      const never: never = q.type;
      return never;
    }
  }
}

/**
 * Scores answers against a questionnaire: the weighted share of the scored questions' best
 * answers, 0–100 rounded to a whole number (100 when nothing is scored). Every scored question
 * must be answered, answers must fit their question's type, and none may answer a question the
 * questionnaire does not have; the first problem is returned instead of a score.
 */
export function scoreAssessment(
  questions: readonly Question[],
  answers: Record<string, Answer>,
): AssessmentScore {
  const byId = new Map(questions.map((q) => [q.id, q]));
  for (const id of Object.keys(answers))
    if (!byId.has(id))
      return { ok: false, issue: { questionId: id, message: 'is not a question of this questionnaire' } };
  let got = 0;
  let possible = 0;
  for (const q of questions) {
    const a = answers[q.id];
    if (a === undefined) {
      if (q.type === 'text') continue;
      return { ok: false, issue: { questionId: q.id, message: 'must be answered' } };
    }
    const e = earned(q, a);
    if (typeof e === 'string') return { ok: false, issue: { questionId: q.id, message: e } };
    if (e === null) continue;
    got += q.weight * e;
    possible += q.weight;
  }
  return { ok: true, score: possible === 0 ? 100 : Math.round((100 * got) / possible) };
}

export const ASSESSMENT_OUTCOMES = ['approved', 'approved_with_conditions', 'rejected'] as const;
export type AssessmentOutcome = (typeof ASSESSMENT_OUTCOMES)[number];
export const assessmentOutcomeSchema = z.enum(ASSESSMENT_OUTCOMES, {
  error: `outcome must be one of ${ASSESSMENT_OUTCOMES.join(', ')}`,
});
