import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiPayloadTooLargeResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';

/** Swagger for a route taking one image in the multipart field `file`. */
export function ApiImageUpload(maxBytes: number) {
  return applyDecorators(
    ApiConsumes('multipart/form-data'),
    ApiBody({
      schema: {
        type: 'object',
        required: ['file'],
        properties: {
          file: { type: 'string', format: 'binary', description: 'JPEG, PNG or WebP' },
        },
      },
    }),
    ApiBadRequestResponse({ description: 'No file in the multipart field "file"' }),
    ApiPayloadTooLargeResponse({ description: `The file is larger than ${maxBytes} bytes` }),
    ApiUnsupportedMediaTypeResponse({
      description: 'Not a JPEG, PNG or WebP (judged by its bytes)',
    }),
  );
}
