import { Field, ID, InputType } from 'type-graphql';
import type { EmailNotifications } from './notification-settings.entity';
import { EmailNotificationsEnum } from './notification.type';

@InputType('MarkNotificationsReadInput', { description: 'Which notifications to mark read: `ids`, or `all: true`.' })
export class MarkNotificationsReadInput {
  @Field(() => [ID], { nullable: true, description: 'At most 100, all the viewer\'s own: otherwise NOT_FOUND and nothing changes.' })
  ids?: string[] | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Every unread notification of the viewer.' })
  all?: boolean | null;
}

@InputType('UpdateNotificationSettingsInput', { description: "The viewer's new notification settings." })
export class UpdateNotificationSettingsInput {
  @Field(() => EmailNotificationsEnum, { description: 'Which notifications also come by email.' })
  email: EmailNotifications;
}
