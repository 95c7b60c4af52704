import type { AuthCheckerFn } from 'type-graphql';
import { forbidden, unauthenticated } from '../errors';
import type { Context } from '../context';
import { isAdmin, isMember } from './viewer';

/** The gates `@Authorized(...)` can name. `@Authorized()` alone means: any logged-in viewer. */
export enum Gate {
  /** Organization members (OWNER, ADMIN, MEMBER); a guest gets FORBIDDEN. */
  MEMBER = 'MEMBER',
  /** Owners and admins. */
  ADMIN = 'ADMIN',
  /** Members, and the actor the field belongs to (a guest reading their own email). */
  SELF_OR_MEMBER = 'SELF_OR_MEMBER',
}

/**
 * The single field-level gate. It throws rather than returning false so that
 * the error carries our code: on a nullable field the guest loses that field
 * and gets one FORBIDDEN error at its path, and the rest of the response stays.
 */
export const authChecker: AuthCheckerFn<Context, Gate> = ({ context, root }, gates) => {
  const { viewer } = context;
  if (!viewer) throw unauthenticated();
  for (const gate of gates) {
    if (gate === Gate.MEMBER && !isMember(viewer)) throw forbidden('Only organization members can see or do this.');
    if (gate === Gate.ADMIN && !isAdmin(viewer)) throw forbidden('Only owners and admins can do this.');
    if (gate === Gate.SELF_OR_MEMBER && !isMember(viewer) && (root as { id?: string })?.id !== viewer.actorId) {
      throw forbidden('Only organization members and the guest themself can see this.');
    }
  }
  return true;
};
