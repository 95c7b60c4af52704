import 'reflect-metadata';
import { MapperKind, mapSchema, printSchemaWithDirectives } from '@graphql-tools/utils';
import { GraphQLObjectType, isAbstractType, specifiedDirectives, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, type NonEmptyArray, type PubSub } from 'type-graphql';
import { AttachmentResolver } from './attachment/attachment.resolver';
import { AuditEventConnectionResolver, AuditEventResolver, OrganizationAuditResolver } from './audit/audit.resolver';
import { authChecker } from './auth/auth-checker';
import { membersOnlyDirective, withMembersOnlyDirective } from './auth/members-only';
import { AuthResolver } from './auth/auth.resolver';
import { CommentAddedResolver } from './comment/comment-added.resolver';
import { CommentResolver } from './comment/comment.resolver';
import { ConversationResolver } from './conversation/conversation.resolver';
import { withDirectFieldResolution } from './field-resolution';
import { GuestAccessResolver } from './guest/guest-access.resolver';
import { GuestSettingsResolver, GuestUsageResolver } from './guest/guest-settings.resolver';
import { GuestResolver } from './guest/guest.resolver';
import { MessageResolver } from './message/message.resolver';
import { NodeResolver } from './node/node.resolver';
import { NotificationAddedResolver } from './notification/notification-added.resolver';
import { NotificationResolver, NotificationSettingsResolver } from './notification/notification.resolver';
import { OrganizationResolver } from './organization/organization.resolver';
import { scalarsMap } from './scalars';
import { TaskResolver } from './task/task.resolver';
import { TeamResolver } from './team/team.resolver';
import { UserResolver } from './user/user.resolver';
import { ViewerResolver } from './viewer/viewer.resolver';

const resolvers: NonEmptyArray<Function> = [
  AuthResolver,
  ViewerResolver,
  NodeResolver,
  OrganizationResolver,
  UserResolver,
  GuestResolver,
  GuestSettingsResolver,
  GuestUsageResolver,
  TeamResolver,
  ConversationResolver,
  MessageResolver,
  CommentResolver,
  CommentAddedResolver,
  TaskResolver,
  AttachmentResolver,
  GuestAccessResolver,
  OrganizationAuditResolver,
  AuditEventConnectionResolver,
  AuditEventResolver,
  NotificationResolver,
  NotificationSettingsResolver,
  NotificationAddedResolver,
];

let schema: GraphQLSchema | undefined;

/** type-graphql builds the root types itself, without descriptions. */
const ROOT_DESCRIPTIONS: Record<string, string> = {
  Query: 'What a logged-in member or guest can read. Everything needs `Authorization: Bearer <token>`.',
  Mutation: 'Changes. `signUp`, `logIn` and `acceptInvitation` need no token; everything else does.',
  Subscription: 'Live events, over websockets only (`graphql-transport-ws` on /graphql, the token in `connection_init`).',
};

const describeRootTypes = (built: GraphQLSchema) =>
  mapSchema(built, {
    [MapperKind.ROOT_OBJECT]: (type) => new GraphQLObjectType({ ...type.toConfig(), description: type.description ?? ROOT_DESCRIPTIONS[type.name] }),
  });

/**
 * type-graphql insists on a pubSub, but this schema is shared by every
 * instance in the process, so it cannot hold one: subscriptions reach their
 * instance's real-time service through the context (`@Subscription({ subscribe })`,
 * see src/realtime). A `topics:` subscription would bypass that, so it fails loudly.
 */
const instancePubSubOnly: PubSub = {
  publish() {
    throw new Error('Services publish through the DomainEvents they are given, not the schema pubSub.');
  },
  subscribe() {
    throw new Error('Subscriptions must use @Subscription({ subscribe }) with services.realtime, not topics.');
  },
};

/**
 * The executable schema. It holds no per-instance state (services travel in
 * the context), so one copy serves every server in the process. Plain fields
 * resolve without type-graphql's per-field wrapper (src/field-resolution.ts).
 */
export function getSchema(): GraphQLSchema {
  if (!schema) {
    const built = buildSchemaSync({
      resolvers,
      authChecker,
      scalarsMap,
      directives: [...specifiedDirectives, membersOnlyDirective],
      validate: false,
      emitSchemaFile: false,
      pubSub: instancePubSubOnly,
    });
    schema = describeRootTypes(withMembersOnlyDirective(withDirectFieldResolution(built, authChecker)));
  }
  return schema;
}

/** What `schema.graphql` at the project root must contain: the schema with its applied directives (`@membersOnly`). */
export function printPublishedSchema(): string {
  return `${printSchemaWithDirectives(getSchema())}\n`;
}

/**
 * What `possible-types.json` at the project root must contain: the types
 * behind each interface (and union), in the format of GraphQL Code
 * Generator's `fragment-matcher` plugin, which is what Apollo Client's
 * `possibleTypes` option takes. Without it a fragment `on Actor` matches
 * nothing in Apollo's cache.
 */
export function printPossibleTypes(): string {
  const schema = getSchema();
  const possibleTypes: Record<string, string[]> = {};
  for (const type of Object.values(schema.getTypeMap()).sort((a, b) => a.name.localeCompare(b.name))) {
    if (isAbstractType(type) && !type.name.startsWith('__')) {
      possibleTypes[type.name] = schema
        .getPossibleTypes(type)
        .map((possible) => possible.name)
        .sort();
    }
  }
  return `${JSON.stringify({ possibleTypes }, null, 2)}\n`;
}
