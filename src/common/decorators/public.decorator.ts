import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'isPublic';

/** Opens a route to anonymous callers; every other route needs a signed-in user. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const OWN_BEARER = 'ownBearer';

/**
 * A public route whose `Authorization: Bearer` header is its own secret (e.g. METRICS_TOKEN),
 * never a user's access token: the JWT guard leaves it to the route.
 */
export const PublicWithOwnBearer = () => SetMetadata(OWN_BEARER, true);
