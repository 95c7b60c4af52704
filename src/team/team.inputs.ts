import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class CreateTeamInput {
  @Field()
  name: string;

  @Field({ defaultValue: false, description: 'Members who join later are added automatically.' })
  isDefault: boolean;
}

@InputType()
export class AddTeamMemberInput {
  @Field(() => ID)
  teamId: string;

  @Field(() => ID)
  userId: string;
}
