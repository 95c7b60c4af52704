import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Password hashes move out of `actors` into a table of their own, read only by
 * the account service: every other query may select whole actor rows (or
 * `to_jsonb` them) without a secret coming along.
 */
export class ActorCredentials1796100000000 implements MigrationInterface {
  name = 'ActorCredentials1796100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE actor_credentials (
        actor_id uuid PRIMARY KEY REFERENCES actors(id) ON DELETE CASCADE,
        password_hash text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO actor_credentials (actor_id, password_hash) SELECT id, password_hash FROM actors WHERE password_hash IS NOT NULL`);
    await q.query(`ALTER TABLE actors DROP COLUMN password_hash`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE actors ADD COLUMN password_hash text`);
    await q.query(`UPDATE actors a SET password_hash = c.password_hash FROM actor_credentials c WHERE c.actor_id = a.id`);
    await q.query(`DROP TABLE actor_credentials`);
  }
}
