import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import { hydrate, jsonObjectOf, sqlOnce } from '../hydrate';
import type { ReadBatch } from '../reads';
import { TeamEntity } from './team.entity';

/** Members of teams, in order of joining the team. */
export function createTeamMembersLoader(dataSource: DataSource) {
  return new DataLoader<string, ActorEntity[]>(async (teamIds) => {
    const rows: { team_id: string; actor: Record<string, unknown> }[] = await dataSource.query(
      `SELECT tm.team_id, to_jsonb(a) AS actor
         FROM team_members tm JOIN actors a ON a.id = tm.actor_id
        WHERE tm.team_id = ANY($1) ORDER BY tm.seq`,
      [teamIds],
    );
    const byTeam = new Map<string, ActorEntity[]>();
    for (const row of rows) {
      const list = byTeam.get(row.team_id) ?? [];
      list.push(hydrate(dataSource, ActorEntity, row.actor));
      byTeam.set(row.team_id, list);
    }
    return teamIds.map((id) => byTeam.get(id) ?? []);
  });
}

/**
 * The team of each conversation (null for none), keyed by conversation: a
 * conversation page can ask for it in the same tick as the conversation
 * itself, before its row (and `team_id`) arrives.
 */
export function createTeamOfConversationLoader(dataSource: DataSource, reads: ReadBatch, organizationId: string | null) {
  const sql = sqlOnce('team-of-conversation', () =>
    `
    SELECT coalesce(json_agg(json_build_object('conversation_id', c.id, 'team', ${jsonObjectOf(dataSource, TeamEntity, 't')})), '[]')
      FROM conversations c JOIN teams t ON t.id = c.team_id
     WHERE c.id = ANY($1::uuid[]) AND c.organization_id = $2::uuid`,
  );
  return new DataLoader<string, TeamEntity | null>(async (conversationIds) => {
    const rows = organizationId ? await reads.value<{ conversation_id: string; team: Record<string, unknown> }[]>(sql, [conversationIds, organizationId]) : [];
    const byConversation = new Map(rows.map((row) => [row.conversation_id, hydrate(dataSource, TeamEntity, row.team)]));
    return conversationIds.map((id) => byConversation.get(id) ?? null);
  });
}
