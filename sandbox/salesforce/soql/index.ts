/**
 * The sandbox's SOQL engine: the subset of Salesforce's query language that REST, Bulk API 2.0
 * and the Tooling API serve to clients such as jsforce, over any org that implements `SoqlSource`.
 */
export type {
  SoqlQuery,
  Condition,
  FieldRef,
  Literal,
  OrderItem,
  ComparisonOperator,
  RelativeDate,
} from './ast.js';
export { parseSoql } from './parse.js';
export { runSoql, MAX_OFFSET, type RunOptions } from './run.js';
export { wireValue, formatDateTime, type WireRecord, type SoqlResult } from './wire.js';
export { toCsv } from './csv.js';
