import type { GuestInviters, OrganizationEntity } from '../organization/organization.entity';

/**
 * Settings > Guests of one organization. There is exactly one per
 * organization, so it is named by the organization: clients cache it under a
 * stable ID and see `updateGuestSettings` replace it in place.
 */
export class OrganizationGuestSettings {
  constructor(
    readonly organizationId: string,
    readonly enabled: boolean,
    readonly whoCanInvite: GuestInviters,
    /** Days a new access lasts when the inviter gives no end; null: no default end. */
    readonly defaultAccessDays: number | null,
  ) {}

  static of(organization: OrganizationEntity): OrganizationGuestSettings {
    return new OrganizationGuestSettings(organization.id, organization.guestsEnabled, organization.whoCanInvite, organization.defaultAccessDays);
  }
}

/** How many guests one organization has and may have; one per organization, like its settings. */
export class OrganizationGuestUsage {
  constructor(
    readonly organizationId: string,
    readonly memberCount: number,
    readonly guestsPerMember: number,
    readonly guestCount: number,
    readonly conversationsPerGuest: number,
  ) {}

  get guestLimit(): number {
    return this.memberCount * this.guestsPerMember;
  }
}
