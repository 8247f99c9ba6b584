import { toProblem } from '../../common/http/problem-details';
import {
  PaymentProviderRejectedError,
  PaymentProviderUnavailableError,
} from './payment-provider-errors';

describe('payment provider errors as problem documents', () => {
  it('answers an unreachable provider 503 and names the provider', () => {
    const problem = toProblem(
      new PaymentProviderUnavailableError('stripe', undefined, { providerRequestId: 'req_1' }),
    );
    expect(problem).toEqual({
      type: '/problems/payment-provider-unavailable',
      title: 'The payment provider is unavailable',
      status: 503,
      detail: 'The payment provider (stripe) cannot be reached right now; try again shortly.',
      provider: 'stripe',
      providerRequestId: 'req_1',
    });
  });

  it('answers a refusal 502 with the provider’s code', () => {
    const problem = toProblem(
      new PaymentProviderRejectedError('stripe', 'Your card was declined.', 'card_declined'),
    );
    expect(problem).toMatchObject({
      type: '/problems/payment-provider-rejected',
      status: 502,
      detail: 'Your card was declined.',
      provider: 'stripe',
      providerCode: 'card_declined',
    });
  });
});
