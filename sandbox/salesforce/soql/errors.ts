/**
 * Query errors as Salesforce words them: the offending line of the query with a caret under the
 * place, `ERROR at Row:r:Column:c`, then what is wrong. REST clients (and people reading logs)
 * find the mistake from the caret, so the sandbox points at the same token Salesforce would.
 */
import { SalesforceApiError } from '../types.js';

/** Longest stretch of a line shown around the caret; long `IN (…)` lists stay readable. */
const SNIPPET_WIDTH = 160;

/** Row and column (both from 1) of a character offset in the query text. */
export function rowAndColumn(text: string, offset: number): { row: number; column: number; line: string } {
  let row = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      row++;
      lineStart = i + 1;
    }
  }
  const lineEnd = text.indexOf('\n', lineStart);
  const line = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd).replace(/\r$/, '');
  return { row, column: offset - lineStart + 1, line };
}

/** A 400 whose message carries the query, a caret at `offset` and the row and column. */
export function queryError(
  text: string,
  offset: number,
  errorCode: string,
  detail: string,
): SalesforceApiError {
  const { row, column, line } = rowAndColumn(text, offset);
  let shown = line;
  let caret = column - 1;
  if (line.length > SNIPPET_WIDTH) {
    const from = Math.max(0, caret - SNIPPET_WIDTH / 2);
    shown = line.slice(from, from + SNIPPET_WIDTH);
    caret -= from;
  }
  const message = `\n${shown}\n${' '.repeat(caret)}^\nERROR at Row:${row}:Column:${column}\n${detail}`;
  return new SalesforceApiError(400, errorCode, message);
}

/** `MALFORMED_QUERY … unexpected token: 'X'` for the token at `offset` (`<EOF>` at the end). */
export function unexpectedToken(text: string, offset: number, token: string): SalesforceApiError {
  return queryError(text, offset, 'MALFORMED_QUERY', `unexpected token: '${token}'`);
}

/** An unknown (or not visible) field, worded as Salesforce words it. */
export function noSuchColumn(
  text: string,
  offset: number,
  field: string,
  entity: string,
): SalesforceApiError {
  return queryError(
    text,
    offset,
    'INVALID_FIELD',
    `No such column '${field}' on entity '${entity}'. If you are attempting to use a custom field, be sure to ` +
      `append the '__c' after the custom field name. Please reference your WSDL or the describe call for the ` +
      `appropriate names.`,
  );
}

/** A relationship name that is not a reference field's `relationshipName` on the object. */
export function unknownRelationship(text: string, offset: number, relationship: string): SalesforceApiError {
  return queryError(
    text,
    offset,
    'INVALID_FIELD',
    `Didn't understand relationship '${relationship}' in field path. If you are attempting to use a custom ` +
      `relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL ` +
      `or the describe call for the appropriate names.`,
  );
}

/** An object type the org does not have. */
export function unknownObject(text: string, offset: number, sobject: string): SalesforceApiError {
  return queryError(
    text,
    offset,
    'INVALID_TYPE',
    `sObject type '${sobject}' is not supported. If you are attempting to use a custom object, be sure to append ` +
      `the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}
