/** Events the inventory emits through EventEmitter2 (names and payloads in one place). */
export const INVENTORY_EVENTS = {
  /** A variant's stock went from above its threshold to at or below it. */
  lowStock: 'inventory.low-stock',
} as const;

export interface LowStockEvent {
  variantId: string;
  productId: string;
  shopId: string;
  sku: string;
  /** The level after the change that crossed the threshold. */
  stock: number;
  threshold: number;
  /** The `stock_movements` row that crossed the threshold: names this crossing uniquely. */
  movementId: string;
}
