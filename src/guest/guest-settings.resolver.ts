import { FieldResolver, ID, Resolver, Root } from 'type-graphql';
import { toGlobalId } from '../ids';
import type { OrganizationGuestSettings, OrganizationGuestUsage } from './guest-settings';
import { GuestSettings, GuestUsage } from './guest-settings.type';

/** One per organization: the ID names the organization's settings, so it never changes. */
@Resolver(() => GuestSettings)
export class GuestSettingsResolver {
  @FieldResolver(() => ID)
  id(@Root() settings: OrganizationGuestSettings): string {
    return toGlobalId('GuestSettings', settings.organizationId);
  }
}

@Resolver(() => GuestUsage)
export class GuestUsageResolver {
  @FieldResolver(() => ID)
  id(@Root() usage: OrganizationGuestUsage): string {
    return toGlobalId('GuestUsage', usage.organizationId);
  }
}
