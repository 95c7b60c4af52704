import { DateTimeResolver } from 'graphql-scalars';

/** `scalar DateTime` of the contract: RFC 3339 strings in, Date objects inside. */
export const DateTimeScalar = DateTimeResolver;
export const scalarsMap = [{ type: Date, scalar: DateTimeScalar }];
