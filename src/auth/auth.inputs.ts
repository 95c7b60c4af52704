import { Field, InputType } from 'type-graphql';
import { Role } from '../actor/actor.entity';

@InputType()
export class SignUpInput {
  @Field()
  organizationName: string;

  @Field()
  name: string;

  @Field()
  email: string;

  @Field()
  password: string;
}

@InputType()
export class LogInInput {
  @Field()
  email: string;

  @Field()
  password: string;
}

@InputType()
export class InviteMemberInput {
  @Field()
  email: string;

  @Field(() => Role, { defaultValue: Role.MEMBER })
  role: Role;
}

@InputType()
export class AcceptInvitationInput {
  @Field()
  token: string;

  @Field()
  name: string;

  @Field()
  password: string;
}
