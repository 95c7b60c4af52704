import { Field, ID, InputType } from 'type-graphql';

@InputType({ description: 'A new team.' })
export class CreateTeamInput {
  @Field({ description: 'Its name.' })
  name: string;

  @Field({ defaultValue: false, description: 'Members who join later are added automatically.' })
  isDefault: boolean;
}

@InputType({ description: 'A team and a member to add to it.' })
export class AddTeamMemberInput {
  @Field(() => ID, { description: 'The Team ID.' })
  teamId: string;

  @Field(() => ID, { description: 'The User ID of a member.' })
  userId: string;
}
