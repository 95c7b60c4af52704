import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { buildMember, buildOrganization, type Session } from '../support/factories';
import { mention, NOTIFICATION_ADDED } from '../notifications/helpers';
import { startServer, usingPostgres, type TestServer } from '../support/server';
import { reachable } from '../support/services';
import { connect, within, type TestClient } from '../support/websocket';
import { COMMENT_ADDED, conversationOf, guestIn, postComment, untilLive } from './helpers';

/**
 * A Redis of the test's own on a spare port, so the test can stop and restart
 * it without disturbing anything else. Nothing is persisted: a restart is a
 * fresh server, as after a crash.
 */
class OwnRedis {
  private process: ChildProcess | null = null;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const child = this.process;
    const up = async () => {
      while (!(await reachable(this.url, 200))) {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await within(up(), 5000, 'redis-server to accept connections');
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * A free port below the kernel's ephemeral range: while our Redis is stopped,
 * a server elsewhere asking for port 0 cannot be handed its port.
 */
async function sparePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

const hasRedisServer = (() => {
  try {
    require('node:child_process').execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

(hasRedisServer && usingPostgres() ? describe : describe.skip)('a Redis outage', () => {
  let redis: OwnRedis;
  let first: TestServer;
  let second: TestServer;
  let owner: Session;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    redis = new OwnRedis(await sparePort());
    await redis.start();
    first = await startServer({ REDIS_URL: redis.url });
    second = await startServer(first.env);
    owner = await buildOrganization(first);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await second?.stop();
    await first?.stop();
    await redis?.stop();
  });

  it('loses no comment: mutations keep working, and subscribers catch up in order when Redis returns', async () => {
    const conversation = await conversationOf(first, owner);
    const guest = await guestIn(first, owner, conversation);
    const client = await connect(first, guest.token);
    clients.push(client);
    const subscription = client.subscribe(COMMENT_ADDED, { id: conversation.id });
    await untilLive(first, conversation);

    await postComment(second, owner.token, conversation, 'before');
    await subscription.take(1);

    await redis.stop();
    // Committed while Redis is down, on the instance the subscriber is not connected to: the publish fails, the mutation does not.
    await postComment(second, owner.token, conversation, 'during 1');
    await postComment(second, owner.token, conversation, 'during 2');
    // Not ready while Redis is down (queries keep working all the same, as the comments above show).
    const readiness = await fetch(`${second.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ checks: { database: 'ok', redis: 'unavailable' } });
    await redis.start();

    // No new comment is needed to bring them: the instances catch up by themselves once Redis is back.
    const caughtUp = await subscription.take(3, 10_000);
    expect(caughtUp.map((result) => result.data!.commentAdded.body)).toEqual(['before', 'during 1', 'during 2']);

    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    const after = await postComment(second, owner.token, conversation, 'after');
    const all = await subscription.take(4, 10_000);
    expect(all.map((result) => result.data!.commentAdded.body)).toEqual(['before', 'during 1', 'during 2', 'after']);
    expect(all[3]!.data!.commentAdded.id).toBe(after);
  });

  it('keeps delivering, while Redis is down, the comments committed on the subscriber\'s own instance', async () => {
    const conversation = await conversationOf(first, owner);
    const client = await connect(first, owner.token);
    clients.push(client);
    const subscription = client.subscribe(COMMENT_ADDED, { id: conversation.id });
    await untilLive(first, conversation);

    await redis.stop();
    try {
      const commentId = await postComment(first, owner.token, conversation, 'while Redis is down');
      expect((await subscription.take(1))[0]!.data!.commentAdded.id).toBe(commentId);
    } finally {
      await redis.start();
    }
  });

  it('loses no notification: those committed while Redis is down reach a subscriber on the other instance when it returns', async () => {
    const conversation = await conversationOf(first, owner);
    const member = await buildMember(first, { inviter: owner });
    const client = await connect(first, member.token);
    clients.push(client);
    const subscription = client.subscribe(NOTIFICATION_ADDED);
    const live = async () => {
      while (first.app.services.realtime.liveNotificationSubscriptions(owner.viewer.organizationId, member.actor.id) < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    await within(live(), 3000, 'a live notification subscription');

    await redis.stop();
    await mention(second, owner, conversation.uuid, [member.actor], 'during 1');
    await mention(second, owner, conversation.uuid, [member.actor], 'during 2');
    await redis.start();

    const caughtUp = await subscription.take(2, 10_000);
    expect(caughtUp.map((result) => result.data!.notificationAdded.comment.body)).toEqual(['during 1', 'during 2']);
    await mention(second, owner, conversation.uuid, [member.actor], 'after');
    const all = await subscription.take(3, 10_000);
    expect(all.map((result) => result.data!.notificationAdded.comment.body)).toEqual(['during 1', 'during 2', 'after']);
  });

  it("resubscribes the conversation's channel after the restart", async () => {
    const conversation = await conversationOf(first, owner);
    const client = await connect(first, owner.token);
    clients.push(client);
    client.subscribe(COMMENT_ADDED, { id: conversation.id });
    await untilLive(first, conversation);

    await redis.stop();
    await redis.start();

    const probe = new Redis(redis.url);
    try {
      const channel = `${first.env.REDIS_PREFIX}comment-added:${conversation.uuid}`;
      const subscribed = async () => {
        while (((await probe.pubsub('NUMSUB', channel)) as [string, number])[1] !== 1) await new Promise((resolve) => setTimeout(resolve, 20));
      };
      await within(subscribed(), 5000, 'the channel to be subscribed again');
    } finally {
      probe.disconnect();
    }
  });
});
