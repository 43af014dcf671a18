/**
 * Text from outside that Postgres can keep. Its text and jsonb types refuse the NUL character, and
 * jsonb refuses an unpaired UTF-16 surrogate (the `\ud800` escape JSON.stringify writes for one
 * names no character). Such text is refused at the edge, naming the field, instead of failing in
 * the database as a server error.
 */
import { z } from 'zod';

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSTORABLE_TEXT_MESSAGE =
  'holds a character that cannot be stored (NUL or a broken UTF-16 pair)';

export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !UNPAIRED_SURROGATE.test(text);
}

/** A string schema that also refuses text Postgres cannot keep. */
export function storableString(params?: Parameters<typeof z.string>[0]): z.ZodString {
  return z.string(params).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);
}

/**
 * The path of the first string (a value or a key) in a JSON value that Postgres cannot keep, or
 * undefined when every one is fine.
 */
export function unstorableTextPath(
  value: unknown,
  path: (string | number)[] = [],
): (string | number)[] | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unstorableTextPath(item, [...path, index]);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (!isStorableText(key)) return [...path, key];
      const found = unstorableTextPath(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
