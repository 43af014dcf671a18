/**
 * jsonb values are sent as JSON text: `pg` would turn a JS array into a Postgres array, and PGlite
 * guesses types differently, so an explicit string keeps both drivers identical.
 */
export function json(value: unknown): string {
  return JSON.stringify(value);
}
