/** Values the catalog's tables allow (the migrations' CHECK constraints say the same). */
export const PRODUCT_STATUSES = ['draft', 'published', 'archived'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

/** Why a stock movement happened (`stock_movements.reason`). */
export const STOCK_REASONS = ['order', 'cancellation', 'expiry', 'adjustment', 'return'] as const;
export type StockReason = (typeof STOCK_REASONS)[number];
