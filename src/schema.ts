import 'reflect-metadata';
import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, type NonEmptyArray, type PubSub } from 'type-graphql';
import { AttachmentResolver } from './attachment/attachment.resolver';
import { authChecker } from './auth/auth-checker';
import { AuthResolver } from './auth/auth.resolver';
import { CommentAddedResolver } from './comment/comment-added.resolver';
import { CommentResolver } from './comment/comment.resolver';
import { ConversationResolver } from './conversation/conversation.resolver';
import { GuestSettingsResolver, GuestUsageResolver } from './guest/guest-settings.resolver';
import { GuestResolver } from './guest/guest.resolver';
import { MessageResolver } from './message/message.resolver';
import { NodeResolver } from './node/node.resolver';
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
];

let schema: GraphQLSchema | undefined;

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
 * the context), so one copy serves every server in the process.
 */
export function getSchema(): GraphQLSchema {
  schema ??= buildSchemaSync({
    resolvers,
    authChecker,
    scalarsMap,
    validate: false,
    emitSchemaFile: false,
    pubSub: instancePubSubOnly,
  });
  return schema;
}

/** What `schema.graphql` at the project root must contain. */
export function printPublishedSchema(): string {
  return `${printSchema(getSchema())}\n`;
}
