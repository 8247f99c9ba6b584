import { MailerService } from '@nestjs-modules/mailer';
import { Inject, Injectable } from '@nestjs/common';
import { mailConfig, MailConfig } from '../../config';
import { ComposedMail } from './mail-messages';
import { TextTemplates } from './mail-templates';
import { messageIdFor, writeEml } from './mail-delivery';

export interface SendResult {
  messageId: string;
  /** Where the message went: the SMTP server's answer, or the .eml file written. */
  destination: string;
}

/**
 * Renders a composed message (HTML through the mailer's Handlebars adapter with the layout
 * and partials, text through `TextTemplates`) and hands it to the transport: SMTP when
 * MAIL_URL is set, otherwise an .eml file in MAIL_OUTBOX_DIR. Resolves once the SMTP server
 * accepted the message or the file is in place; throws otherwise.
 */
@Injectable()
export class MailSender {
  private readonly text: TextTemplates;

  constructor(
    private readonly mailer: MailerService,
    @Inject(mailConfig.KEY) private readonly config: MailConfig,
  ) {
    this.text = new TextTemplates(config.templateDir);
  }

  async send(eventKey: string, mail: ComposedMail): Promise<SendResult> {
    const info = (await this.mailer.sendMail({
      to: mail.to,
      subject: mail.subject,
      template: `${mail.template}/html`,
      context: mail.context,
      text: this.text.render(mail.template, mail.context),
      attachments: mail.attachments,
      // The same for every attempt of this event: a copy sent again is recognisably the same.
      messageId: messageIdFor(eventKey, this.config.from),
      headers: { 'X-Shop-Event': eventKey },
    })) as { messageId: string; response?: string; message?: Buffer };

    if (this.config.url) return { messageId: info.messageId, destination: info.response ?? '' };
    // The stream transport only rendered the message into a buffer: write it out.
    const path = await writeEml(this.config.outboxDir, eventKey, info.message!);
    return { messageId: info.messageId, destination: path };
  }
}
