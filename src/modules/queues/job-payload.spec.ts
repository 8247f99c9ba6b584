import { field, parsePayload } from './job-payload';
import {
  JOB_CONTRACT,
  jobMessages,
  JOBS,
  jobNamesOf,
  payloadSchemaOf,
  QUEUE_NAMES,
} from './queue-names';

describe('parsePayload', () => {
  const schema = { orderId: field.uuid, stock: field.int, status: field.oneOf(['a', 'b']) };
  const uuid = '9b2f6f0e-6a4c-4c8e-9a57-3c1b8c5d2e10';

  it('returns the fields the schema names, and drops the others', () => {
    expect(parsePayload(schema, { orderId: uuid, stock: 0, status: 'b', extra: 1 })).toEqual({
      ok: true,
      payload: { orderId: uuid, stock: 0, status: 'b' },
    });
  });

  it('names every field that is missing or of the wrong kind', () => {
    expect(parsePayload(schema, { orderId: 'x', stock: 1.5 })).toEqual({
      ok: false,
      reason:
        'invalid payload: orderId must be a UUID; stock must be an integer; status must be one of a, b',
    });
  });

  it.each([null, 'text', 42, [uuid]])('refuses a payload that is not an object: %p', (data) => {
    expect(parsePayload(schema, data)).toEqual({
      ok: false,
      reason: 'the payload is not an object',
    });
  });

  it('takes a bigserial id only as a decimal string', () => {
    const ids = { id: field.serialId };
    expect(parsePayload(ids, { id: '42' }).ok).toBe(true);
    for (const id of [42, '0', '-1', '1e3', '']) expect(parsePayload(ids, { id }).ok).toBe(false);
  });
});

describe('the job contract', () => {
  const uuid = '9b2f6f0e-6a4c-4c8e-9a57-3c1b8c5d2e10';

  it('has a payload schema for every job name, and only for those', () => {
    for (const queue of QUEUE_NAMES) {
      expect(jobNamesOf(queue).sort()).toEqual(Object.values(JOBS[queue]).sort());
    }
    expect(Object.keys(JOB_CONTRACT)).toHaveLength(
      QUEUE_NAMES.reduce((n, queue) => n + Object.keys(JOBS[queue]).length, 0),
    );
    expect(payloadSchemaOf('mail', 'no-such-job')).toBeUndefined();
    expect(payloadSchemaOf('mail', 'toString')).toBeUndefined();
  });

  it('accepts every message the builders make', () => {
    const messages = [
      jobMessages.invoice(uuid),
      jobMessages.creditNote(uuid, uuid),
      jobMessages.refund(uuid),
      jobMessages.paymentInstructions(uuid),
      jobMessages.refundMail(uuid, uuid),
      jobMessages.verifyEmail(uuid, 'token'),
      jobMessages.passwordReset(uuid, 'token'),
      jobMessages.orderConfirmation(uuid),
      jobMessages.orderStatus(uuid, '7', 'shipped'),
      jobMessages.lowStock(uuid, 'movement-1', 2, 5),
    ];
    expect(new Set(messages.map((m) => `${m.queue}:${m.name}`)).size).toBe(
      Object.keys(JOB_CONTRACT).length,
    );
    for (const m of messages) {
      expect(parsePayload(payloadSchemaOf(m.queue, m.name)!, m.payload)).toEqual({
        ok: true,
        payload: m.payload,
      });
    }
  });
});
