import type { DataSource, EntityManager } from 'typeorm';
import type { ActorEntity } from '../actor/actor.entity';

export class TeamService {
  constructor(private readonly dataSource: DataSource) {}

  /** A member who joins is added to every default team of the organization. */
  async addToDefaultTeams(manager: EntityManager, member: ActorEntity): Promise<void> {
    await manager.query(
      `INSERT INTO team_members (team_id, actor_id)
       SELECT id, $2 FROM teams WHERE organization_id = $1 AND is_default
       ORDER BY seq
       ON CONFLICT DO NOTHING`,
      [member.organizationId, member.id],
    );
  }
}
