import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';

/**
 * For public routes that also take a bearer token (the cart): OpenAPI's "no requirement or
 * bearer", so Swagger UI sends the token once authorized and clients know it is optional.
 */
export const ApiOptionalAuth = () => applyDecorators(ApiSecurity({}), ApiBearerAuth());
