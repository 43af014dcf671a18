/**
 * The Tooling API subset an app needs to add its fields: `POST tooling/sobjects/CustomField`
 * (`{FullName: 'Contact.Churn_Risk_Score__c', Metadata: {...}}` → 201 `{id, success, errors}`),
 * `GET tooling/sobjects/CustomField/{id}`, and `GET tooling/query?q=` over `CustomField`
 * (`SELECT Id, DeveloperName, TableEnumOrId FROM CustomField WHERE …`). A new field is invisible
 * to every user until a permission set grants it (`FieldPermissions` + `PermissionSetAssignment`).
 */
import express, { type Response } from 'express';
import { z } from 'zod';
import { wireValue } from '../soql/index.js';
import { parseOrThrow, notFound } from './errors.js';
import { callerOf } from './guard.js';
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

export function createToolingRouter(writeContext: (res: Response) => WriteContext): express.Router {
  const router = express.Router({ mergeParams: true });

  router.post('/tooling/sobjects/CustomField', (req, res) => {
    const body = parseOrThrow(createCustomField, req.body ?? {});
    const ctx = writeContext(res);
    const { Metadata, FullName } = body;
    const metadata = Object.fromEntries(
      Object.entries(Metadata).filter(([, value]) => value !== undefined),
    ) as typeof Metadata;
    const record = ctx.org.addCustomField(FullName, metadata);
    ctx.log.record(ctx.org.orgId, {
      recordId: record.Id,
      sobject: 'CustomField',
      operation: 'create',
      userId: ctx.userId,
      client: ctx.client ?? null,
      at: ctx.now().toISOString(),
    });
    res.status(201).json({ id: record.Id, success: true, errors: [], warnings: [], infos: [] });
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
