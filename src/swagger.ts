import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type {
  OperationObject,
  ParameterObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { version } from '../package.json';
import type { AppConfig } from './config';
import type { NodeEnv } from './config/validate-env';

/** Tags in the order a reader meets them; a tag not listed here goes before `merchant`. */
const TAGS: { name: string; description: string }[] = [
  { name: 'auth', description: 'Register, sign in, tokens, e-mail verification, password reset' },
  { name: 'users', description: 'The signed-in user’s profile, password and avatar' },
  { name: 'catalog', description: 'Products, variants, categories, shops and reviews' },
  { name: 'cart', description: 'The cart of a guest (`X-Cart-Id`) or of the signed-in user' },
  { name: 'checkout', description: 'Turn the cart into an order' },
  { name: 'orders', description: 'A customer’s orders, invoices and credit notes' },
  { name: 'payments', description: 'Payment providers’ webhooks (signed; not for clients)' },
  { name: 'merchant', description: 'A merchant’s shop, products, stock and orders' },
  { name: 'admin', description: 'Users, categories and orders, for admins' },
  { name: 'operations', description: 'Health, metrics and the queue dashboard session' },
];

/**
 * operationIds a generated client reads well, by route. A route not listed gets
 * `<method><Controller>` (e.g. `listPayments` for PaymentsController.list).
 */
const OPERATION_IDS: Record<string, string> = {
  'GET /metrics': 'getMetrics',
  'GET /health': 'checkLiveness',
  'GET /health/ready': 'checkReadiness',
  'POST /api/v1/auth/register': 'register',
  'POST /api/v1/auth/login': 'login',
  'POST /api/v1/auth/refresh': 'refreshTokens',
  'POST /api/v1/auth/logout': 'logout',
  'POST /api/v1/auth/logout/all': 'logoutEverywhere',
  'POST /api/v1/auth/verify-email': 'verifyEmail',
  'POST /api/v1/auth/verify-email/resend': 'resendVerificationEmail',
  'POST /api/v1/auth/password/forgot': 'requestPasswordReset',
  'POST /api/v1/auth/password/reset': 'resetPassword',
  'GET /api/v1/users/me': 'getMyProfile',
  'PATCH /api/v1/users/me': 'updateMyProfile',
  'DELETE /api/v1/users/me': 'deleteMyAccount',
  'PUT /api/v1/users/me/password': 'changeMyPassword',
  'PUT /api/v1/users/me/avatar': 'uploadMyAvatar',
  'GET /api/v1/admin/users': 'listUsers',
  'PATCH /api/v1/admin/users/{id}': 'updateUser',
  'POST /api/v1/inventory/adjustments': 'adjustStock',
  'GET /api/v1/merchant/products': 'listMyProducts',
  'PUT /api/v1/merchant/shop': 'saveMyShop',
  'GET /api/v1/shops/{slug}': 'getShop',
  'GET /api/v1/categories': 'listCategories',
  'POST /api/v1/admin/categories': 'createCategory',
  'PATCH /api/v1/admin/categories/{id}': 'updateCategory',
  'DELETE /api/v1/admin/categories/{id}': 'deleteCategory',
  'GET /api/v1/products': 'listProducts',
  'POST /api/v1/products': 'createProduct',
  'GET /api/v1/products/{idOrSlug}': 'getProduct',
  'PATCH /api/v1/products/{id}': 'updateProduct',
  'DELETE /api/v1/products/{id}': 'archiveProduct',
  'POST /api/v1/products/{id}/variants': 'addVariant',
  'PATCH /api/v1/products/{id}/variants/{variantId}': 'updateVariant',
  'POST /api/v1/products/{id}/images': 'addProductImage',
  'GET /api/v1/products/{id}/reviews': 'listReviews',
  'POST /api/v1/products/{id}/reviews': 'createReview',
  'GET /api/v1/orders': 'listMyOrders',
  'GET /api/v1/orders/{id}': 'getOrder',
  'POST /api/v1/orders/{id}/cancel': 'cancelOrder',
  'GET /api/v1/orders/{id}/invoice': 'downloadInvoice',
  'GET /api/v1/orders/{id}/credit-note': 'downloadCreditNote',
  'GET /api/v1/admin/orders': 'listAllOrders',
  'PATCH /api/v1/admin/orders/{id}/status': 'changeOrderStatus',
  'GET /api/v1/merchant/orders': 'listMerchantOrders',
  'GET /api/v1/cart': 'getCart',
  'DELETE /api/v1/cart': 'clearCart',
  'POST /api/v1/cart/items': 'addCartItem',
  'PATCH /api/v1/cart/items/{variantId}': 'setCartItemQuantity',
  'DELETE /api/v1/cart/items/{variantId}': 'removeCartItem',
  'POST /api/v1/checkout': 'placeOrder',
  'POST /api/v1/admin/orders/{id}/payments': 'recordPayment',
  'POST /api/v1/admin/orders/{id}/refunds': 'refundOrder',
  'POST /api/v1/payments/stripe/webhook': 'stripeWebhook',
  'POST /api/v1/payments/{provider}/webhook': 'providerWebhook',
  'GET /api/v1/orders/{id}/credit-notes/{number}': 'getCreditNote',
  'POST /admin/queues/login': 'openQueueDashboardSession',
  'POST /admin/queues/logout': 'closeQueueDashboardSession',
};

/** Request body examples where the generated one would fail (an either-or body). */
const BODY_EXAMPLES: Record<string, unknown> = {
  'POST /admin/queues/login': { email: 'admin@shop.local', password: 'admin-demo-password' },
};

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Shop API')
    .setDescription(
      'REST API of the shop backend. Errors are RFC 9457 problem details ' +
        '(`application/problem+json`). Money is in integer minor units of the store currency.\n\n' +
        'Try it: `POST /auth/login` with `customer@shop.local` / `customer-demo-password` (a ' +
        'local run seeds it), copy `accessToken` into **Authorize**. Cart routes also work ' +
        'without signing in (a guest cart, `X-Cart-Id`).',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => method + controller.replace(/Controller$/, ''),
  });
  return polishDocument(document);
}

/** RFC 9457: the body of every error answer. */
const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', example: '/problems/not-found' },
    title: { type: 'string', example: 'Not found' },
    status: { type: 'integer', example: 404 },
    detail: { type: 'string' },
    instance: { type: 'string', example: '/api/v1/products/42' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      description: 'Per-field problems (400 validation only)',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
    retryAfter: { type: 'integer', description: 'Seconds to wait (429 only)' },
  },
};

const problem = (status: number, type: string, title: string, detail: string, extra = {}) => ({
  type: `/problems/${type}`,
  title,
  status,
  detail,
  ...extra,
  requestId: '5f0c6a1e-2b7d-4a43-9d8e-0c3f2a9b71d4',
});

/** The body each status really has (see common/errors/domain-errors.ts). */
const PROBLEM_EXAMPLES: Record<string, object> = {
  '400': problem(400, 'validation-failed', 'Your request is not valid', 'quantity: must be ≥ 1', {
    errors: [{ field: 'quantity', message: 'quantity must not be less than 1' }],
  }),
  '401': problem(401, 'unauthorized', 'Not signed in', 'A valid access token is required.'),
  '403': problem(403, 'forbidden', 'Not allowed', 'This needs the admin role.'),
  '404': problem(404, 'not-found', 'Not found', 'No product 42.'),
  '409': problem(409, 'conflict', 'Conflict', 'Not enough stock for 1 line.', {
    shortLines: [{ variantId: 7, requested: 3, available: 1 }],
  }),
  '413': problem(413, 'payload-too-large', 'Payload too large', 'The file is over 5 MB.'),
  '415': problem(
    415,
    'unsupported-media-type',
    'Unsupported media type',
    'Only JPEG, PNG or WebP images.',
  ),
  '422': problem(
    422,
    'unprocessable',
    'The current state does not allow this',
    'The cart is empty.',
  ),
  '429': problem(429, 'too-many-requests', 'Too many requests', 'Try again in 42 seconds.', {
    retryAfter: 42,
  }),
  '503': problem(
    503,
    'service-unavailable',
    'Service unavailable',
    'A service this request needs (Redis) is unreachable; try again shortly.',
  ),
};

const STANDARD_ERRORS: Record<string, string> = {
  '400': 'Invalid fields or parameters',
  '401': 'No valid access token',
  '403': 'The signed-in user’s role does not allow this',
  '503': 'PostgreSQL or Redis is unreachable; retry later',
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function operationsOf(document: OpenAPIObject): [string, OperationObject][] {
  const found: [string, OperationObject][] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) found.push([`${method.toUpperCase()} ${path}`, operation]);
    }
  }
  return found;
}

/**
 * What the decorators cannot say, fixed in one place so controllers stay plain: readable
 * operationIds, tags by audience in reading order, each header once, problem bodies with the
 * shape of their status, and the error answers every secured or validated route has.
 */
export function polishDocument(document: OpenAPIObject): OpenAPIObject {
  document.components = document.components ?? {};
  document.components.schemas = { ...document.components.schemas, Problem: PROBLEM_SCHEMA };
  const used = new Set<string>();
  for (const [route, operation] of operationsOf(document)) {
    operation.operationId = OPERATION_IDS[route] ?? operation.operationId;
    operation.tags = [audienceTag(route) ?? operation.tags?.[0] ?? 'operations'];
    used.add(operation.tags[0]);
    operation.parameters = mergeHeaders(operation.parameters ?? []);
    addStandardErrors(route, operation);
    for (const [status, response] of Object.entries(operation.responses ?? {})) {
      const answer = response as ResponseObject;
      if (Number(status) >= 400) {
        answer.content = {
          'application/problem+json': {
            schema: { $ref: '#/components/schemas/Problem' },
            example: PROBLEM_EXAMPLES[status] ?? problem(Number(status), 'error', 'Error', ''),
          },
        };
      }
    }
    const example = BODY_EXAMPLES[route];
    const json = (operation.requestBody as { content?: Record<string, { example?: unknown }> })
      ?.content?.['application/json'];
    if (example && json) json.example = example;
  }
  const order = (name: string) => {
    const at = TAGS.findIndex((tag) => tag.name === name);
    return at >= 0 ? at : TAGS.findIndex((tag) => tag.name === 'merchant') - 0.5;
  };
  document.tags = [...used]
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b))
    .map((name) => TAGS.find((tag) => tag.name === name) ?? { name });
  return document;
}

/** Admin and merchant routes are grouped by who calls them, whatever controller holds them. */
function audienceTag(route: string): string | undefined {
  const path = route.split(' ')[1];
  if (path.startsWith('/api/v1/admin/')) return 'admin';
  if (path.startsWith('/api/v1/merchant/') || path.startsWith('/api/v1/inventory/')) {
    return 'merchant';
  }
  return undefined;
}

/**
 * `@Headers('x-cart-id')` adds an undocumented, required lowercase copy of a header the
 * controller also declares with `@ApiHeader`: HTTP header names are case-insensitive, so keep
 * one per name, the declared one (its optionality is the route's).
 */
function mergeHeaders(
  parameters: (ParameterObject | ReferenceObject)[],
): (ParameterObject | ReferenceObject)[] {
  const declared = new Map<string, ParameterObject>();
  for (const parameter of parameters) {
    if ('$ref' in parameter || parameter.in !== 'header') continue;
    const key = parameter.name.toLowerCase();
    const seen = declared.get(key);
    if (!seen || (!seen.description && parameter.description)) declared.set(key, parameter);
  }
  return parameters.filter(
    (parameter) =>
      '$ref' in parameter ||
      parameter.in !== 'header' ||
      declared.get(parameter.name.toLowerCase()) === parameter,
  );
}

function addStandardErrors(route: string, operation: OperationObject): void {
  const responses = operation.responses;
  const add = (status: string) => {
    responses[status] = responses[status] ?? { description: STANDARD_ERRORS[status] };
  };
  const hasInput =
    operation.requestBody !== undefined ||
    (operation.parameters ?? []).some((p) => '$ref' in p || p.in !== 'header');
  if (hasInput) add('400');
  const secured = (operation.security ?? []).some((requirement) => 'bearer' in requirement);
  if (secured) add('401');
  if (secured && audienceTag(route)) add('403');
  if (route.includes(' /api/v1/')) add('503');
}

/**
 * Swagger UI options. `persistAuthorization` keeps the bearer token in the browser's
 * localStorage, where any script of the origin can read it: a convenience for development only.
 */
export function swaggerUiOptions(env: NodeEnv): { persistAuthorization: boolean } {
  return { persistAuthorization: env !== 'production' };
}

/** Swagger UI at /docs, the OpenAPI 3 document at /docs-json (unless DOCS_ENABLED=false). */
export function setupSwagger(app: INestApplication, config: AppConfig): void {
  if (!config.docsEnabled) return;
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'Shop API',
    swaggerOptions: swaggerUiOptions(config.env),
  });
}
