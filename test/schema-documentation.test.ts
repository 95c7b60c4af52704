import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from 'graphql';
import { guestRefusingFields } from '../src/auth/members-only';
import { getSchema, printPossibleTypes } from '../src/schema';

const root = join(__dirname, '..');

/** Every place of a schema that can carry a description, as `Type.field(arg:)` coordinates, with its description. */
function describables(schema: GraphQLSchema): Array<[string, string | null | undefined]> {
  const found: Array<[string, string | null | undefined]> = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || isSpecifiedScalarType(type)) continue;
    found.push([type.name, type.description]);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        found.push([`${type.name}.${field.name}`, field.description]);
        for (const arg of field.args) found.push([`${type.name}.${field.name}(${arg.name}:)`, arg.description]);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) found.push([`${type.name}.${field.name}`, field.description]);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) found.push([`${type.name}.${value.name}`, value.description]);
    }
  }
  for (const directive of schema.getDirectives()) {
    if (isSpecifiedDirective(directive)) continue;
    found.push([`@${directive.name}`, directive.description]);
    for (const arg of directive.args) found.push([`@${directive.name}(${arg.name}:)`, arg.description]);
  }
  return found;
}

/** Coordinates of the fields carrying `@membersOnly` in a printed schema. */
function markedMembersOnly(sdl: string): Set<string> {
  const schema = buildSchema(sdl);
  const marked = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.astNode?.directives?.some((directive) => directive.name.value === 'membersOnly')) marked.add(`${type.name}.${field.name}`);
    }
  }
  return marked;
}

describe('the schema explains itself', () => {
  it('describes every type, field, argument, input field, enum value and directive', () => {
    const missing = describables(getSchema())
      .filter(([, description]) => !description?.trim())
      .map(([coordinate]) => coordinate);
    expect(missing).toEqual([]);
  });

  it('says what DateTime is with @specifiedBy', () => {
    expect(getSchema().getType('DateTime')).toMatchObject({ specifiedByURL: expect.stringContaining('rfc3339') });
    expect(readFileSync(join(root, 'schema.graphql'), 'utf8')).toMatch(/^scalar DateTime @specifiedBy\(url: "https:\/\/www\.rfc-editor\.org\/rfc\/rfc3339[^"]*"\)$/m);
  });

  it('marks exactly the fields whose gate refuses guests with @membersOnly in schema.graphql, and says so in prose', () => {
    const published = readFileSync(join(root, 'schema.graphql'), 'utf8');
    const schema = getSchema();
    const gated = [...guestRefusingFields()].filter((coordinate) => {
      const [type, field] = coordinate.split('.');
      const graphqlType = schema.getType(type!);
      return (isObjectType(graphqlType) || isInterfaceType(graphqlType)) && field! in graphqlType.getFields();
    });
    expect(gated.length).toBeGreaterThan(20);
    expect([...markedMembersOnly(published)].sort()).toEqual(gated.sort());
    for (const coordinate of gated) {
      const [type, field] = coordinate.split('.');
      const { description } = (schema.getType(type!) as any).getFields()[field!];
      expect([coordinate, description]).toEqual([coordinate, expect.stringMatching(/members only|owners and admins only/i)]);
    }
  });
});

describe('possible-types.json', () => {
  it('is what the code builds: run `npm run schema` after changing an interface', () => {
    expect(readFileSync(join(root, 'possible-types.json'), 'utf8')).toBe(printPossibleTypes());
  });

  it("names every implementation of each interface, as Apollo Client's possibleTypes takes them", () => {
    const { possibleTypes } = JSON.parse(printPossibleTypes());
    expect(possibleTypes.Actor).toEqual(['Guest', 'User']);
    expect(possibleTypes.Node).toEqual(expect.arrayContaining(['Comment', 'Conversation', 'Guest', 'GuestSettings', 'GuestUsage', 'Message', 'User']));
  });
});
