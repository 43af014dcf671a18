/**
 * The model's view of a table: typed feature columns, an optional 0/1 label and optional ids.
 * It is built from a CSV file (./csv-dataset.ts) or from feature vectors the warehouse built
 * (`datasetFromRecords`), and everything downstream (encoding, training, scoring) reads only this.
 */
import { ModelDataError } from './errors.js';

/** What a column holds. `id` columns identify rows and are never features. */
export type ColumnKind = 'numeric' | 'categorical' | 'boolean' | 'date' | 'id';
export type FeatureKind = Exclude<ColumnKind, 'id'>;

/** One input feature as the model expects it; `label` is the human wording shown in reasons. */
export interface FeatureSpec {
  name: string;
  kind: FeatureKind;
  label: string;
  /**
   * An identity-like attribute: who the customer is (country, industry, company size) rather than
   * what they do. Every column encoded from it is flagged (`Matrix.identityColumns`): the trees
   * weigh its splits down (`GbdtParams.identityGain`) and the encoder gives only its common
   * categories columns of their own. Absent on a CSV's columns, which are never penalised.
   */
  identity?: boolean;
  /**
   * Which way the risk may move as this number rises, other things equal: 1 never down, -1 never
   * up. The trees and the logistic regression are held to it (`Matrix.monotoneColumns`), so that,
   * say, more angry tickets never lower a score; a network cannot be, and is not tried on a table
   * with such a column. Absent: either way, as the data says.
   */
  monotone?: 1 | -1;
}

export type NumericColumn = FeatureSpec & {
  kind: 'numeric' | 'boolean' | 'date';
  /** NaN where missing; booleans as 0/1; dates as days since 1970-01-01 (UTC). */
  values: Float64Array;
};
export type CategoricalColumn = FeatureSpec & { kind: 'categorical'; values: (string | null)[] };
export type FeatureColumn = NumericColumn | CategoricalColumn;

export interface Dataset {
  columns: FeatureColumn[];
  size: number;
  /** 1 = churned, 0 = stayed; absent when scoring. */
  labels?: Uint8Array;
  ids?: string[];
  /** How the label was read from its source column. */
  target?: { column: string; positive: string };
}

export type RecordValue = number | string | boolean | Date | null | undefined;

export interface RecordSpec {
  features: FeatureSpec[];
  /** Key of a 0/1 or boolean label in each record. */
  label?: string;
  /** Key of each record's id (a contact id, for instance). */
  id?: string;
}

const MS_PER_DAY = 86_400_000;

/** Builds a data set from plain records (feature vectors built elsewhere), per a feature spec. */
export function datasetFromRecords(
  records: readonly Record<string, RecordValue>[],
  spec: RecordSpec,
): Dataset {
  const size = records.length;
  const columns = spec.features.map((feature): FeatureColumn => {
    if (feature.kind === 'categorical') {
      return {
        ...feature,
        kind: 'categorical',
        values: records.map((r) => {
          const v = r[feature.name];
          return v === null || v === undefined || v === '' ? null : String(v);
        }),
      };
    }
    const values = new Float64Array(size);
    records.forEach((record, i) => {
      values[i] = toNumber(record[feature.name], feature, i);
    });
    return { ...feature, kind: feature.kind, values };
  });
  const dataset: Dataset = { columns, size };
  if (spec.id !== undefined) {
    const key = spec.id;
    dataset.ids = records.map((r) => String(r[key] ?? ''));
  }
  if (spec.label !== undefined) {
    const key = spec.label;
    const labels = new Uint8Array(size);
    records.forEach((record, i) => {
      const v = record[key];
      if (v === true || v === 1) labels[i] = 1;
      else if (v === false || v === 0) labels[i] = 0;
      else {
        throw new ModelDataError('label_invalid', `record ${i}: label "${key}" must be 0/1 or a boolean`, {
          column: key,
        });
      }
    });
    dataset.labels = labels;
    dataset.target = { column: key, positive: '1' };
  }
  return dataset;
}

function toNumber(value: RecordValue, feature: FeatureSpec, index: number): number {
  if (value === null || value === undefined || value === '') return NaN;
  if (value instanceof Date) return value.getTime() / MS_PER_DAY;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) {
    throw new ModelDataError(
      'value_invalid',
      `record ${index}: feature "${feature.name}" should be ${feature.kind}, got ${JSON.stringify(value)}`,
      { column: feature.name },
    );
  }
  return n;
}

/** The rows at the given positions, as a new data set (for folds and samples). */
export function subsetDataset(dataset: Dataset, rows: ArrayLike<number>): Dataset {
  const pick = Array.from({ length: rows.length }, (_, k) => rows[k]!);
  const columns = dataset.columns.map((column): FeatureColumn => {
    if (column.kind === 'categorical') return { ...column, values: pick.map((i) => column.values[i]!) };
    return { ...column, values: Float64Array.from(pick, (i) => column.values[i]!) };
  });
  const subset: Dataset = { columns, size: pick.length };
  if (dataset.labels) subset.labels = Uint8Array.from(pick, (i) => dataset.labels![i]!);
  if (dataset.ids) subset.ids = pick.map((i) => dataset.ids![i]!);
  if (dataset.target) subset.target = dataset.target;
  return subset;
}

/** The label array, or a clear error when the data set has none or holds a single class. */
export function requireLabels(dataset: Dataset): Uint8Array {
  const labels = dataset.labels;
  const column = dataset.target?.column ?? 'label';
  if (!labels) throw new ModelDataError('label_missing', 'training needs a label column', { column });
  let positives = 0;
  for (const y of labels) positives += y;
  if (positives === 0 || positives === labels.length) {
    throw new ModelDataError(
      'label_one_class',
      `label column "${column}" holds one class only (${positives} churned of ${labels.length}): ` +
        'training needs both churned and retained rows',
      { column },
    );
  }
  return labels;
}

/** Shows a raw value the way a person reads it (dates as YYYY-MM-DD, booleans as yes/no). */
export function displayValue(column: FeatureColumn, row: number): string | number | null {
  if (column.kind === 'categorical') return column.values[row] ?? null;
  const v = column.values[row]!;
  if (Number.isNaN(v)) return null;
  if (column.kind === 'boolean') return v === 1 ? 'yes' : 'no';
  if (column.kind === 'date') return new Date(v * MS_PER_DAY).toISOString().slice(0, 10);
  return v;
}
