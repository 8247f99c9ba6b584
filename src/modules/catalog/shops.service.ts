import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '../../common/decorators/current-user.decorator';
import { ConflictError, NotFoundError } from '../../common/errors/domain-errors';
import { slugCandidates } from '../../common/text/slug';
import { CatalogCache } from './catalog-cache';
import { ShopResponse, UpsertShopDto } from './dto/shop.dto';
import { updateReturning } from '../../database/sql';

interface ShopRow {
  id: string;
  name: string;
  slug: string;
  description: string | null;
}

export const toShopResponse = (row: ShopRow): ShopResponse => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  description: row.description,
});

@Injectable()
export class ShopsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly cache: CatalogCache,
  ) {}

  /** Creates the merchant's shop or renames it; the slug is set once and stays. */
  async upsertMine(actor: Actor, input: UpsertShopDto): Promise<ShopResponse> {
    const updated = await updateReturning<ShopRow>(
      this.db,
      `UPDATE shops SET name = $2, description = $3, updated_at = now()
        WHERE merchant_id = $1 RETURNING id, name, slug, description`,
      [actor.id, input.name, input.description ?? null],
    );
    if (updated.length) {
      await this.cache.invalidate();
      return toShopResponse(updated[0]);
    }
    for (const slug of slugCandidates(input.name, 140)) {
      const rows: ShopRow[] = await this.db.query(
        `INSERT INTO shops (merchant_id, name, slug, description) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING id, name, slug, description`,
        [actor.id, input.name, slug, input.description ?? null],
      );
      if (rows.length) return toShopResponse(rows[0]);
      // A concurrent request of the same merchant may have created it.
      const mine = await this.findByMerchant(actor.id);
      if (mine) return this.upsertMine(actor, input);
    }
    throw new ConflictError('Could not find a free address for this shop name; try another.');
  }

  async getBySlug(slug: string): Promise<ShopResponse> {
    const rows: ShopRow[] = await this.db.query(
      `SELECT id, name, slug, description FROM shops WHERE slug = $1`,
      [slug],
    );
    if (!rows.length) throw new NotFoundError('No such shop.');
    return toShopResponse(rows[0]);
  }

  async findByMerchant(merchantId: string): Promise<ShopRow | null> {
    const rows: ShopRow[] = await this.db.query(
      `SELECT id, name, slug, description FROM shops WHERE merchant_id = $1`,
      [merchantId],
    );
    return rows[0] ?? null;
  }

  /** The id of the shop with this slug, or null. */
  async idOfSlug(slug: string): Promise<string | null> {
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM shops WHERE slug = $1`, [
      slug,
    ]);
    return rows[0]?.id ?? null;
  }

  async exists(shopId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM shops WHERE id = $1`, [shopId]);
    return rows.length > 0;
  }
}
