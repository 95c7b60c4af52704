import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { unauthenticated } from '../errors';
import { Gate } from './auth-checker';
import { AcceptInvitationInput, InviteMemberInput, LogInInput, SignUpInput } from './auth.inputs';
import { AuthPayload, InvitationPayload } from './auth.type';

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, { description: 'Creates an organization and its owner, and logs the owner in.' })
  async signUp(@Arg('input', { description: 'The organization and its owner.' }) input: SignUpInput, @Ctx() context: Context): Promise<AuthPayload> {
    return loggedIn(context, await context.services.accounts.signUp(input, context.client));
  }

  @Mutation(() => AuthPayload, {
    description: 'Logs a member or guest in. A wrong email or password is UNAUTHENTICATED with one message for both; repeated failures are RATE_LIMITED.',
  })
  async logIn(@Arg('input', { description: 'Email and password.' }) input: LogInInput, @Ctx() context: Context): Promise<AuthPayload> {
    return loggedIn(context, await context.services.accounts.logIn(input, context.client));
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Ends the current session: its token stops working at once.' })
  logOut(@Ctx() { services, viewer }: Context): Promise<boolean> {
    return services.accounts.logOut(viewer!);
  }

  @Authorized(Gate.ADMIN)
  @Mutation(() => InvitationPayload, { description: 'Owners and admins only: invites a member; pass them the link.' })
  inviteMember(@Arg('input', { description: 'Their email and role.' }) input: InviteMemberInput, @Ctx() { services, viewer, client }: Context): Promise<InvitationPayload> {
    return services.accounts.inviteMember(viewer!, input, client);
  }

  @Mutation(() => AuthPayload, { description: 'Accepts a member or guest invitation and logs in. A used, expired or unknown token is INVITATION_INVALID.' })
  async acceptInvitation(@Arg('input', { description: 'The token of the link, and the name and password to use.' }) input: AcceptInvitationInput, @Ctx() context: Context): Promise<AuthPayload> {
    return loggedIn(context, await context.services.accounts.acceptInvitation(input, context.client));
  }
}

/** The rest of the operation (this payload's `viewer { ... }`) runs as the session just opened. */
async function loggedIn(context: Context, result: AuthPayload): Promise<AuthPayload> {
  const viewer = await context.services.sessions.authenticate(result.token);
  if (!viewer) throw unauthenticated();
  context.signIn(viewer);
  return result;
}
