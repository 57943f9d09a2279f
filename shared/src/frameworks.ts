import { z } from 'zod';
import { text } from './safe-input.ts';

/**
 * Compliance frameworks, controls and evidence (issue 13): the import format of a framework
 * catalogue, the identifiers its requirements may map to, and the control statuses. Shared so the
 * desktop names the same statuses and could check a catalogue before sending it.
 */

/** The `format` a framework document declares; a later incompatible format gets a new number. */
export const FRAMEWORK_FORMAT = 'vigilo.framework/1';

/** The catalogue shipped to every workspace (server/src/compliance/frameworks/nist-csf-2.json). */
export const BUILTIN_FRAMEWORK_KEY = 'nist-csf-2.0';

/** A control's own status, as its owner sets it. */
export const CONTROL_STATUSES = ['not_implemented', 'partial', 'implemented'] as const;
export const controlStatusSchema = z.enum(CONTROL_STATUSES, {
  error: `status must be one of ${CONTROL_STATUSES.join(', ')}`,
});
export type ControlStatus = z.infer<typeof controlStatusSchema>;

/**
 * What a control shows: its status, except that a partial or implemented control without current
 * evidence (none, not yet effective, or expired) shows `needs_evidence`.
 */
export type ControlState = ControlStatus | 'needs_evidence';
export function controlState(status: ControlStatus, needsEvidence: boolean): ControlState {
  return status !== 'not_implemented' && needsEvidence ? 'needs_evidence' : status;
}

/**
 * The largest evidence file, in bytes. Files travel base64 in the tRPC input, which the server's
 * 8 MB body limit caps: 5 MB of file is about 6.7 MB of base64.
 */
export const EVIDENCE_FILE_MAX_BYTES = 5 * 1024 * 1024;

/** Evidence expiring within this many days shows in `controls.reminders` and is announced once. */
export const EVIDENCE_REMINDER_DAYS = 30;

const range = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

/** The 2017 SOC 2 Trust Services Criteria (revised points of focus 2022), by identifier. */
export const SOC2_CRITERIA: ReadonlySet<string> = new Set([
  ...range('CC1.', 1, 5),
  ...range('CC2.', 1, 3),
  ...range('CC3.', 1, 4),
  ...range('CC4.', 1, 2),
  ...range('CC5.', 1, 3),
  ...range('CC6.', 1, 8),
  ...range('CC7.', 1, 5),
  'CC8.1',
  ...range('CC9.', 1, 2),
  ...range('A1.', 1, 3),
  ...range('C1.', 1, 2),
  ...range('PI1.', 1, 5),
  'P1.1',
  'P2.1',
  ...range('P3.', 1, 2),
  ...range('P4.', 1, 3),
  ...range('P5.', 1, 2),
  ...range('P6.', 1, 7),
  'P7.1',
  'P8.1',
]);

/** ISO/IEC 27001:2022 Annex A controls: A.5.1–A.5.37, A.6.1–A.6.8, A.7.1–A.7.14, A.8.1–A.8.34. */
export const ISO27001_CONTROLS: ReadonlySet<string> = new Set([
  ...range('A.5.', 1, 37),
  ...range('A.6.', 1, 8),
  ...range('A.7.', 1, 14),
  ...range('A.8.', 1, 34),
]);

/** The schemes a requirement may map to, each with the identifiers it knows. */
export const MAPPING_SCHEMES = { soc2: SOC2_CRITERIA, iso27001: ISO27001_CONTROLS } as const;
export type MappingScheme = keyof typeof MAPPING_SCHEMES;

const known = (scheme: MappingScheme, what: string) =>
  z
    .array(text(), { error: `must be a list of ${what} identifiers` })
    .max(100, 'holds at most 100 identifiers')
    .superRefine((ids, ctx) => {
      ids.forEach((id, i) => {
        if (!MAPPING_SCHEMES[scheme].has(id))
          ctx.addIssue({ code: 'custom', path: [i], message: `"${id}" is not a ${what} identifier` });
      });
    });

/** A requirement identifier such as `PR.DS-01`, `A.8.24` or `CC6.1`. */
export const REQUIREMENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._()/-]{0,63}$/;
const requirementId = (what: string) =>
  text().regex(
    REQUIREMENT_ID_PATTERN,
    `${what} must be 1–64 letters, digits, spaces or . _ - ( ) /, starting with a letter or digit`,
  );

/** One requirement of a catalogue: a leaf (no children) is what controls map to and coverage counts. */
export const frameworkRequirementSchema = z.strictObject(
  {
    id: requirementId('id'),
    parent: requirementId('parent').optional(),
    title: text().trim().min(1, 'title must not be empty').max(500, 'title must be at most 500 characters'),
    mappings: z
      .strictObject(
        {
          soc2: known('soc2', 'SOC 2 Trust Services Criteria').optional(),
          iso27001: known('iso27001', 'ISO/IEC 27001:2022 Annex A').optional(),
        },
        { error: 'mappings may only hold soc2 and iso27001' },
      )
      .optional(),
  },
  { error: 'a requirement must be an object with id, title, and optionally parent and mappings' },
);

/** A framework catalogue as imported (`frameworks.import`) and as shipped (nist-csf-2.json). */
export const frameworkDocumentSchema = z.strictObject(
  {
    format: z.literal(FRAMEWORK_FORMAT, { error: `format must be "${FRAMEWORK_FORMAT}"` }),
    key: text().regex(
      /^[a-z0-9][a-z0-9._-]{0,63}$/,
      'key must be 1–64 lower-case letters, digits, . _ or -, starting with a letter or digit',
    ),
    name: text().trim().min(1, 'name must not be empty').max(200, 'name must be at most 200 characters'),
    version: text()
      .trim()
      .min(1, 'version must not be empty')
      .max(50, 'version must be at most 50 characters'),
    publisher: text().max(300, 'publisher must be at most 300 characters').optional(),
    url: z
      .url({ protocol: /^https?$/, error: 'url must be an http(s) address' })
      .max(2000)
      .optional(),
    requirements: z
      .array(frameworkRequirementSchema, { error: 'requirements must be a list' })
      .min(1, 'requirements must not be empty')
      .max(5000, 'requirements holds at most 5000 entries'),
  },
  { error: 'a framework document must be an object with format, key, name, version and requirements' },
);
export type FrameworkDocument = z.infer<typeof frameworkDocumentSchema>;
