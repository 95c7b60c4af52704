import type { Logger } from '../logger';
import type { MessageEntity } from './message.entity';

/**
 * How replies leave for the outside world (an email provider, an SMS
 * gateway). Called after the reply is committed; a failure is logged and the
 * message stays recorded.
 */
export interface OutboundTransport {
  send(message: MessageEntity): Promise<void>;
}

/** The default: the message is already recorded in the database; log that it would be sent, without its body. */
export class LoggingTransport implements OutboundTransport {
  constructor(private readonly logger: Logger) {}

  async send(message: MessageEntity): Promise<void> {
    this.logger.info(
      { messageId: message.id, conversationId: message.conversationId, channel: message.channel, to: message.to.length, cc: message.cc.length, bcc: message.bcc.length },
      'outbound message recorded (logging transport: not delivered)',
    );
  }
}
