import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { unauthenticated } from '../errors';
import { Gate } from './auth-checker';
import { AcceptInvitationInput, InviteMemberInput, LogInInput, SignUpInput } from './auth.inputs';
import { AuthPayload, InvitationPayload } from './auth.type';

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, { description: 'Creates an organization and its owner, and logs the owner in.' })
  async signUp(@Arg('input') input: SignUpInput, @Ctx() context: Context): Promise<AuthPayload> {
    return loggedIn(context, await context.services.accounts.signUp(input, context.client));
  }

  @Mutation(() => AuthPayload)
  async logIn(@Arg('input') input: LogInInput, @Ctx() context: Context): Promise<AuthPayload> {
    return loggedIn(context, await context.services.accounts.logIn(input, context.client));
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Ends the current session: its token stops working at once.' })
  logOut(@Ctx() { services, viewer }: Context): Promise<boolean> {
    return services.accounts.logOut(viewer!);
  }

  @Authorized(Gate.ADMIN)
  @Mutation(() => InvitationPayload)
  inviteMember(@Arg('input') input: InviteMemberInput, @Ctx() { services, viewer }: Context): Promise<InvitationPayload> {
    return services.accounts.inviteMember(viewer!, input);
  }

  @Mutation(() => AuthPayload, { description: 'Accepts a member or guest invitation and logs in.' })
  async acceptInvitation(@Arg('input') input: AcceptInvitationInput, @Ctx() context: Context): Promise<AuthPayload> {
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
