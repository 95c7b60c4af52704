import 'reflect-metadata';
import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, type NonEmptyArray } from 'type-graphql';
import { AttachmentResolver } from './attachment/attachment.resolver';
import { authChecker } from './auth/auth-checker';
import { AuthResolver } from './auth/auth.resolver';
import { CommentResolver } from './comment/comment.resolver';
import { ConversationResolver } from './conversation/conversation.resolver';
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
  TeamResolver,
  ConversationResolver,
  MessageResolver,
  CommentResolver,
  TaskResolver,
  AttachmentResolver,
];

let schema: GraphQLSchema | undefined;

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
  });
  return schema;
}

/** What `schema.graphql` at the project root must contain. */
export function printPublishedSchema(): string {
  return `${printSchema(getSchema())}\n`;
}
