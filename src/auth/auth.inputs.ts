import { Field, InputType } from 'type-graphql';
import { Role } from '../actor/actor.entity';

@InputType({ description: 'A new organization and its owner.' })
export class SignUpInput {
  @Field({ description: "The organization's name." })
  organizationName: string;

  @Field({ description: "The owner's name." })
  name: string;

  @Field({ description: "The owner's email: their login." })
  email: string;

  @Field({ description: '8 to 256 characters.' })
  password: string;
}

@InputType({ description: 'Credentials.' })
export class LogInInput {
  @Field({ description: 'The email of a member or a guest.' })
  email: string;

  @Field({ description: 'Their password.' })
  password: string;
}

@InputType({ description: 'Whom to invite as a member.' })
export class InviteMemberInput {
  @Field({ description: 'Their email: their login once they accept.' })
  email: string;

  @Field(() => Role, { defaultValue: Role.MEMBER, description: 'Their role once they accept.' })
  role: Role;
}

@InputType({ description: 'Accepting an invitation.' })
export class AcceptInvitationInput {
  @Field({ description: 'The last path segment of the invitation link.' })
  token: string;

  @Field({ description: 'The name others will see.' })
  name: string;

  @Field({ description: 'The password to log in with from now on (8 to 256 characters).' })
  password: string;
}
