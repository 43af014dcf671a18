/**
 * The Tooling API subset an app needs to add its fields and keep them up to date:
 * `POST tooling/sobjects/CustomField` (`{FullName: 'Contact.Churn_Risk_Score__c', Metadata: {...}}`
 * → 201 `{id, success, errors}`), `GET tooling/sobjects/CustomField/{id}`,
 * `PATCH tooling/sobjects/CustomField/{id}` (`{Metadata: {...}}`, the whole definition as it is to
 * be → 204), and `GET tooling/query?q=` over `CustomField`
 * (`SELECT Id, DeveloperName, TableEnumOrId FROM CustomField WHERE …`). A query that selects
 * `Metadata` or `FullName` may answer one row at most; more is `MALFORMED_QUERY`, as Salesforce
 * answers. A new field is invisible to every user until a permission set grants it
 * (`FieldPermissions` + `PermissionSetAssignment`).
 */
import express, { type Response } from 'express';
import { z } from 'zod';
import { wireValue, type SoqlResult } from '../soql/index.js';
import { SalesforceApiError } from '../types.js';
import { parseOrThrow, notFound } from './errors.js';
import { callerOf, type RestCaller } from './guard.js';
import type { WriteContext } from './record-writes.js';

const valueSet = z.object({
  restricted: z.boolean().optional(),
  valueSetDefinition: z.object({
    value: z.array(
      z.object({ fullName: z.string().min(1), label: z.string().min(1), default: z.boolean().optional() }),
    ),
  }),
});

const customFieldMetadata = z.object({
  label: z.string().min(1),
  type: z.enum(['Number', 'Text', 'LongTextArea', 'DateTime', 'Date', 'Picklist', 'Checkbox', 'Lookup']),
  length: z.number().int().optional(),
  precision: z.number().int().optional(),
  scale: z.number().int().optional(),
  visibleLines: z.number().int().optional(),
  description: z.string().optional(),
  externalId: z.boolean().optional(),
  unique: z.boolean().optional(),
  caseSensitive: z.boolean().optional(),
  defaultValue: z
    .union([z.string(), z.boolean()])
    .transform((value) => String(value))
    .optional(),
  referenceTo: z.string().optional(),
  relationshipName: z.string().optional(),
  valueSet: valueSet.optional(),
});

const createCustomField = z.object({
  FullName: z.string().regex(/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/, 'FullName must be Object.Field__c'),
  Metadata: customFieldMetadata,
});

/**
 * An update's body. Its Metadata is the whole definition, as a read of the field answers it: the
 * keys Salesforce sends as null (not set) are as good as absent.
 */
const updateCustomField = z.object({
  FullName: z.string().optional(),
  Metadata: z.preprocess(
    (value) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null))
        : value,
    customFieldMetadata,
  ),
});

/** Columns Salesforce serves from the metadata store, one record a query. */
const ONE_ROW_COLUMNS = new Set(['metadata', 'fullname']);

/**
 * The Tooling query's rules on its answer: a query selecting `Metadata` or `FullName` may match
 * one record at most, and `Metadata` is the field's definition as an object.
 */
export function toolingQueryResult(result: SoqlResult, caller: RestCaller): SoqlResult {
  const columns = result.columns.map((column) => column.toLowerCase());
  if (!columns.some((column) => ONE_ROW_COLUMNS.has(column))) return result;
  if (result.totalSize > 1) {
    throw new SalesforceApiError(
      400,
      'MALFORMED_QUERY',
      'When retrieving results with Metadata or FullName fields, the query qualifications must specify ' +
        `no more than one row for retrieval. Result size: ${result.totalSize}`,
    );
  }
  if (!columns.includes('metadata')) return result;
  return {
    ...result,
    records: result.records.map((record) => {
      const id = typeof record.Id === 'string' ? record.Id : record.attributes.url.split('/').at(-1)!;
      return { ...record, Metadata: caller.org.customField(id)?.metadata ?? null };
    }),
  };
}

/** The keys of a field definition that were given: JSON's absent values dropped. */
function definedOnly<T extends object>(metadata: T): T {
  return Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== undefined)) as T;
}

/** Records a custom field's creation or change in the org's log of writes. */
function logFieldWrite(ctx: WriteContext, recordId: string, operation: 'create' | 'update'): void {
  ctx.log.record(ctx.org.orgId, {
    recordId,
    sobject: 'CustomField',
    operation,
    userId: ctx.userId,
    client: ctx.client ?? null,
    at: ctx.now().toISOString(),
  });
}

export function createToolingRouter(writeContext: (res: Response) => WriteContext): express.Router {
  const router = express.Router({ mergeParams: true });

  router.post('/tooling/sobjects/CustomField', (req, res) => {
    const body = parseOrThrow(createCustomField, req.body ?? {});
    const ctx = writeContext(res);
    const record = ctx.org.addCustomField(body.FullName, definedOnly(body.Metadata));
    logFieldWrite(ctx, record.Id, 'create');
    res.status(201).json({ id: record.Id, success: true, errors: [], warnings: [], infos: [] });
  });

  router.patch('/tooling/sobjects/CustomField/:id', (req, res) => {
    const body = parseOrThrow(updateCustomField, req.body ?? {});
    const ctx = writeContext(res);
    const info = ctx.org.customField(String(req.params.id));
    if (!info) throw notFound();
    if (body.FullName !== undefined && body.FullName.toLowerCase() !== info.fullName.toLowerCase()) {
      throw new SalesforceApiError(
        400,
        'FIELD_INTEGRITY_EXCEPTION',
        `FullName ${body.FullName} does not name the field ${info.fullName}`,
      );
    }
    const record = ctx.org.updateCustomField(info.id, definedOnly(body.Metadata));
    logFieldWrite(ctx, record.Id, 'update');
    res.status(204).end();
  });

  router.get('/tooling/sobjects/CustomField/:id', (req, res) => {
    const { org, version } = callerOf(res);
    const schema = org.tooling.schema('CustomField');
    const record = org.tooling.byId(String(req.params.id));
    if (!schema || !record) throw notFound();
    const info = org.customFields().find((field) => field.id === record.Id);
    const wire: Record<string, unknown> = {
      attributes: {
        type: 'CustomField',
        url: `/services/data/v${version}/tooling/sobjects/CustomField/${record.Id}`,
      },
    };
    for (const field of schema.fields) wire[field.name] = wireValue(field, record.fields[field.name] ?? null);
    res.json({ ...wire, Metadata: info?.metadata ?? null });
  });

  return router;
}
