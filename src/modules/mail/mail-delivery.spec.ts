import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifySendFailure, emlFileName, messageIdFor, writeEml } from './mail-delivery';

const smtpError = (props: Record<string, unknown>) => Object.assign(new Error('x'), props);

describe('classifySendFailure', () => {
  it('treats an SMTP error reply as a refusal (safe to send again)', () => {
    expect(classifySendFailure(smtpError({ code: 'EMESSAGE', responseCode: 451 }))).toBe(
      'not-accepted',
    );
    expect(classifySendFailure(smtpError({ code: 'EENVELOPE', responseCode: 550 }))).toBe(
      'not-accepted',
    );
  });

  it('treats a server that could not be reached as not having the message', () => {
    expect(classifySendFailure(smtpError({ code: 'ESOCKET', syscall: 'connect' }))).toBe(
      'not-accepted',
    );
    expect(classifySendFailure(smtpError({ code: 'EDNS', syscall: 'getaddrinfo' }))).toBe(
      'not-accepted',
    );
    const timeout = smtpError({ code: 'ETIMEDOUT' });
    timeout.message = 'Greeting never received';
    expect(classifySendFailure(timeout)).toBe('not-accepted');
  });

  it('treats a connection broken during the session as an unknown outcome', () => {
    expect(classifySendFailure(smtpError({ code: 'ECONNECTION', command: 'CONN' }))).toBe(
      'unknown',
    );
    expect(classifySendFailure(smtpError({ code: 'ETIMEDOUT', message: 'Timeout' }))).toBe(
      'unknown',
    );
    expect(classifySendFailure(smtpError({ code: 'ESOCKET' }))).toBe('unknown');
  });

  it('treats an error before any transport (a template that fails) as not sent', () => {
    expect(classifySendFailure(new Error('Missing partial'))).toBe('not-accepted');
  });
});

describe('writeEml', () => {
  it('writes the message under a name from the event key, with no temporary file left', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'eml-')), 'outbox');
    const path = await writeEml(dir, 'mail.verify-email.ab/../cd', Buffer.from('Subject: hi\n\nx'));
    expect(path).toBe(join(dir, 'mail.verify-email.ab_.._cd.eml'));
    expect(await readdir(dir)).toEqual([emlFileName('mail.verify-email.ab/../cd')]);
    expect(await readFile(path, 'utf8')).toBe('Subject: hi\n\nx');
    // The same event again replaces the file: one file per event.
    await writeEml(dir, 'mail.verify-email.ab/../cd', Buffer.from('Subject: hi\n\ny'));
    expect(await readdir(dir)).toHaveLength(1);
  });
});

describe('messageIdFor', () => {
  it('is one id per event, on the sender domain', () => {
    const from = 'Shop <no-reply@shop.example>';
    expect(messageIdFor('mail.order-confirmation.42', from)).toBe(
      '<mail.order-confirmation.42@shop.example>',
    );
    expect(messageIdFor('mail.order-confirmation.42', from)).toBe(
      messageIdFor('mail.order-confirmation.42', from),
    );
    expect(messageIdFor('a b<c>', 'nobody')).toBe('<a_b_c_@localhost>');
  });
});
