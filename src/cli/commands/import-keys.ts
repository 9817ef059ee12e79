import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ACCESS_TOKEN_PATTERN } from '../../core/access-tokens.js';
import { AigwError, ERRORS } from '../../core/errors.js';
import { checkLabels, checkSecretValue } from '../../core/provider-keys.js';
import { PROVIDER_KEY_VARIABLES, providerOfVariable } from '../../core/providers.js';
import { redact } from '../../core/redact.js';
import type { Api, Factory } from '../factory.js';
import type { IO, View } from '../io.js';
import type { FlagOptions } from '../command.js';
import type { importFlags } from './provider-keys.js';

/** One value found in a source, before it is judged. */
export interface Candidate {
  /** Where it was found: `the environment`, `.env:3`, `.env:4-6` (a value over several lines), `keys.yaml #2`. */
  from: string;
  file?: string;
  lines?: [number, number];
  variable?: string;
  providerId?: string;
  value: string;
  name?: string;
  description?: string;
  metadata?: string;
  /** Set by the reader when it already knows the value cannot be stored. */
  refused?: string;
}

export type ImportStatus = 'stored' | 'would store' | 'skipped' | 'refused';

export interface ImportResult {
  status: ImportStatus;
  from: string;
  variable: string | null;
  providerId: string | null;
  /** The key it was stored as, or the stored key that already holds the value. */
  id: string | null;
  keyRedacted: string | null;
  reason: string | null;
}

/** Names that look like a secret of some service: reported when aigw cannot tell which provider it is for. */
const SECRET_LIKE = /(API_?KEY|_TOKEN|_SECRET|_KEY)$/i;
const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;

/**
 * Reads a .env file the way the common loaders do (`export` allowed, `#` comments, '…', "…" and `…`
 * quotes, a quoted value may span lines), keeping the line numbers so the summary can name them.
 * Variables that are not provider keys and do not look like secrets are left out; `others` counts them.
 */
export function readDotenv(text: string, file: string): { candidates: Candidate[]; others: number } {
  const lines = text.split(/\r?\n/);
  const candidates: Candidate[] = [];
  let others = 0;
  for (let i = 0; i < lines.length; i++) {
    const match = ASSIGNMENT.exec(lines[i]!);
    if (!match || lines[i]!.trimStart().startsWith('#')) continue;
    const variable = match[1]!;
    const first = i + 1;
    const rest = match[2]!;
    let value: string;
    let refused: string | undefined;
    const quote = rest[0];
    if (quote === '"' || quote === "'" || quote === '`') {
      let body = rest.slice(1);
      let close = closingQuote(body, quote);
      let end = i;
      while (close < 0 && end + 1 < lines.length) {
        body += '\n' + lines[++end];
        close = closingQuote(body, quote);
      }
      // A quote never closed takes only its own line: the lines after it are read as they are.
      if (close < 0) refused = 'the quote that starts this value is never closed';
      else i = end;
      value = close < 0 ? rest.slice(1) : body.slice(0, close);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    } else {
      value = rest.replace(/\s+#.*$/, '').trim();
    }
    const providerId = providerOfVariable(variable);
    if (!providerId && !SECRET_LIKE.test(variable)) {
      others++;
      continue;
    }
    const last = i + 1;
    const where = `${file}:${first === last ? first : `${first}-${last}`}`;
    candidates.push({ from: where, file, lines: [first, last], variable, value, ...(providerId ? { providerId } : {}), ...(refused ? { refused } : {}) });
  }
  return { candidates, others };
}

function closingQuote(body: string, quote: string): number {
  for (let i = 0; i < body.length; i++) {
    if (quote === '"' && body[i] === '\\') i++;
    else if (body[i] === quote) return i;
  }
  return -1;
}

/** The provider key variables of the catalog that are set in this environment. */
export function readEnvironment(env: NodeJS.ProcessEnv): Candidate[] {
  return PROVIDER_KEY_VARIABLES.filter((v) => env[v.name] !== undefined).map((v) => ({
    from: 'the environment',
    variable: v.name,
    providerId: v.providerId,
    value: env[v.name]!,
  }));
}

const LIST_FIELDS = new Set(['providerId', 'value', 'name', 'description', 'metadata']);

/** A JSON or YAML list of `{ providerId, value, name?, description?, metadata? }`. */
export async function readList(text: string, file: string): Promise<Candidate[]> {
  let parsed: unknown;
  try {
    parsed = /\.json$/i.test(file) ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (err) {
    throw new AigwError(ERRORS.invalidImportList, `${file} is not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!Array.isArray(parsed)) throw new AigwError(ERRORS.invalidImportList, `${file} must hold a list of { providerId, value } entries`);
  return parsed.map((entry, i): Candidate => {
    const from = `${file} #${i + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return { from, value: '', refused: 'not an object with providerId and value' };
    }
    const fields = entry as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((k) => !LIST_FIELDS.has(k));
    const texts = ['providerId', 'value', 'name', 'description', 'metadata'].filter((k) => k in fields && typeof fields[k] !== 'string');
    const refused = unknown.length
      ? `unknown field ${unknown.join(', ')} (allowed: ${[...LIST_FIELDS].join(', ')})`
      : texts.length
        ? `${texts.join(', ')} must be text`
        : typeof fields.providerId !== 'string' || !fields.providerId
          ? 'no providerId'
          : undefined;
    const text = (k: string) => (typeof fields[k] === 'string' ? (fields[k] as string) : undefined);
    return {
      from,
      value: text('value') ?? '',
      ...(text('providerId') ? { providerId: text('providerId') } : {}),
      ...(text('name') !== undefined ? { name: text('name') } : {}),
      ...(text('description') !== undefined ? { description: text('description') } : {}),
      ...(text('metadata') !== undefined ? { metadata: text('metadata') } : {}),
      ...(refused ? { refused } : {}),
    };
  });
}

/** Why a value cannot be stored, judged here so it never travels; undefined when it can. */
function refusalOf(c: Candidate): string | undefined {
  if (c.refused) return c.refused;
  if (!c.providerId) {
    return `${c.variable} is not a provider key variable aigw knows (see \`aigw provider-keys import --help\`); store it with \`aigw provider-keys create --provider-id …\``;
  }
  if (c.value.trim() === '') return 'the value is empty';
  if (/[\r\n]/.test(c.value)) return 'the value spans several lines; a provider key is one line';
  if (ACCESS_TOKEN_PATTERN.test(c.value.trim())) return 'this is an aigw access key (from `aigw run` or `aigw env`), not a provider key';
  try {
    checkSecretValue(c.value);
    checkLabels(c);
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

function keyName(c: Candidate): string {
  if (c.name !== undefined) return c.name;
  const where = c.file ? basename(c.file) : 'the environment';
  return `${c.variable} from ${where}`.slice(0, 255);
}

interface StoredKey {
  id: string;
  providerId: string;
  keyRedacted: string;
}

/** `provider-keys import`'s flags (provider-keys.ts; this file loads only when it runs). */
type ImportOptions = FlagOptions<typeof importFlags<[], {}, {}>>;

/** Judges and stores each candidate in order: a value is stored once, even when several sources hold it. */
export async function importCandidates(io: IO, api: Api, candidates: readonly Candidate[], options: ImportOptions): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  const seen = new Map<string, string>();
  const progress = await io.progress('Importing provider keys', candidates.length);
  try {
    for (const c of candidates) {
      const base = { from: c.from, variable: c.variable ?? null, providerId: c.providerId ?? null };
      const refused = refusalOf(c);
      const earlier = seen.get(c.value);
      if (refused) {
        results.push({ ...base, status: 'refused', id: null, keyRedacted: null, reason: refused });
      } else if (earlier) {
        results.push({ ...base, status: 'skipped', id: null, keyRedacted: redact(c.value), reason: `the same value as ${earlier}` });
      } else {
        seen.set(c.value, c.from);
        results.push(await importOne(api, c, options, base));
      }
      progress.tick();
    }
  } finally {
    progress.stop();
  }
  return results;
}

async function importOne(api: Api, c: Candidate, options: ImportOptions, base: Pick<ImportResult, 'from' | 'variable' | 'providerId'>): Promise<ImportResult> {
  try {
    const { providerKey } = await api.request<{ providerKey: StoredKey | null }>('POST', '/provider-keys/lookup', { value: c.value });
    if (providerKey) {
      const where = providerKey.providerId === c.providerId ? '' : ` for ${providerKey.providerId}`;
      return { ...base, status: 'skipped', id: providerKey.id, keyRedacted: providerKey.keyRedacted, reason: `already stored as ${providerKey.id}${where}` };
    }
    if (options.dryRun) return { ...base, status: 'would store', id: null, keyRedacted: redact(c.value), reason: null };
    const key = await api.request<StoredKey>('POST', '/provider-keys', {
      providerId: c.providerId,
      value: c.value,
      name: keyName(c),
      description: c.description,
      metadata: c.metadata,
      accessKeyId: options.aiGatewayApiKeyId,
    });
    return { ...base, status: 'stored', id: key.id, keyRedacted: key.keyRedacted, reason: null };
  } catch (err) {
    // The daemon's refusal (an unknown provider, the 15-keys limit) is this value's; losing the daemon is everyone's.
    if (err instanceof AigwError && err.def.kind === 'unavailable') throw err;
    return { ...base, status: 'refused', id: null, keyRedacted: null, reason: (err as Error).message };
  }
}

const view: View<ImportResult> = {
  id: (r) => r.id ?? '',
  columns: [
    { header: 'RESULT', field: 'status', value: (r) => r.status },
    { header: 'FROM', field: 'from', value: (r) => r.from },
    { header: 'VARIABLE', field: 'variable', value: (r) => r.variable ?? '', optional: true },
    { header: 'PROVIDER', field: 'providerId', value: (r) => r.providerId ?? '' },
    { header: 'KEY', field: 'keyRedacted', value: (r) => r.keyRedacted ?? '' },
    { header: 'ID', field: 'id', value: (r) => r.id ?? '' },
    { header: 'WHY', field: 'reason', value: (r) => r.reason ?? '', truncate: true, optional: true },
  ],
  details: [],
};

/** `3, 5-7` for the lines of one file. */
function lineList(ranges: readonly [number, number][]): string {
  return ranges.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(', ');
}

/** What the person can do now: the lines and variables whose values are in aigw (stored now or before). */
function removable(candidates: readonly Candidate[], results: readonly ImportResult[]): string[] {
  const inAigw = new Set(candidates.filter((_, i) => results[i]!.status === 'stored' || results[i]!.id !== null).map((c) => c.value));
  const byFile = new Map<string, [number, number][]>();
  const variables: string[] = [];
  candidates.forEach((c, i) => {
    if (results[i]!.status === 'refused' || !inAigw.has(c.value) || !c.variable) return;
    if (c.file && c.lines) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c.lines]);
    else if (!c.file) variables.push(c.variable);
  });
  const notes = [...byFile].map(([file, ranges]) => `${file}: line${ranges.length === 1 && ranges[0]![0] === ranges[0]![1] ? '' : 's'} ${lineList(ranges)}`);
  if (variables.length) notes.push(`the environment: unset ${variables.join(', ')} (and take them out of your shell profile)`);
  return notes;
}

function readSource(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new AigwError(ERRORS.unreadableInput, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** `aigw provider-keys import`: every source is read before anything is stored, so a bad one changes nothing. */
export async function importKeys({ io, api, env }: Factory, options: ImportOptions): Promise<void> {
  if (!options.fromEnv && !options.fromDotenv?.length && !options.fromFile) {
    throw new AigwError(ERRORS.noImportSource, 'say where the keys are: --from-env, --from-dotenv PATH… or --from-file keys.yaml');
  }
  const candidates: Candidate[] = [];
  let others = 0;
  if (options.fromEnv) candidates.push(...readEnvironment(env));
  for (const file of options.fromDotenv ?? []) {
    const read = readDotenv(readSource(file), file);
    candidates.push(...read.candidates);
    others += read.others;
  }
  if (options.fromFile) candidates.push(...(await readList(readSource(options.fromFile), options.fromFile)));

  const results = await importCandidates(io, api(), candidates, options);
  const count = (status: ImportStatus) => results.filter((r) => r.status === status).length;
  if (io.format === 'json') {
    const totals = { stored: count('stored'), wouldStore: count('would store'), skipped: count('skipped'), refused: count('refused') };
    io.out(JSON.stringify({ dryRun: Boolean(options.dryRun), ...totals, results }, null, 2));
    return;
  }
  if (io.format === 'quiet') {
    for (const r of results) if (r.status === 'stored') io.out(r.id!);
  } else if (results.length) {
    await io.printList({}, results, view);
  }
  const stored = options.dryRun ? `${count('would store')} would be stored (dry run: nothing was stored)` : `${count('stored')} stored`;
  const ignored = others ? `; ${others} other variable${others === 1 ? '' : 's'} left alone` : '';
  io.note(`${results.length ? '' : 'No provider keys found. '}${stored}, ${count('skipped')} skipped, ${count('refused')} refused${ignored}.`);
  const notes = options.dryRun ? [] : removable(candidates, results);
  if (notes.length) {
    io.note('Their values are in aigw now; aigw did not edit any file. You can remove:');
    for (const note of notes) io.note(`  ${note}`);
  }
}
