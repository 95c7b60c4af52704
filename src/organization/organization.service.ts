import type { DataSource } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import type { Viewer } from '../auth/viewer';
import { OrganizationEntity } from './organization.entity';

export class OrganizationService {
  constructor(private readonly dataSource: DataSource) {}

  /** Whether any organization exists: an empty database gets the demo. */
  async any(): Promise<boolean> {
    return this.dataSource.getRepository(OrganizationEntity).exists();
  }

  async ofViewer(viewer: Viewer): Promise<OrganizationEntity> {
    return this.dataSource.manager.findOneByOrFail(OrganizationEntity, { id: viewer.organizationId });
  }

  /** Members in order of joining. */
  async members(organizationId: string): Promise<ActorEntity[]> {
    return this.dataSource
      .getRepository(ActorEntity)
      .createQueryBuilder('a')
      .where(`a.organization_id = :organizationId AND a.kind = 'MEMBER'`, { organizationId })
      .orderBy('a.seq')
      .getMany();
  }
}
