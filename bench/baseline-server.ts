/**
 * The ceiling for `GET /products`: a bare Fastify + pg process answering the same listing
 * (published products, newest first or, with `q` and `category`, by rank; variants aggregated) with ONE
 * hand-written SQL statement and the same JSON shape, no framework, no auth, no validation.
 * Started by bench/run.ts as its own process: `BASELINE_PORT`, `DATABASE_URL`.
 */
import Fastify from 'fastify';
import { Pool } from 'pg';

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const app = Fastify({ logger: false });

const SQL = `
  SELECT p.id, p.slug, p.title, p.description, p.status, p.attributes, p.images,
         p.rating_sum, p.rating_count, p.min_price, p.max_price, p.created_at,
         json_build_object('id', s.id, 'name', s.name, 'slug', s.slug) AS shop,
         CASE WHEN c.id IS NULL THEN NULL
              ELSE json_build_object('id', c.id, 'name', c.name, 'slug', c.slug) END AS category,
         (SELECT coalesce(json_agg(json_build_object('id', v.id, 'sku', v.sku, 'options', v.options,
                   'price', v.price, 'stock', v.stock) ORDER BY v.position, v.id), '[]'::json)
            FROM product_variants v WHERE v.product_id = p.id AND NOT v.archived) AS variants
    FROM products p
    JOIN shops s ON s.id = p.shop_id
    LEFT JOIN categories c ON c.id = p.category_id
   WHERE p.status = 'published'`;
const FILTERED = `${SQL}
     AND p.search @@ websearch_to_tsquery('english', $2)
     AND p.category_id IN (
           WITH RECURSIVE sub(id) AS (
             SELECT $3::uuid UNION ALL SELECT c2.id FROM categories c2 JOIN sub ON c2.parent_id = sub.id)
           SELECT id FROM sub)
   ORDER BY ts_rank(p.search, websearch_to_tsquery('english', $2)) DESC, p.id DESC
   LIMIT $1`;
const UNFILTERED = `${SQL} ORDER BY p.created_at DESC, p.id DESC LIMIT $1`;

interface Row {
  id: string;
  slug: string;
  title: string;
  description: string | null;
  status: string;
  attributes: unknown;
  images: string[];
  rating_sum: number;
  rating_count: number;
  min_price: number;
  max_price: number;
  created_at: Date;
  shop: unknown;
  category: unknown;
  variants: { id: string; sku: string; options: unknown; price: number; stock: number }[];
}

app.get('/products', async (request) => {
  const query = request.query as { limit?: string; q?: string; category?: string };
  const limit = Math.min(Math.max(Number(query.limit ?? 20) || 20, 1), 100);
  // Named statements: planned once per connection, as the API does.
  const { rows } =
    query.q && query.category
      ? await pool.query<Row>({
          name: 'baseline_filtered',
          text: FILTERED,
          values: [limit + 1, query.q, query.category],
        })
      : await pool.query<Row>({ name: 'baseline', text: UNFILTERED, values: [limit + 1] });
  const kept = rows.slice(0, limit);
  return {
    items: kept.map((r) => ({
      id: r.id,
      slug: r.slug,
      title: r.title,
      description: r.description,
      category: r.category,
      shop: r.shop,
      images: r.images.map((f) => `/uploads/products/${f}`),
      attributes: r.attributes,
      status: r.status,
      rating: {
        average: r.rating_count ? Math.round((r.rating_sum * 100) / r.rating_count) / 100 : 0,
        count: r.rating_count,
      },
      variants: r.variants.map((v) => ({ ...v, inStock: v.stock > 0 })),
      priceRange: { min: r.min_price, max: r.max_price },
      createdAt: r.created_at.toISOString(),
    })),
    nextCursor:
      rows.length > limit ? Buffer.from(kept[kept.length - 1].id).toString('base64url') : null,
  };
});

app.get('/health', (_request, reply) => reply.send({ status: 'ok' }));

app
  .listen({ port: Number(process.env.BASELINE_PORT ?? 3998), host: '127.0.0.1' })
  .catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
