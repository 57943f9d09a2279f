import { type FrameworkDocument, frameworkDocumentSchema } from '@vigilo/shared/frameworks';
import { ActionRefused } from '../../domain-errors.ts';

/**
 * Reads a framework catalogue (the import format, README "Frameworks, controls and evidence")
 * from its JSON text. Every problem is found before anything is stored, and all of them are
 * reported at once, each naming its line and path, so a 300-line catalogue is fixed in one pass
 * rather than one refusal per mistake.
 */

/** The problems reported in one refusal; past this the message says how many more there are. */
const MAX_LISTED = 20;

/** One requirement in a stored catalogue, with what the format only implies made explicit. */
export type CatalogueRequirement = {
  ref: string;
  parentRef: string | null;
  title: string;
  /** The top-level requirement it belongs to (a CSF function): coverage is grouped by it. */
  topRef: string;
  /** Has no children: what controls map to and coverage counts. */
  leaf: boolean;
  position: number;
  mappings: Record<string, string[]>;
};

export type Catalogue = Omit<FrameworkDocument, 'requirements'> & { requirements: CatalogueRequirement[] };

type Problem = { path: Array<string | number>; message: string };

/**
 * Parses and checks `source`; refuses with `invalid` naming the field `document` and, in the
 * message, each bad line. Besides the schema: requirement ids are unique and a parent is a
 * requirement listed before its children (so the tree has no cycles).
 */
export function parseCatalogue(source: string): Catalogue {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message);
    const where = at ? `line ${lineOf(source, Number(at[1]))}: ` : '';
    throw refuse(source, [{ path: [], message: `${where}not valid JSON (${(err as Error).message})` }]);
  }
  const parsed = frameworkDocumentSchema.safeParse(value);
  if (!parsed.success)
    throw refuse(
      source,
      parsed.error.issues.map((i) => ({ path: i.path as Array<string | number>, message: i.message })),
      value,
    );
  const doc = parsed.data;

  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  doc.requirements.forEach((r, i) => {
    if (seen.has(r.id))
      problems.push({
        path: ['requirements', i, 'id'],
        message: `"${r.id}" is listed twice (also requirement ${seen.get(r.id)})`,
      });
    else seen.set(r.id, i);
    if (r.parent !== undefined && !(seen.has(r.parent) && r.parent !== r.id))
      problems.push({
        path: ['requirements', i, 'parent'],
        message: `"${r.parent}" is not a requirement listed before this one`,
      });
  });
  if (problems.length > 0) throw refuse(source, problems, value);

  const byRef = new Map(doc.requirements.map((r) => [r.id, r]));
  const parents = new Set(doc.requirements.flatMap((r) => (r.parent ? [r.parent] : [])));
  const topOf = (ref: string): string => {
    const parent = byRef.get(ref)?.parent;
    return parent ? topOf(parent) : ref;
  };
  return {
    ...doc,
    requirements: doc.requirements.map((r, i) => ({
      ref: r.id,
      parentRef: r.parent ?? null,
      title: r.title,
      topRef: topOf(r.id),
      leaf: !parents.has(r.id),
      position: i,
      mappings: Object.fromEntries(
        Object.entries(r.mappings ?? {}).filter(([, ids]) => ids && ids.length > 0),
      ),
    })),
  };
}

/** The refusal: the first problem as the field, all of them (up to MAX_LISTED) in the message. */
function refuse(source: string, problems: Problem[], value?: unknown): ActionRefused {
  const lines = requirementLines(source);
  const described = problems.map((p) => describe(p, lines, value));
  const listed = described.slice(0, MAX_LISTED);
  const more = described.length > MAX_LISTED ? `; and ${described.length - MAX_LISTED} more` : '';
  const message = `document: ${described.length === 1 ? 'a problem' : `${described.length} problems`}, nothing imported: ${listed.join('; ')}${more}`;
  return new ActionRefused('invalid', message, {
    issue: { path: ['document'], message: message.slice('document: '.length) },
  });
}

/** `line 12, requirements[3] (GV.OC-02).parent: …`: where a reader finds it and what it is. */
function describe(p: Problem, lines: number[], value: unknown): string {
  const [head, index, ...rest] = p.path;
  if (head === 'requirements' && typeof index === 'number') {
    const id = requirementIdAt(value, index);
    const line = lines[index] === undefined ? '' : `line ${lines[index]}, `;
    const field = rest.length > 0 ? `.${rest.join('.')}` : '';
    return `${line}requirements[${index}]${id ? ` (${id})` : ''}${field}: ${p.message}`;
  }
  return p.path.length > 0 ? `${p.path.join('.')}: ${p.message}` : p.message;
}

function requirementIdAt(value: unknown, index: number): string | undefined {
  const list = (value as { requirements?: unknown } | null)?.requirements;
  const entry = Array.isArray(list) ? (list[index] as { id?: unknown } | undefined) : undefined;
  return typeof entry?.id === 'string' ? entry.id.slice(0, 64) : undefined;
}

function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The line on which each entry of the top-level `requirements` list starts. A small scan of the
 * JSON text (strings skipped, nesting counted) rather than a parser with positions: the document
 * has one list at the top level, so an element is a value directly inside an array inside the
 * root object.
 */
function requirementLines(source: string): number[] {
  const lines: number[] = [];
  const stack: string[] = [];
  let line = 1;
  let inString = false;
  let expectValue = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    const inList = stack.length === 2 && stack[0] === '{' && stack[1] === '[';
    if (inList && c === ',') expectValue = true;
    else if (inList && expectValue && !/[\s\]]/.test(c)) {
      lines.push(line);
      expectValue = false;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') stack.push(c);
    else if (c === '}' || c === ']') stack.pop();
    if (stack.length === 2 && stack[1] === '[' && c === '[') expectValue = true;
  }
  return lines;
}
