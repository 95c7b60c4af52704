import { toGlobalId } from '../../src/ids';
import { conversationId, countRows, guestId, ok, userId } from '../support/api';
import { buildConversation, buildGuest, buildMember, buildOrganization, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const TASK_FIELDS = `id title done dueAt createdAt assignee { id name }`;
const CREATE = `mutation ($input: CreateTaskInput!) { createTask(input: $input) { ${TASK_FIELDS} } }`;
const UPDATE = `mutation ($input: UpdateTaskInput!) { updateTask(input: $input) { ${TASK_FIELDS} } }`;
const TASKS = `query ($id: ID!) { conversation(id: $id) { tasks { ${TASK_FIELDS} } } }`;

let owner: Session;
let mia: Session;
beforeAll(async () => {
  owner = await buildOrganization(server, { name: 'Olivia' });
  mia = await buildMember(server, { inviter: owner, name: 'Mia' });
});

async function newTask(input: Record<string, unknown> = {}) {
  const conversation = await buildConversation(server, { creator: owner });
  const id = conversationId(conversation.id);
  const task = ok(await server.gql(CREATE, { input: { conversationId: id, title: 'Call back', ...input } }, owner.token)).createTask;
  return { conversation, id, task };
}

describe('createTask', () => {
  it('creates a task with an assignee and a due date, listed with the conversation oldest first', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const id = conversationId(conversation.id);
    const dueAt = '2030-01-15T09:30:00.000Z';
    const first = ok(
      await server.gql(CREATE, { input: { conversationId: id, title: ' Send the quote ', assigneeId: userId(mia.actor), dueAt } }, owner.token),
    ).createTask;
    expect(first).toMatchObject({ title: 'Send the quote', done: false, dueAt, assignee: { id: userId(mia.actor), name: 'Mia' } });
    const second = ok(await server.gql(CREATE, { input: { conversationId: id, title: 'Follow up' } }, mia.token)).createTask;
    expect(second).toMatchObject({ title: 'Follow up', assignee: null, dueAt: null });
    expect(ok(await server.gql(TASKS, { id }, owner.token)).conversation.tasks).toEqual([first, second]);
  });

  it.each<[string, string, () => Promise<Record<string, unknown>>]>([
    ['a guest as assignee', 'BAD_USER_INPUT', async () => ({ assigneeId: guestId((await buildGuest(server, { inviter: owner, conversationIds: [] })).actor) })],
    ['an unknown assignee', 'NOT_FOUND', async () => ({ assigneeId: toGlobalId('User', '00000000-0000-4000-8000-000000000000') })],
    ['a member of another organization', 'NOT_FOUND', async () => ({ assigneeId: userId((await buildOrganization(server)).actor) })],
    ['a malformed assignee', 'NOT_FOUND', async () => ({ assigneeId: 'who' })],
    ['an empty assignee ID', 'NOT_FOUND', async () => ({ assigneeId: '' })],
    ['an empty title', 'BAD_USER_INPUT', async () => ({ title: '  ' })],
    ['a title of 501 characters', 'BAD_USER_INPUT', async () => ({ title: 'x'.repeat(501) })],
    ['a title with a NUL character', 'BAD_USER_INPUT', async () => ({ title: 'Call\u0000back' })],
  ])('refuses %s with %s and creates nothing', async (_label, code, override) => {
    const conversation = await buildConversation(server, { creator: owner });
    const response = await server.gql(CREATE, { input: { conversationId: conversationId(conversation.id), title: 'Call back', ...(await override()) } }, owner.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual([code]);
    expect(await countRows(server, 'tasks', 'conversation_id = $1', [conversation.id])).toBe(0);
  });

  it('refuses a dueAt that is not a date time with BAD_USER_INPUT', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const response = await server.gql(CREATE, { input: { conversationId: conversationId(conversation.id), title: 'x', dueAt: 'tomorrow' } }, owner.token);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await countRows(server, 'tasks', 'conversation_id = $1', [conversation.id])).toBe(0);
  });

  it("answers NOT_FOUND for another organization's conversation and forbids a guest", async () => {
    const theirs = await buildConversation(server);
    const foreign = await server.gql(CREATE, { input: { conversationId: conversationId(theirs.id), title: 'x' } }, owner.token);
    expect(foreign.data).toBeNull();
    expect(codes(foreign)).toEqual(['NOT_FOUND']);

    const conversation = await buildConversation(server, { creator: owner });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    const asGuest = await server.gql(CREATE, { input: { conversationId: conversationId(conversation.id), title: 'x' } }, guest.token);
    expect(asGuest.data).toBeNull();
    expect(codes(asGuest)).toEqual(['FORBIDDEN']);
    expect(await countRows(server, 'tasks', 'conversation_id = ANY($1)', [[theirs.id, conversation.id]])).toBe(0);
  });
});

describe('updateTask', () => {
  it('marks done, renames, reassigns, unassigns and clears the due date, keeping what is left out', async () => {
    const { id, task } = await newTask({ assigneeId: userId(owner.actor), dueAt: '2030-01-01T00:00:00.000Z' });
    const done = ok(await server.gql(UPDATE, { input: { id: task.id, done: true } }, mia.token)).updateTask;
    expect(done).toMatchObject({ id: task.id, title: 'Call back', done: true, dueAt: '2030-01-01T00:00:00.000Z', assignee: { name: 'Olivia' } });
    const reassigned = ok(await server.gql(UPDATE, { input: { id: task.id, title: 'Call back today', assigneeId: userId(mia.actor) } }, mia.token))
      .updateTask;
    expect(reassigned).toMatchObject({ title: 'Call back today', done: true, assignee: { id: userId(mia.actor), name: 'Mia' } });
    const cleared = ok(await server.gql(UPDATE, { input: { id: task.id, assigneeId: null, dueAt: null } }, mia.token)).updateTask;
    expect(cleared).toMatchObject({ title: 'Call back today', done: true, assignee: null, dueAt: null });
    expect(ok(await server.gql(TASKS, { id }, owner.token)).conversation.tasks).toEqual([cleared]);
  });

  it.each<[string, string, () => Promise<Record<string, unknown>>]>([
    ['a guest as assignee', 'BAD_USER_INPUT', async () => ({ assigneeId: guestId((await buildGuest(server, { inviter: owner, conversationIds: [] })).actor) })],
    ['an unknown assignee', 'NOT_FOUND', async () => ({ assigneeId: toGlobalId('User', '00000000-0000-4000-8000-000000000000') })],
    ['a member of another organization', 'NOT_FOUND', async () => ({ assigneeId: userId((await buildOrganization(server)).actor) })],
    ['an empty assignee ID', 'NOT_FOUND', async () => ({ assigneeId: '' })],
    ['an empty title', 'BAD_USER_INPUT', async () => ({ title: '' })],
  ])('refuses %s with %s and changes nothing', async (_label, code, override) => {
    const { task } = await newTask({ assigneeId: userId(mia.actor) });
    const response = await server.gql(UPDATE, { input: { id: task.id, done: true, ...(await override()) } }, owner.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual([code]);
    const after = ok(await server.gql(`query ($id: ID!) { node(id: $id) { ... on Task { ${TASK_FIELDS} } } }`, { id: task.id }, owner.token)).node;
    expect(after).toEqual(task);
  });

  it("answers NOT_FOUND for an unknown task, another organization's task, or an ID of another type", async () => {
    const stranger = await buildOrganization(server);
    const theirConversation = await buildConversation(server, { creator: stranger });
    const theirs = ok(
      await server.gql(CREATE, { input: { conversationId: conversationId(theirConversation.id), title: 'Theirs' } }, stranger.token),
    ).createTask;
    for (const id of [theirs.id, toGlobalId('Task', '00000000-0000-4000-8000-000000000000'), conversationId(theirConversation.id), 'x']) {
      const response = await server.gql(UPDATE, { input: { id, done: true } }, owner.token);
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['NOT_FOUND']);
    }
    expect(await countRows(server, 'tasks', 'conversation_id = $1 AND NOT done', [theirConversation.id])).toBe(1);
  });

  it('forbids a guest, even one with access', async () => {
    const { conversation, task } = await newTask();
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    const response = await server.gql(UPDATE, { input: { id: task.id, done: true } }, guest.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(await countRows(server, 'tasks', 'conversation_id = $1 AND NOT done', [conversation.id])).toBe(1);
  });
});
