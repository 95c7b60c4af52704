import type { MessageEntity } from '../../src/message/message.entity';
import type { OutboundTransport } from '../../src/message/message.transport';

/** An outbound transport that keeps what it was handed, so tests can see what would have left. */
export class RecordingTransport implements OutboundTransport {
  readonly sent: MessageEntity[] = [];

  async send(message: MessageEntity): Promise<void> {
    this.sent.push(message);
  }
}
