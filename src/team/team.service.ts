import type { DataSource, EntityManager } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import type { Viewer } from '../auth/viewer';
import { DomainError, ErrorCode, forbidden, notFound } from '../errors';
import { decodeId } from '../ids';
import * as validate from '../validation';
import { TeamEntity } from './team.entity';
import { teamPolicy } from './team.policy';

const notAllowed = () => forbidden('Only owners and admins can manage teams.');

export class TeamService {
  constructor(private readonly dataSource: DataSource) {}

  async create(viewer: Viewer, input: { name: string; isDefault: boolean }): Promise<TeamEntity> {
    if (!teamPolicy.canManage(viewer)) throw notAllowed();
    const name = validate.text(input.name, 'name', { max: 100 });
    return this.dataSource.manager.save(
      this.dataSource.manager.create(TeamEntity, { organizationId: viewer.organizationId, name, isDefault: input.isDefault }),
    );
  }

  /** Teams are for members: a guest is GUEST_NOT_ALLOWED. Adding someone twice changes nothing. */
  async addMember(viewer: Viewer, input: { teamId: string; userId: string }): Promise<TeamEntity> {
    if (!teamPolicy.canManage(viewer)) throw notAllowed();
    const teamId = decodeId(input.teamId, 'Team');
    const parsedUser = decodeId(input.userId, 'User', 'Guest');
    return this.dataSource.transaction(async (manager) => {
      const team = await manager.findOneBy(TeamEntity, { id: teamId, organizationId: viewer.organizationId });
      const actor = await manager.findOneBy(ActorEntity, { id: parsedUser, organizationId: viewer.organizationId });
      if (!team || !actor) throw notFound();
      if (actor.kind !== 'MEMBER') throw new DomainError(ErrorCode.GUEST_NOT_ALLOWED, 'Guests are never team members.');
      await manager.query(`INSERT INTO team_members (team_id, actor_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [team.id, actor.id]);
      return team;
    });
  }

  async list(organizationId: string): Promise<TeamEntity[]> {
    return this.dataSource
      .getRepository(TeamEntity)
      .createQueryBuilder('t')
      .where('t.organization_id = :organizationId', { organizationId })
      .orderBy('t.seq')
      .getMany();
  }

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
