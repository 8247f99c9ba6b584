import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { slugify } from '../../common/text/slug';

/** A demo shop and the merchant account (made by the seed, through the users module) it belongs to. */
export interface DemoShopOwner {
  id: string;
  shop: string;
}

const CATEGORY_TREE: Record<string, string[]> = {
  Outdoor: ['Tents', 'Sleeping bags', 'Stoves', 'Backpacks'],
  Clothing: ['Jackets', 'Shirts', 'Shoes'],
  Home: ['Kitchen', 'Lighting', 'Bedding'],
  Electronics: ['Audio', 'Cables', 'Chargers'],
};
const ADJECTIVES = [
  'Alpine',
  'Compact',
  'Rugged',
  'Ultralight',
  'Classic',
  'Urban',
  'Coastal',
  'Nordic',
  'Everyday',
  'Premium',
  'Trail',
  'Summit',
  'Midnight',
  'Solar',
  'Cosy',
  'Swift',
];
const NOUNS: Record<string, string[]> = {
  Tents: ['tent', 'shelter', 'tarp'],
  'Sleeping bags': ['sleeping bag', 'quilt', 'bivy'],
  Stoves: ['stove', 'burner', 'cook set'],
  Backpacks: ['backpack', 'daypack', 'duffel'],
  Jackets: ['rain jacket', 'down jacket', 'fleece'],
  Shirts: ['merino shirt', 'linen shirt', 'tee'],
  Shoes: ['hiking boot', 'trail runner', 'sandal'],
  Kitchen: ['chef knife', 'cast iron pan', 'kettle'],
  Lighting: ['desk lamp', 'lantern', 'string lights'],
  Bedding: ['duvet', 'pillow', 'wool blanket'],
  Audio: ['headphones', 'speaker', 'earbuds'],
  Cables: ['USB-C cable', 'HDMI cable', 'extension lead'],
  Chargers: ['wall charger', 'power bank', 'solar charger'],
};
const PHRASES = [
  'Built to last and easy to carry.',
  'Tested on long trips in wind and rain.',
  'A favourite of our customers for everyday use.',
  'Made from recycled materials where we could.',
  'Packs small and sets up in minutes.',
  'Comes with a two-year warranty.',
  'Soft to the touch and machine washable.',
  'Quiet, efficient and simple to clean.',
];
const SIZES = ['S', 'M', 'L', 'XL'];
const COLOURS = ['black', 'green', 'blue', 'red', 'sand'];

/** mulberry32: a small seeded generator, so that the demo catalog is the same on every run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CatalogSeedReport {
  shops: number;
  categories: number;
  products: number;
  variants: number;
}

/**
 * Demo shops, a category tree and `productCount` products with 1-4 variants each, generated
 * from a fixed seed and written with a few bulk statements. Initial stock gets the same
 * 'adjustment' movement rows that InventoryService writes, in bulk.
 */
@Injectable()
export class CatalogSeeder {
  private readonly logger = new Logger(CatalogSeeder.name);

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async isEmpty(): Promise<boolean> {
    const [{ n }]: { n: number }[] = await this.db.query(`SELECT count(*)::int AS n FROM products`);
    return n === 0;
  }

  /** Writes the demo catalog (reusing existing demo shops and categories). */
  async seed(owners: DemoShopOwner[], productCount = 240): Promise<CatalogSeedReport> {
    const report = await this.db.transaction((tx) => this.write(tx, owners, productCount));
    // Fresh statistics, so that the planner picks the listing's indexes straight away.
    await this.db.query(`ANALYZE products, product_variants, categories, shops`);
    this.logger.log(
      `Seeded ${report.shops} shops, ${report.categories} categories, ${report.products} products, ${report.variants} variants`,
    );
    return report;
  }

  /**
   * The slugs, each unique in the catalog as it is: a slug another product already holds (a
   * shop's own "Summit tent", or an earlier seed's) gets the product's position as a suffix.
   */
  private async freeSlugs(tx: EntityManager, wanted: string[]): Promise<string[]> {
    const rows: { slug: string }[] = await tx.query(
      `SELECT slug FROM products WHERE slug = ANY($1::text[])`,
      [wanted],
    );
    const taken = new Set(rows.map((r) => r.slug));
    const used = new Set([...taken, ...wanted]);
    return wanted.map((slug, i) => {
      if (!taken.has(slug)) return slug;
      let free = `${slug}-${i}`;
      while (used.has(free)) free = `${free}-${i}`;
      used.add(free);
      return free;
    });
  }

  private async write(
    tx: EntityManager,
    owners: DemoShopOwner[],
    productCount: number,
  ): Promise<CatalogSeedReport> {
    const random = seededRandom(20261125);
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];

    const shopIds: string[] = [];
    for (const owner of owners) {
      const rows: { id: string }[] = await tx.query(
        `INSERT INTO shops (merchant_id, name, slug, description) VALUES ($1, $2, $3, $4)
         ON CONFLICT (merchant_id) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
        [owner.id, owner.shop, slugify(owner.shop), `Welcome to ${owner.shop}.`],
      );
      shopIds.push(rows[0].id);
    }

    const leaves: { id: string; name: string }[] = [];
    let categories = 0;
    for (const [root, children] of Object.entries(CATEGORY_TREE)) {
      const [{ id: rootId }]: { id: string }[] = await tx.query(
        `INSERT INTO categories (name, slug) VALUES ($1, $2)
         ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
        [root, slugify(root)],
      );
      categories++;
      for (const child of children) {
        const [{ id }]: { id: string }[] = await tx.query(
          `INSERT INTO categories (parent_id, name, slug) VALUES ($1, $2, $3)
           ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
          [rootId, child, slugify(child)],
        );
        leaves.push({ id, name: child });
        categories++;
      }
    }

    const p = {
      id: [] as string[],
      shop: [] as string[],
      category: [] as string[],
      slug: [] as string[],
    };
    const pt = { title: [] as string[], description: [] as string[], status: [] as string[] };
    const pa = {
      attributes: [] as string[],
      min: [] as number[],
      max: [] as number[],
      age: [] as number[],
    };
    const v = {
      id: [] as string[],
      product: [] as string[],
      sku: [] as string[],
      options: [] as string[],
      price: [] as number[],
      stock: [] as number[],
      position: [] as number[],
    };
    const slugs = new Set<string>();
    for (let i = 0; i < productCount; i++) {
      const leaf = pick(leaves);
      const title = `${pick(ADJECTIVES)} ${pick(NOUNS[leaf.name])}`;
      let slug = slugify(title);
      if (slugs.has(slug)) slug = `${slug}-${i}`;
      slugs.add(slug);
      const id = randomUUID();
      const base = (5 + Math.floor(random() * 300)) * 100 - 1;
      const count = 1 + Math.floor(random() * 4);
      const prices: number[] = [];
      for (let k = 0; k < count; k++) {
        const price = base + k * 500;
        prices.push(price);
        v.id.push(randomUUID());
        v.product.push(id);
        v.sku.push(`DEMO-${String(i).padStart(4, '0')}-${k}`);
        v.options.push(
          JSON.stringify(
            leaf.name === 'Cables'
              ? { length: `${k + 1} m` }
              : { size: SIZES[k], colour: pick(COLOURS) },
          ),
        );
        v.price.push(price);
        v.stock.push(random() < 0.1 ? 0 : Math.floor(random() * 60));
        v.position.push(k);
      }
      const roll = random();
      p.id.push(id);
      p.shop.push(shopIds[i % shopIds.length]);
      p.category.push(leaf.id);
      p.slug.push(slug);
      pt.title.push(title);
      pt.description.push(
        `${title}. ${pick(PHRASES)} ${pick(PHRASES)} ${leaf.name} for every season.`,
      );
      pt.status.push(roll < 0.9 ? 'published' : roll < 0.97 ? 'draft' : 'archived');
      pa.attributes.push(
        JSON.stringify({
          brand: pick(['Northpeak', 'Kestrel', 'Lumen', 'Orca']),
          weightGrams: 100 + Math.floor(random() * 3000),
        }),
      );
      pa.min.push(Math.min(...prices));
      pa.max.push(Math.max(...prices));
      pa.age.push(productCount - i);
    }
    p.slug = await this.freeSlugs(tx, p.slug);
    await tx.query(
      `INSERT INTO products (id, shop_id, category_id, slug, title, description, status, attributes,
                             min_price, max_price, created_at)
       SELECT id, shop, cat, slug, title, descr, status, attrs::jsonb, mn, mx,
              now() - make_interval(mins => age)
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::text[], $9::int[], $10::int[], $11::int[])
           AS t(id, shop, cat, slug, title, descr, status, attrs, mn, mx, age)`,
      [
        p.id,
        p.shop,
        p.category,
        p.slug,
        pt.title,
        pt.description,
        pt.status,
        pa.attributes,
        pa.min,
        pa.max,
        pa.age,
      ],
    );
    await tx.query(
      `INSERT INTO product_variants (id, product_id, sku, options, price, stock, position)
       SELECT id, product, sku, options::jsonb, price, stock, position
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[])
           AS t(id, product, sku, options, price, stock, position)`,
      [v.id, v.product, v.sku, v.options, v.price, v.stock, v.position],
    );
    await tx.query(
      `INSERT INTO stock_movements (variant_id, delta, reason, note, resulting_stock)
       SELECT id, stock, 'adjustment', 'demo seed', stock FROM product_variants
        WHERE id = ANY($1::uuid[]) AND stock > 0`,
      [v.id],
    );
    return { shops: shopIds.length, categories, products: productCount, variants: v.id.length };
  }
}
