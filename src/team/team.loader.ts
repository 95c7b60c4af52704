import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import { hydrate } from '../hydrate';

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
