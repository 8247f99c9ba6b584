import type { FastifyRequest } from 'fastify';
import {
  BadRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors/domain-errors';

/**
 * The one multipart reader of the upload routes (avatars, product images), for controllers:
 * the bytes of the multipart field `file`, at most `maxBytes` (413 past it). Services get the
 * bytes, never the request.
 */
export async function readImageUpload(request: FastifyRequest, maxBytes: number): Promise<Buffer> {
  if (!request.isMultipart()) {
    throw new UnsupportedMediaTypeError('Send the image as multipart/form-data, field "file".');
  }
  const part = await request.file({ limits: { fileSize: maxBytes, files: 1 } });
  if (!part || part.fieldname !== 'file') {
    throw new BadRequestError('The multipart body needs a file in the field "file".');
  }
  try {
    return await part.toBuffer();
  } catch (error) {
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new PayloadTooLargeError(`The image must be at most ${maxBytes} bytes.`);
    }
    throw error;
  }
}
