import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BadRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors/domain-errors';
import { storageConfig, StorageConfig } from '../../config';
import { sniffImageType } from './image-type';

export type ImageFolder = 'avatars' | 'products';

export interface StoredImage {
  /** Server-generated file name under UPLOAD_DIR/<folder>. */
  fileName: string;
  /** Public path, served by the API. */
  url: string;
  mime: string;
  bytes: number;
}

/** Public path prefix of UPLOAD_DIR. */
export const UPLOADS_URL_PREFIX = '/uploads/';
/** Largest multipart file accepted by any route; each route passes its own lower limit. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/**
 * Reads the `file` field of a multipart request, accepts JPEG, PNG and WebP judged by their
 * bytes, and stores it under a name the server generates (atomically: temp file + rename).
 */
@Injectable()
export class ImageStorage {
  constructor(@Inject(storageConfig.KEY) private readonly config: StorageConfig) {}

  async saveFromRequest(
    request: FastifyRequest,
    folder: ImageFolder,
    maxBytes: number,
  ): Promise<StoredImage> {
    if (!request.isMultipart()) {
      throw new UnsupportedMediaTypeError('Send the image as multipart/form-data, field "file".');
    }
    const part = await request.file({ limits: { fileSize: maxBytes, files: 1 } });
    if (!part || part.fieldname !== 'file') {
      throw new BadRequestError('The multipart body needs a file in the field "file".');
    }
    let data: Buffer;
    try {
      data = await part.toBuffer();
    } catch (error) {
      if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        throw new PayloadTooLargeError(`The image must be at most ${maxBytes} bytes.`);
      }
      throw error;
    }
    const type = sniffImageType(data);
    if (!type) {
      throw new UnsupportedMediaTypeError('Only JPEG, PNG and WebP images are accepted.');
    }
    const fileName = `${randomUUID()}.${type.ext}`;
    const dir = join(this.config.uploadDir, folder);
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.${fileName}.tmp`);
    await writeFile(temp, data, { flag: 'wx' });
    await rename(temp, join(dir, fileName));
    return { fileName, url: this.urlOf(folder, fileName), mime: type.mime, bytes: data.length };
  }

  urlOf(folder: ImageFolder, fileName: string): string {
    return `${UPLOADS_URL_PREFIX}${folder}/${fileName}`;
  }

  async remove(folder: ImageFolder, fileName: string): Promise<void> {
    // Names are ours (uuid.ext); refuse anything else rather than touch another path.
    if (!/^[0-9a-f-]{36}\.(jpg|png|webp)$/.test(fileName)) return;
    await rm(join(this.config.uploadDir, folder, fileName), { force: true });
  }
}
