import { AppError } from '../errors.js';

/**
 * A data set the model cannot learn from or score as given: a missing column, a ragged row, one
 * class only. The message names the row (1-based line of the file) or the column to fix.
 */
export class ModelDataError extends AppError {
  constructor(
    code: string,
    message: string,
    readonly where: { line?: number; column?: string } = {},
  ) {
    super(400, code, message, where);
  }
}

/** A saved model that this version cannot read (unknown format version, damaged JSON). */
export class ModelFormatError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, 'model_format', message, details);
  }
}
