import { AigwError, ERRORS, type ErrorDef } from './errors.js';
import { LIMITS } from './limits.js';

/** Length in characters (code points), the unit ngrok's limits are stated in. */
export function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

// Printable ASCII, because the value travels in an HTTP header and real provider keys are ASCII.
const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * Checks a provider key value before it is stored: the same rules run in the CLI (so a bad value never
 * leaves the terminal) and in the daemon (the authority). Messages never quote the value.
 */
export function checkSecretValue(value: string): void {
  if (value.trim() === '') {
    throw new AigwError(ERRORS.emptyValue, 'the key value is empty; pass the provider key itself');
  }
  if (Buffer.byteLength(value) > LIMITS.secretValueBytes) {
    throw new AigwError(ERRORS.valueTooLong, `the key value is longer than ${LIMITS.secretValueBytes} bytes`);
  }
  if (!HEADER_SAFE.test(value)) {
    throw new AigwError(
      ERRORS.invalidValue,
      'the key value must be printable ASCII with no line breaks, tabs or surrounding spaces; check what was pasted',
    );
  }
}

export interface Labels {
  name?: string | null | undefined;
  description?: string | null | undefined;
  metadata?: string | null | undefined;
}

type LabelRules = readonly [keyof Labels, number, ErrorDef][];

const LABEL_RULES: LabelRules = [
  ['name', LIMITS.nameChars, ERRORS.nameTooLong],
  ['description', LIMITS.descriptionChars, ERRORS.descriptionTooLong],
  ['metadata', LIMITS.metadataChars, ERRORS.metadataTooLong],
];

/** Custom providers have their own numbers for the same limits (ngrok's 277xx). */
export const PROVIDER_LABEL_RULES: LabelRules = [
  ['name', LIMITS.nameChars, ERRORS.providerNameTooLong],
  ['description', LIMITS.descriptionChars, ERRORS.descriptionTooLong],
  ['metadata', LIMITS.metadataChars, ERRORS.providerMetadataTooLong],
];

export function checkLabels(labels: Labels, rules: LabelRules = LABEL_RULES): void {
  for (const [field, max, def] of rules) {
    const value = labels[field];
    if (typeof value !== 'string') continue;
    const length = charLength(value);
    if (length > max) {
      throw new AigwError(def, `${field} is ${length} characters; the limit is ${max}`, {
        field,
        length: String(length),
        limit: String(max),
      });
    }
  }
}
