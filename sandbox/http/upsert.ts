/**
 * Batch upsert (`POST /crm/objects/2026-03/{objectType}/batch/upsert`, and the `/crm/v3/objects/…`
 * path the Node client calls): each input names a unique property (`idProperty`, one with
 * `hasUniqueValue`) and a value of it (`id`); the record holding that value is updated, and when no
 * record holds it one is created with the value set. Every input is checked before anything is
 * written, so a bad input leaves the batch undone (400). Each result says whether it was `new`.
 */
import { z } from 'zod';
import type { CrmRecord, ObjectType } from '../store.js';
import { changeSource, type ApiCaller } from './auth.js';
import { validationError } from './errors.js';
import { checkPropertyValues, completeForCreate, propertyValues } from './property-values.js';
import { assertIdProperty, findRecord, portalOf } from './records.js';
import { assertUniqueValues } from './unique-values.js';

export const upsertInput = z.object({
  id: z.coerce.string().min(1),
  idProperty: z.string().optional(),
  properties: propertyValues,
  objectWriteTraceId: z.string().optional(),
});
export type UpsertInput = z.infer<typeof upsertInput>;

export interface Upserted {
  record: CrmRecord;
  /** True when the record was created by this call. */
  created: boolean;
}

interface PlannedUpsert {
  existing: CrmRecord | undefined;
  values: Record<string, string>;
}

/** Checks one input and finds the record it names; nothing is written. */
function plan(caller: ApiCaller, type: ObjectType, input: UpsertInput): PlannedUpsert {
  const portal = portalOf(caller);
  const idProperty = input.idProperty;
  if (!idProperty || idProperty === 'hs_object_id') {
    throw validationError(
      `An upsert names a unique property of ${type} in idProperty, and its value in id (got ${idProperty ?? 'none'}).`,
    );
  }
  assertIdProperty(portal, type, idProperty);
  const values = checkPropertyValues(portal, type, input.properties);
  const sent = values[idProperty];
  if (sent !== undefined && sent.toLowerCase() !== input.id.toLowerCase()) {
    throw validationError(
      `The properties set ${idProperty} to ${JSON.stringify(sent)}, but the input's id is ${JSON.stringify(input.id)}.`,
    );
  }
  const existing = findRecord(portal, type, input.id, idProperty);
  if (existing) return { existing, values };
  return { existing, values: completeForCreate(portal, type, { ...values, [idProperty]: input.id }) };
}

/** Upserts every input, or throws HubSpot's 400 for the first bad one and writes nothing. */
export function upsertRecords(caller: ApiCaller, type: ObjectType, inputs: UpsertInput[]): Upserted[] {
  const portal = portalOf(caller);
  const seen = new Set<string>();
  for (const input of inputs) {
    const key = `${input.idProperty ?? ''}\u0000${input.id.toLowerCase()}`;
    if (seen.has(key)) throw validationError(`Duplicate id in the batch: ${input.id}.`);
    seen.add(key);
  }
  const plans = inputs.map((input) => plan(caller, type, input));
  assertUniqueValues(
    portal,
    type,
    plans.map(({ existing, values }) => (existing ? { values, selfId: existing.id } : { values })),
  );
  const now = caller.store.now();
  const source = changeSource(caller);
  return plans.map(({ existing, values }) =>
    existing
      ? { record: portal.updateRecord(type, existing.id, values, now, source), created: false }
      : { record: portal.createRecord(type, values, now, undefined, source), created: true },
  );
}
