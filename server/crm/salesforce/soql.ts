/**
 * SOQL text built from checked parts only: field names and ids are matched against Salesforce's
 * own shapes before they reach a query, so nothing a record or a setting holds can change one.
 */
const FIELD = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$/;
const ID = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;

export function field(name: string): string {
  if (!FIELD.test(name)) throw new RangeError(`Not a Salesforce field name: ${JSON.stringify(name)}`);
  return name;
}

export function idLiteral(id: string): string {
  if (!ID.test(id)) throw new RangeError(`Not a Salesforce id: ${JSON.stringify(id)}`);
  return `'${id}'`;
}

export function idList(ids: readonly string[]): string {
  return `(${ids.map(idLiteral).join(',')})`;
}

/** A datetime literal with milliseconds (SOQL takes them; jsforce's own literals drop them). */
export function dateTimeLiteral(at: Date): string {
  return at.toISOString();
}

export function stringLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
