import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  ConflictError,
  NotFoundError,
  ValidationFailedError,
} from '../../common/errors/domain-errors';
import { slugCandidates } from '../../common/text/slug';
import { PublicAnswer } from '../../common/http/public-answer';
import { CatalogCache } from './catalog-cache';
import {
  CategoryNode,
  CategoryResponse,
  CreateCategoryDto,
  UpdateCategoryDto,
} from './dto/category.dto';
import { updateReturning } from '../../database/sql';

interface CategoryRow {
  id: string;
  parent_id: string | null;
  name: string;
  slug: string;
}

const toCategoryResponse = (row: CategoryRow): CategoryResponse => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  parentId: row.parent_id,
});

/** Builds the tree from a flat list (one query); siblings keep the list's order. */
export function buildCategoryTree(rows: CategoryRow[]): CategoryNode[] {
  const nodes = new Map<string, CategoryNode>();
  for (const r of rows) nodes.set(r.id, { id: r.id, name: r.name, slug: r.slug, children: [] });
  const roots: CategoryNode[] = [];
  for (const r of rows) {
    const node = nodes.get(r.id)!;
    const parent = r.parent_id ? nodes.get(r.parent_id) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

@Injectable()
export class CategoriesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly cache: CatalogCache,
  ) {}

  /** The whole tree, serialised with its ETag (cached: see CatalogCache). */
  async tree(url?: string): Promise<PublicAnswer> {
    const load = async (): Promise<CategoryNode[]> => {
      const rows: CategoryRow[] = await this.db.query(
        `SELECT id, parent_id, name, slug FROM categories ORDER BY name, id`,
      );
      return buildCategoryTree(rows);
    };
    return (await this.cache.readPublic('categories', load, url))!;
  }

  async create(input: CreateCategoryDto): Promise<CategoryResponse> {
    if (input.parentId) await this.requireParent(input.parentId);
    for (const slug of slugCandidates(input.name, 100)) {
      const rows: CategoryRow[] = await this.db.query(
        `INSERT INTO categories (parent_id, name, slug) VALUES ($1, $2, $3)
         ON CONFLICT (slug) DO NOTHING RETURNING id, parent_id, name, slug`,
        [input.parentId ?? null, input.name, slug],
      );
      if (rows.length) {
        await this.cache.invalidate();
        return toCategoryResponse(rows[0]);
      }
    }
    throw new ConflictError('Could not find a free slug for this category name.');
  }

  async update(id: string, input: UpdateCategoryDto): Promise<CategoryResponse> {
    const current = await this.get(id);
    let parentId = current.parent_id;
    if (input.parentId !== undefined) {
      if (input.parentId !== null) {
        await this.requireParent(input.parentId);
        const inSubtree: unknown[] = await this.db.query(
          `WITH RECURSIVE sub(id) AS (
             SELECT $1::uuid UNION ALL SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id)
           SELECT 1 FROM sub WHERE id = $2`,
          [id, input.parentId],
        );
        if (inSubtree.length) {
          throw new ValidationFailedError([
            {
              field: 'parentId',
              message: 'a category cannot move under itself or its descendants',
            },
          ]);
        }
      }
      parentId = input.parentId;
    }
    const rows = await updateReturning<CategoryRow>(
      this.db,
      `UPDATE categories SET name = $2, parent_id = $3 WHERE id = $1
       RETURNING id, parent_id, name, slug`,
      [id, input.name ?? current.name, parentId],
    );
    await this.cache.invalidate();
    return toCategoryResponse(rows[0]);
  }

  /** Refused (409) while it has children or products: move them first. */
  async remove(id: string): Promise<void> {
    await this.get(id);
    const [usage]: { children: number; products: number }[] = await this.db.query(
      `SELECT (SELECT count(*)::int FROM categories WHERE parent_id = $1) AS children,
              (SELECT count(*)::int FROM products WHERE category_id = $1) AS products`,
      [id],
    );
    if (usage.children || usage.products) {
      throw new ConflictError(
        `The category still has ${usage.children} subcategories and ${usage.products} products; move them first.`,
        usage,
      );
    }
    try {
      await this.db.query(`DELETE FROM categories WHERE id = $1`, [id]);
      await this.cache.invalidate();
    } catch (error) {
      // A product or child added in between: the foreign key refuses, as it should.
      if ((error as { code?: string }).code === '23503') {
        throw new ConflictError('The category is in use; move its products and children first.');
      }
      throw error;
    }
  }

  /** The id of the category with this slug, or null. */
  async idOfSlug(slug: string): Promise<string | null> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM categories WHERE slug = $1`,
      [slug],
    );
    return rows[0]?.id ?? null;
  }

  async exists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM categories WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  private async get(id: string): Promise<CategoryRow> {
    const rows: CategoryRow[] = await this.db.query(
      `SELECT id, parent_id, name, slug FROM categories WHERE id = $1`,
      [id],
    );
    if (!rows.length) throw new NotFoundError('No such category.');
    return rows[0];
  }

  private async requireParent(parentId: string): Promise<void> {
    if (!(await this.exists(parentId))) {
      throw new ValidationFailedError([{ field: 'parentId', message: 'unknown category' }]);
    }
  }
}
