import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { freePort } from './server';

/** One DATA the server received, accepted or not. */
export interface Delivery {
  raw: string;
  /** The head of the message, unfolded (one header per line): what header-injection checks read. */
  head: string;
  parsed: ParsedMail;
  envelope: { from: string; to: string[] };
  accepted: boolean;
}

/**
 * How the server answers the DATA of delivery `attempt` (0 for the first it
 * ever gets): null accepts; an SMTP code refuses with it; `acceptAfterMs`
 * accepts that much later; 'hang' never answers.
 */
export type Answer = (attempt: number, delivery: Delivery) => { code: number; message: string } | { acceptAfterMs: number } | 'hang' | null;

const accept: Answer = () => null;

/**
 * A real SMTP server in the test process (the `smtp-server` package), with
 * what arrives parsed by `mailparser`. `stop` and `start` again keep the port,
 * so an instance configured with `url` sees an outage and a recovery.
 */
export class TestSmtpServer {
  /** Every DATA received, in order, accepted or refused. */
  readonly deliveries: Delivery[] = [];
  answer: Answer = accept;
  private server: SMTPServer | null = null;

  private constructor(readonly port: number) {}

  static async start(answer: Answer = accept): Promise<TestSmtpServer> {
    const smtp = new TestSmtpServer(await freePort());
    smtp.answer = answer;
    await smtp.start();
    return smtp;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The emails accepted, in order. */
  get accepted(): Delivery[] {
    return this.deliveries.filter((delivery) => delivery.accepted);
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      closeTimeout: 100,
      onData: (stream, session, callback) => void this.receive(stream, session, callback),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    server.on('error', () => undefined);
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const connection of server.connections) connection.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once `count` emails were accepted (or rejects after `timeoutMs`). */
  async waitForAccepted(count: number, timeoutMs = 20_000): Promise<Delivery[]> {
    const started = Date.now();
    while (this.accepted.length < count) {
      if (Date.now() - started > timeoutMs) throw new Error(`expected ${count} accepted emails within ${timeoutMs} ms, got ${this.accepted.length}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.accepted;
  }

  /** Resolves once `count` deliveries (accepted or not) arrived. */
  async waitForDeliveries(count: number, timeoutMs = 20_000): Promise<Delivery[]> {
    const started = Date.now();
    while (this.deliveries.length < count) {
      if (Date.now() - started > timeoutMs) throw new Error(`expected ${count} deliveries within ${timeoutMs} ms, got ${this.deliveries.length}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.deliveries;
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null) => void): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const delivery: Delivery = {
      raw,
      head: raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' '),
      parsed: await simpleParser(raw),
      envelope: {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((recipient) => recipient.address),
      },
      accepted: false,
    };
    const answer = this.answer(this.deliveries.length, delivery);
    this.deliveries.push(delivery);
    if (answer === 'hang') return;
    if (answer !== null && 'acceptAfterMs' in answer) await new Promise((resolve) => setTimeout(resolve, answer.acceptAfterMs));
    if (answer === null || 'acceptAfterMs' in answer) {
      delivery.accepted = true;
      return callback(null);
    }
    callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
  }
}
