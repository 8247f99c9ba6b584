import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { Sharp } from 'sharp';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors/domain-errors';
import { writeFileAtomic } from '../files/atomic-write';
import { storageConfig, StorageConfig } from '../../config';
import { ImageType, sniffImageType } from './image-type';

export type ImageFolder = 'avatars' | 'products';
/** What an image is for: decides its folder and sizes. */
export type ImageKind = 'avatar' | 'product';

export interface StoredImage {
  /** Server-generated file name under UPLOAD_DIR/<folder>. */
  fileName: string;
  /** Public path, served by the API. */
  url: string;
  mime: string;
  bytes: number;
  /** Public path of the 400 px thumbnail (product images). */
  thumbnailUrl?: string;
}

/** Public path prefix of UPLOAD_DIR. */
export const UPLOADS_URL_PREFIX = '/uploads/';
/** Largest multipart file accepted by any route; each route passes its own lower limit. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** Largest decoded image (width × height): past it, a small file is a decompression bomb. */
export const MAX_INPUT_PIXELS = 40_000_000;
export const AVATAR_SIZE = 256;
export const PRODUCT_IMAGE_MAX_SIDE = 2000;
export const THUMBNAIL_MAX_SIDE = 400;

const FOLDER: Record<ImageKind, ImageFolder> = { avatar: 'avatars', product: 'products' };
const OWN_NAME = /^[0-9a-f-]{36}(-400)?\.(jpg|png|webp)$/;

/** `<uuid>.png` → `<uuid>-400.png`. */
export const thumbnailName = (fileName: string) => fileName.replace(/\.(\w+)$/, '-400.$1');

/**
 * Stores uploaded images: accepts JPEG, PNG and WebP judged by their bytes, decodes them with
 * sharp (at most MAX_INPUT_PIXELS), and writes a re-encoded copy in the same format: EXIF (GPS),
 * ICC and comments stripped, anything trailing the image dropped, avatars cropped to 256 × 256,
 * product images fitted into 2000 px plus a 400 px thumbnail. Names are generated here.
 */
@Injectable()
export class ImageStorage {
  constructor(@Inject(storageConfig.KEY) private readonly config: StorageConfig) {}

  async store(kind: ImageKind, data: Buffer): Promise<StoredImage> {
    const type = sniffImageType(data);
    if (!type) throw new UnsupportedMediaTypeError('Only JPEG, PNG and WebP images are accepted.');
    const folder = FOLDER[kind];
    const fileName = `${randomUUID()}.${type.ext}`;
    const [main, thumbnail] = await decodeAndEncode(kind, data, type);
    const dir = join(this.config.uploadDir, folder);
    await writeFileAtomic(join(dir, fileName), main);
    if (thumbnail) await writeFileAtomic(join(dir, thumbnailName(fileName)), thumbnail);
    return {
      fileName,
      url: this.urlOf(folder, fileName),
      mime: type.mime,
      bytes: main.length,
      ...(thumbnail ? { thumbnailUrl: this.urlOf(folder, thumbnailName(fileName)) } : {}),
    };
  }

  urlOf(folder: ImageFolder, fileName: string): string {
    return `${UPLOADS_URL_PREFIX}${folder}/${fileName}`;
  }

  /** Removes an image and its thumbnail. */
  async remove(folder: ImageFolder, fileName: string): Promise<void> {
    // Names are ours (uuid.ext); refuse anything else rather than touch another path.
    if (!OWN_NAME.test(fileName)) return;
    await rm(join(this.config.uploadDir, folder, fileName), { force: true });
    await rm(join(this.config.uploadDir, folder, thumbnailName(fileName)), { force: true });
  }
}

async function decodeAndEncode(
  kind: ImageKind,
  data: Buffer,
  type: ImageType,
): Promise<[Buffer, Buffer | undefined]> {
  try {
    // `rotate()` applies the EXIF orientation before the metadata goes; output keeps none.
    const image = sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate();
    const encode = (pipeline: Sharp) => pipeline.toFormat(FORMAT[type.ext]).toBuffer();
    if (kind === 'avatar') {
      return [await encode(image.resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover' })), undefined];
    }
    const inside = (side: number) =>
      image.clone().resize(side, side, { fit: 'inside', withoutEnlargement: true });
    return await Promise.all([
      encode(inside(PRODUCT_IMAGE_MAX_SIDE)),
      encode(inside(THUMBNAIL_MAX_SIDE)),
    ]);
  } catch (error) {
    const message = (error as Error).message ?? '';
    if (/pixel limit/i.test(message)) {
      throw new PayloadTooLargeError(
        `The image has more than ${MAX_INPUT_PIXELS} pixels; send a smaller one.`,
      );
    }
    throw new UnsupportedMediaTypeError(
      'The image could not be decoded; send a valid JPEG, PNG or WebP.',
    );
  }
}

const FORMAT = { jpg: 'jpeg', png: 'png', webp: 'webp' } as const;
