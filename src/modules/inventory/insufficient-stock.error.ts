import { DomainError } from '../../common/errors/domain-errors';

export interface ShortLine {
  variantId: string;
  /** Units the change would take away. */
  requested: number;
  /** Units on hand now. */
  available: number;
}

/** A stock change would take a variant below 0: nothing was changed. Rendered as 409. */
export class InsufficientStockError extends DomainError {
  readonly status = 409;
  readonly type = 'insufficient-stock';
  readonly title = 'Not enough stock';
  constructor(readonly shortLines: ShortLine[]) {
    super(`Not enough stock for ${shortLines.length} line(s); nothing was changed.`, {
      shortLines,
    });
  }
}
